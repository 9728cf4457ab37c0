// HTTP for the web console: the page and its scripts, a Server-Sent Events stream of the
// conversation, and two JSON endpoints (a typed command, a clicked button), plus the demo
// servers' fault switches when they run.
//
// The console can run checks, so it refuses requests a web page elsewhere could forge: the Host
// header must name this server (no DNS rebinding), and POSTs must be JSON from the same origin
// (a cross-site form cannot send application/json without a preflight we never answer). Off
// loopback it asks for a login first (console-auth.ts). No other page may frame it (a click in
// a hidden frame would run a command), and it runs only its own scripts.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerJson, type HttpRoute, pathOf } from '../../http/http-server.js';
import { type ConsoleAdapter, entryForPage } from './console-adapter.js';
import type { ConsoleAuth } from './console-auth.js';

/** What the console needs from the demo servers: their faults, to list and switch. */
export interface DemoSwitches {
  list(): Array<{ id: string; label: string; description: string; on: boolean }>;
  set(id: string, on: boolean): void;
}

const STATIC_DIR = fileURLToPath(new URL('../../../src/chat/console/static/', import.meta.url));
const require = createRequire(import.meta.url);
/** The folder of a package's main file (not every package exports its package.json). */
const distOf = (specifier: string) => dirname(require.resolve(specifier));

/** Browser modules, served from node_modules (no build step; an import map names them). */
const VENDOR: Record<string, () => string> = {
  'preact.mjs': () => join(distOf('preact'), 'preact.module.js'),
  'hooks.mjs': () => join(distOf('preact/hooks'), 'hooks.module.js'),
  'htm.mjs': () => join(distOf('htm'), 'htm.module.js'),
};
const STATIC: Record<string, string> = { '/': 'index.html', '/app.js': 'app.js', '/render.js': 'render.js', '/style.css': 'style.css', '/login': 'login.html', '/login.js': 'login.js' };
/** What needs no session: the login page and what it loads. */
const OPEN = new Set(['/login', '/login.js', '/style.css', '/api/login']);
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', mjs: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
const MAX_BODY = 64 * 1024;

