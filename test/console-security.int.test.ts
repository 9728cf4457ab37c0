// The web console off loopback (`ftpops demo --host 0.0.0.0`): nothing works without a login;
// the token (given, or made up and printed once) is exchanged for an HttpOnly, SameSite=Strict
// session cookie; the machine's own name is accepted in Host, a foreign one is not; and no page
// may frame the console.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { request } from 'node:http';
import { RoleProcess, freePort, uniquePrefix } from './support/bot-process.js';

const TOKEN = 'console-token-for-tests-0123456789';
const processes: RoleProcess[] = [];

async function startConsole(env: NodeJS.ProcessEnv): Promise<{ proc: RoleProcess; port: number }> {
  const port = await freePort();
  const proc = new RoleProcess('demo', { REDIS_URL: 'redis://127.0.0.1:6379', FTPOPS_QUEUE_PREFIX: uniquePrefix(), FTPOPS_DEMO_INTERVAL: '1h', FTPOPS_CONFIG: '', ...env }, ['--host', '0.0.0.0', '--port', String(port)]);
  processes.push(proc);
  await proc.ready(30_000);
  return { proc, port };
}

/** A request with headers of our choosing (fetch will not forge Host); resolves with status, headers and body. */
function call(port: number, path: string, o: { method?: string; host?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers: { host: o.host ?? `127.0.0.1:${port}`, ...o.headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      // An event stream never ends by itself: its first bytes are enough.
      if (String(res.headers['content-type']).startsWith('text/event-stream')) res.once('data', () => (done({ status: res.statusCode ?? 0, headers: res.headers, body }), req.destroy()));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.once('error', fail);
    req.end(o.body);
  });
}

const json = (port: number, token?: string) => ({ 'content-type': 'application/json', origin: `http://127.0.0.1:${port}`, ...(token ? { cookie: token } : {}) });

let given: { proc: RoleProcess; port: number };

beforeAll(async () => {
  given = await startConsole({ FTPOPS_CONSOLE_TOKEN: TOKEN });
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGKILL')));
});

describe('the console off loopback', () => {
  it('asks for a login before anything: the page redirects, the API refuses', async () => {
    const { port } = given;
    const page = await call(port, '/');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/login');
    expect((await call(port, '/api/events')).status).toBe(401);
    expect((await call(port, '/api/command', { method: 'POST', headers: json(port), body: JSON.stringify({ text: '/ftp help' }) })).status).toBe(401);
    expect((await call(port, '/api/demo', { method: 'POST', headers: json(port), body: JSON.stringify({ id: 'wrong-password', on: true }) })).status).toBe(401);
    const login = await call(port, '/login');
    expect(login.status).toBe(200);
    expect(login.body).toContain('data-testid="login"');
  });

  it('a wrong token gets nothing; the right one a HttpOnly, SameSite=Strict session that works', async () => {
    const { port } = given;
    const wrong = await call(port, '/api/login', { method: 'POST', headers: json(port), body: JSON.stringify({ token: 'guess' }) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const right = await call(port, '/api/login', { method: 'POST', headers: json(port), body: JSON.stringify({ token: TOKEN }) });
    expect(right.status).toBe(200);
    const cookie = String(right.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0]!;
    expect((await call(port, '/api/command', { method: 'POST', headers: json(port, session), body: JSON.stringify({ text: '/ftp help' }) })).status).toBe(202);
    const events = await call(port, '/api/events', { headers: { cookie: session } });
    expect(events.status).toBe(200);
    // A forged session id is no session.
    expect((await call(port, '/api/events', { headers: { cookie: 'ftpops_console=forged' } })).status).toBe(401);
  });

  it("answers to the machine's own name, not to a foreign one", async () => {
    const { port } = given;
    expect((await call(port, '/login', { host: `${hostname()}:${port}` })).status).toBe(200);
    expect((await call(port, '/login', { host: `localhost:${port}` })).status).toBe(200);
    expect((await call(port, '/login', { host: `evil.example:${port}` })).status).toBe(421);
  });

  it('may not be framed, and runs only its own scripts', async () => {
    const { port } = given;
    for (const path of ['/', '/login', '/api/events']) {
      const res = await call(port, path);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self' 'sha256-/);
    }
  });

  it('without FTPOPS_CONSOLE_TOKEN, makes one up and prints its login link once', async () => {
    const { proc, port } = await startConsole({});
    // The link is the line after "running", and may arrive in the next chunk of output.
    const linkIn = () => /open (http:\/\/\S+\/login\?token=([\w-]+))/.exec(proc.output);
    for (let waited = 0; !linkIn() && waited < 5_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    const link = linkIn();
    expect(link).not.toBeNull();
    const token = link![2]!;
    expect(proc.output.split(token).length - 1).toBe(1);
    const opened = await call(port, `/login?token=${token}`);
    expect(opened.status).toBe(303);
    expect(opened.headers.location).toBe('/');
    const session = String(opened.headers['set-cookie']).split(';')[0]!;
    expect((await call(port, '/', { headers: { cookie: session } })).status).toBe(200);
  });
});