export function consoleRoutes(chat: ConsoleAdapter, options: { auth: ConsoleAuth; demo?: DemoSwitches }): HttpRoute[] {
  const { auth } = options;
  const headers = securityHeaders();
  const guard = (handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) => async (req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (!auth.hosts.includes((req.headers.host ?? '').toLowerCase())) return json(res, 421, { error: 'this console answers only on its own address' });
    if (req.method === 'POST') {
      const type = req.headers['content-type'] ?? '';
      const origin = req.headers.origin;
      const ours = (o: string) => auth.hosts.some((h) => o === `http://${h}` || o === `https://${h}`);
      if (!type.startsWith('application/json') || (origin && !ours(origin))) return json(res, 403, { error: 'JSON from this console only' });
    }
    const path = pathOf(req);
    if (!OPEN.has(path) && !auth.admits(req)) {
      if (req.method === 'GET' && path === '/') return redirect(res, '/login');
      return json(res, 401, { error: 'log in first: open /login' });
    }
    await handler(req, res);
  };
  return [
    {
      method: 'POST',
      prefix: '/api/login',
      handler: guard(async (req, res) => {
        const { token } = (await readJson(req)) as { token?: unknown };
        const cookie = auth.login(token);
        if (!cookie) return json(res, 401, { error: auth.required ? 'wrong token' : 'this console needs no login' });
        json(res, 200, { ok: true }, { 'set-cookie': cookie });
      }),
    },
    {
      method: 'GET',
      prefix: '/login',
      handler: guard(async (req, res) => {
        if (!auth.required) return redirect(res, '/');
        // The link printed at start: /login?token=… logs in and drops the token from the address bar.
        const token = new URLSearchParams((req.url ?? '').split('?')[1] ?? '').get('token');
        const cookie = token ? auth.login(token) : undefined;
        if (cookie) return redirect(res, '/', { 'set-cookie': cookie });
        const name = STATIC[pathOf(req)];
        if (!name) return json(res, 404, { error: 'not found' });
        await sendFile(res, join(STATIC_DIR, name), name.split('.').pop()!);
      }),
    },
    { method: 'GET', prefix: '/api/events', handler: guard(async (req, res) => events(chat, req, res)) },
    { method: 'GET', prefix: '/api/demo', handler: guard(async (_req, res) => json(res, 200, { faults: options.demo?.list() ?? [] })) },
    {
      method: 'POST',
      prefix: '/api/demo',
      handler: guard(async (req, res) => {
        const body = (await readJson(req)) as { id?: unknown; on?: unknown };
        if (!options.demo) return json(res, 404, { error: 'no demo servers are running' });
        const known = options.demo.list().some((f) => f.id === body.id);
        if (!known || typeof body.on !== 'boolean') return json(res, 400, { error: 'give { id: <fault>, on: true|false }' });
        options.demo.set(String(body.id), body.on);
        json(res, 200, { faults: options.demo.list() });
      }),
    },
    {
      method: 'POST',
      prefix: '/api/command',
      handler: guard(async (req, res) => {
        const { text } = (await readJson(req)) as { text?: unknown };
        if (typeof text !== 'string' || !text.trim()) return json(res, 400, { error: 'give { text: "/ftp …" }' });
        json(res, 202, { ok: true });
        // As much as /ftp explain takes of a paste (4,000 characters) and the command word.
        await chat.command(text.slice(0, 4_100));
      }),
    },
    {
      method: 'POST',
      prefix: '/api/action',
      handler: guard(async (req, res) => {
        const { button, entry } = (await readJson(req)) as { button?: unknown; entry?: unknown };
        if (typeof button !== 'string' || typeof entry !== 'string') return json(res, 400, { error: 'give { button, entry }' });
        json(res, 202, { ok: true });
        await chat.click(button.slice(0, 600), entry.slice(0, 100));
      }),
    },
    {
      method: 'GET',
      prefix: '/vendor/',
      handler: guard(async (req, res) => {
        const file = VENDOR[(req.url ?? '').split('?')[0]!.slice('/vendor/'.length)];
        if (!file) return json(res, 404, { error: 'not found' });
        await sendFile(res, file(), 'mjs');
      }),
    },
    {
      method: 'GET',
      prefix: '/',
      handler: guard(async (req, res) => {
        const name = STATIC[(req.url ?? '/').split('?')[0]!];
        if (!name) return json(res, 404, { error: 'not found' });
        await sendFile(res, join(STATIC_DIR, name), name.split('.').pop()!);
      }),
    },
  ];
}

/** The conversation so far, then every change, as Server-Sent Events. */
async function events(chat: ConsoleAdapter, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  for (const entry of chat.snapshot()) send(entryForPage(entry));
  const unsubscribe = chat.subscribe((entry) => send(entryForPage(entry)));
  // A comment line now and then keeps proxies from closing an idle stream.
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  const unStop = chat.onStop(() => res.end());
  req.on('close', () => {
    clearInterval(keepAlive);
    unsubscribe();
    unStop();
  });
}

async function sendFile(res: ServerResponse, path: string, ext: string): Promise<void> {
  const body = await readFile(path);
  res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  answerJson(res, status, body, headers);
}

function redirect(res: ServerResponse, to: string, headers: Record<string, string> = {}): void {
  res.writeHead(303, { location: to, 'cache-control': 'no-store', ...headers });
  res.end();
}

/**
 * No framing anywhere (X-Frame-Options for old browsers, frame-ancestors for the rest); scripts
 * only from this server, plus the page's one inline import map, allowed by its hash.
 */
function securityHeaders(): Record<string, string> {
  const page = readFileSync(join(STATIC_DIR, 'index.html'), 'utf8');
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '';
  const hash = createHash('sha256').update(importMap).digest('base64');
  return {
    'x-frame-options': 'DENY',
    'content-security-policy': [
      "default-src 'none'",
      `script-src 'self' 'sha256-${hash}'`,
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return {};
  }
}
