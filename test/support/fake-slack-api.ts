// A local stand-in for Slack's Web API (https://slack.com/api/<method>) so the real
// @slack/web-api WebClient (and Bolt's `client`) run unmodified against it: point them at
// `fake.url` with `new WebClient(token, { slackApiUrl: fake.url })` or
// `new App({ clientOptions: { slackApiUrl: fake.url } })`.
//
// Wire format as Slack: POST /api/<method>, body form-encoded (WebClient's default; objects such
// as `blocks` arrive JSON-stringified) or JSON (token then only in the Authorization header),
// token as `Authorization: Bearer xox…` or a `token` form field; HTTP 200 with `{ok:false,error}`
// for API errors, HTTP 429 + `Retry-After` for rate limits.
//
// Also records POSTs to `responseUrl(id)` (what Bolt's `respond()` sends to a slash command's
// response_url) as calls with method `response_url`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSlackCall {
  /** Web API method ("chat.postMessage"), or "response_url" for POSTs to responseUrl(). */
  method: string;
  /** Parsed body (form or JSON; JSON-looking form fields such as `blocks` decoded). */
  body: Record<string, unknown>;
  /** Token from the Authorization header or the `token` field; undefined if none. */
  token: string | undefined;
  /** Date.now() when received. */
  at: number;
  /** HTTP status answered. */
  status: number;
  /** JSON answered (undefined for a 500). */
  response: unknown;
  /** For response_url calls: the id in the path. */
  responseUrlId?: string;
}

export interface FakeSlackMessage {
  type: 'message';
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  user: string;
  bot_id: string;
  team: string;
  reply_broadcast?: boolean;
  edited?: { user: string; ts: string };
}

export interface FakeSlackEphemeral {
  channel: string;
  user: string;
  message_ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
}

export type FakeSlackFailure =
  | { status: 429; retryAfter: number }
  | { status: 500 }
  /** HTTP 200 with `{ok:false, error}`, e.g. "channel_not_found". */
  | { error: string };

export interface FakeSlackView {
  calls: readonly FakeSlackCall[];
  messages: readonly FakeSlackMessage[];
}

export interface FakeSlackApi {
  /** Base URL ending in "/api/", for `slackApiUrl`. */
  readonly url: string;
  /** Every request received, in order, including refused and failed ones. */
  readonly calls: FakeSlackCall[];
  /** Current (post-update, minus deleted) messages, oldest first; optionally one channel's. */
  messages(channel?: string): FakeSlackMessage[];
  /** Ephemeral messages posted (they are never in messages()). */
  ephemerals(channel?: string): FakeSlackEphemeral[];
  /** Calls of one method, successful (`ok:true`) or not. */
  callsTo(method: string): FakeSlackCall[];
  /**
   * Resolves with the first truthy value the predicate returns, checked now, after every
   * request and every 20 ms; rejects after timeoutMs.
   */
  waitFor<T>(predicate: (view: FakeSlackView) => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** Make the next `times` (default 1) calls to `method` fail this way. */
  failNext(method: string, failure: FakeSlackFailure, times?: number): void;
  /** A URL to use as a slash command's response_url; POSTs to it are recorded. */
  responseUrl(id?: string): string;
  /** Files uploaded with files.uploadV2 (getUploadURLExternal → upload → completeUploadExternal). */
  files(): FakeSlackFile[];
  close(): Promise<void>;
}

export interface FakeSlackFile {
  id: string;
  filename: string;
  title?: string;
  channel?: string;
  thread_ts?: string;
  /** The uploaded bytes (after the upload step). */
  bytes?: Buffer;
  /** True once files.completeUploadExternal shared it. */
  complete: boolean;
}

export interface FakeSlackOptions {
  /** If set, only these tokens are accepted (others get `invalid_auth`). Default: any xox*- token. */
  tokens?: string[];
  team_id?: string;
  bot_user_id?: string;
  bot_id?: string;
  /** User group id ("S…") → member user ids, for usergroups.users.list. */
  usergroups?: Record<string, string[]>;
}

const MAX_BLOCKS = 50;
const MAX_SECTION_TEXT = 3000;
const MAX_SECTION_FIELDS = 10;
const MAX_FIELD_TEXT = 2000;
const MAX_HEADER_TEXT = 150;
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata']);

type Json = Record<string, unknown>;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

/** Slack-style block validation; returns error strings (empty when valid). */
function validateBlocks(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return ['must be an array [json-pointer:/blocks]'];
  const errors: string[] = [];
  if (blocks.length > MAX_BLOCKS) errors.push(`no more than ${MAX_BLOCKS} items allowed [json-pointer:/blocks]`);
  blocks.forEach((b: unknown, i) => {
    if (typeof b !== 'object' || b === null || typeof (b as Json).type !== 'string') {
      errors.push(`missing required field: type [json-pointer:/blocks/${i}]`);
      return;
    }
    const block = b as Json;
    const textOf = (o: unknown): string | undefined =>
      typeof o === 'object' && o !== null ? str((o as Json).text) : undefined;
    if (block.type === 'section') {
      const t = textOf(block.text);
      if (t !== undefined && t.length > MAX_SECTION_TEXT) {
        errors.push(`must be less than ${MAX_SECTION_TEXT + 1} characters [json-pointer:/blocks/${i}/text/text]`);
      }
      if (block.text === undefined && block.fields === undefined) {
        errors.push(`must provide either text or fields [json-pointer:/blocks/${i}]`);
      }
      if (Array.isArray(block.fields)) {
        if (block.fields.length > MAX_SECTION_FIELDS) {
          errors.push(`no more than ${MAX_SECTION_FIELDS} items allowed [json-pointer:/blocks/${i}/fields]`);
        }
        block.fields.forEach((f: unknown, j) => {
          const ft = textOf(f);
          if (ft !== undefined && ft.length > MAX_FIELD_TEXT) {
            errors.push(`must be less than ${MAX_FIELD_TEXT + 1} characters [json-pointer:/blocks/${i}/fields/${j}/text]`);
          }
        });
      }
    } else if (block.type === 'header') {
      const t = textOf(block.text);
      if (t !== undefined && t.length > MAX_HEADER_TEXT) {
        errors.push(`must be less than ${MAX_HEADER_TEXT + 1} characters [json-pointer:/blocks/${i}/text/text]`);
      }
    }
  });
  return errors;
}

export async function startFakeSlackApi(options: FakeSlackOptions = {}): Promise<FakeSlackApi> {
  const team = options.team_id ?? 'T0FAKE';
  const botUser = options.bot_user_id ?? 'U0FAKEBOT';
  const botId = options.bot_id ?? 'B0FAKEBOT';
  const calls: FakeSlackCall[] = [];
  const store: FakeSlackMessage[] = [];
  const uploads = new Map<string, FakeSlackFile>();
  const ephemeralStore: FakeSlackEphemeral[] = [];
  const failures = new Map<string, FakeSlackFailure[]>();
  const listeners = new Set<() => void>();
  const aborters = new Set<() => void>();
  let tsCounter = 0;

  const nextTs = (): string => {
    tsCounter += 1;
    const micros = tsCounter * 100;
    const sec = 1_700_000_000 + Math.floor(micros / 1_000_000);
    return `${sec}.${String(micros % 1_000_000).padStart(6, '0')}`;
  };
  const notify = (): void => {
    for (const l of [...listeners]) l();
  };
  const findMessage = (channel: string | undefined, ts: string | undefined): FakeSlackMessage | undefined =>
    store.find((m) => m.channel === channel && m.ts === ts);

  function handleMethod(method: string, body: Json): Json {
    const channel = str(body.channel);
    const blocks = body.blocks;
    if (blocks !== undefined) {
      const errors = validateBlocks(blocks);
      if (errors.length > 0) {
        return {
          ok: false,
          error: 'invalid_blocks',
          errors,
          response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
        };
      }
    }
    const hasContent = str(body.text) !== undefined || blocks !== undefined || body.attachments !== undefined;
    switch (method) {
      case 'api.test':
        return { ok: true, args: body };
      case 'auth.test':
        return {
          ok: true,
          url: 'https://ftpops-test.slack.com/',
          team: 'ftpops-test',
          user: 'ftpops',
          team_id: team,
          user_id: botUser,
          bot_id: botId,
          is_enterprise_install: false,
        };
      case 'chat.postMessage': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (!hasContent) return { ok: false, error: 'no_text' };
        const msg: FakeSlackMessage = {
          type: 'message',
          channel,
          ts: nextTs(),
          text: str(body.text) ?? '',
          user: botUser,
          bot_id: botId,
          team,
        };
        const threadTs = str(body.thread_ts);
        if (threadTs) msg.thread_ts = threadTs;
        if (blocks !== undefined) msg.blocks = blocks as unknown[];
        if (body.attachments !== undefined) msg.attachments = body.attachments as unknown[];
        if (body.metadata !== undefined) msg.metadata = body.metadata;
        if (threadTs && truthy(body.reply_broadcast)) msg.reply_broadcast = true;
        store.push(msg);
        const { channel: _c, ...message } = msg;
        return { ok: true, channel, ts: msg.ts, message };
      }
      case 'chat.update': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const ts = str(body.ts);
        const msg = findMessage(channel, ts);
        if (!msg) return { ok: false, error: 'message_not_found' };
        if (!hasContent) return { ok: false, error: 'no_text' };
        if (str(body.text) !== undefined) msg.text = str(body.text) ?? '';
        if (blocks !== undefined) msg.blocks = blocks as unknown[];
        if (body.attachments !== undefined) msg.attachments = body.attachments as unknown[];
        if (body.metadata !== undefined) msg.metadata = body.metadata;
        msg.edited = { user: botUser, ts: nextTs() };
        const { channel: _c, ...message } = msg;
        return { ok: true, channel, ts: msg.ts, text: msg.text, message };
      }
      case 'chat.postEphemeral': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const user = str(body.user);
        if (!user) return { ok: false, error: 'user_not_in_channel' };
        if (!hasContent) return { ok: false, error: 'no_text' };
        const e: FakeSlackEphemeral = { channel, user, message_ts: nextTs(), text: str(body.text) ?? '' };
        const threadTs = str(body.thread_ts);
        if (threadTs) e.thread_ts = threadTs;
        if (blocks !== undefined) e.blocks = blocks as unknown[];
        ephemeralStore.push(e);
        return { ok: true, message_ts: e.message_ts };
      }
      case 'chat.delete': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const ts = str(body.ts);
        const idx = store.findIndex((m) => m.channel === channel && m.ts === ts);
        if (idx < 0) return { ok: false, error: 'message_not_found' };
        store.splice(idx, 1);
        return { ok: true, channel, ts };
      }
      case 'usergroups.users.list': {
        const members = options.usergroups?.[str(body.usergroup) ?? ''];
        return members ? { ok: true, users: members } : { ok: false, error: 'no_such_subteam' };
      }
      case 'conversations.info': {
        if (!channel || !/^[CGD][A-Z0-9]+$/.test(channel)) return { ok: false, error: 'channel_not_found' };
        const isIm = channel.startsWith('D');
        return {
          ok: true,
          channel: {
            id: channel,
            name: isIm ? undefined : channel.toLowerCase(),
            is_channel: channel.startsWith('C'),
            is_group: channel.startsWith('G'),
            is_im: isIm,
            is_private: !channel.startsWith('C'),
            is_archived: false,
            is_member: true,
            context_team_id: team,
            created: 1_600_000_000,
          },
        };
      }
      case 'files.getUploadURLExternal': {
        const filename = str(body.filename);
        if (!filename || !Number(body.length)) return { ok: false, error: 'invalid_arguments' };
        const id = `F${String(uploads.size + 1).padStart(8, '0')}`;
        uploads.set(id, { id, filename, complete: false });
        return { ok: true, upload_url: `${base}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        let files: Array<{ id: string; title?: string }> = [];
        try {
          files = typeof body.files === 'string' ? (JSON.parse(body.files) as typeof files) : ((body.files as typeof files) ?? []);
        } catch {
          return { ok: false, error: 'invalid_arguments' };
        }
        const done: Json[] = [];
        for (const f of files) {
          const upload = uploads.get(f.id);
          if (!upload?.bytes) return { ok: false, error: 'file_not_found' };
          Object.assign(upload, { complete: true, title: f.title ?? upload.filename, channel: str(body.channel_id), thread_ts: str(body.thread_ts) });
          done.push({ id: upload.id, name: upload.filename, title: upload.title, size: upload.bytes.length });
        }
        return { ok: true, files: done };
      }
      default:
        return { ok: false, error: 'unknown_method', req_method: method };
    }
  }

  function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    res.writeHead(status, {
      'content-type': typeof payload === 'string' ? 'text/html' : 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reqUrl = new URL(req.url ?? '/', 'http://127.0.0.1');
    const uploadMatch = /^\/upload\/(F\d+)$/.exec(reqUrl.pathname);
    if (uploadMatch) {
      // The upload step of files.uploadV2: multipart form data, the file in the field "body".
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const upload = uploads.get(uploadMatch[1] ?? '');
      const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: Buffer.concat(chunks) }).formData();
      const file = form.get('body');
      if (!upload || !file || typeof file === 'string') {
        send(res, 400, 'bad upload');
        return;
      }
      upload.bytes = Buffer.from(await file.arrayBuffer());
      calls.push({ method: 'upload', body: { file_id: upload.id, size: upload.bytes.length }, token: undefined, at: Date.now(), status: 200, response: 'OK' });
      notify();
      send(res, 200, `OK - ${upload.bytes.length}`);
      return;
    }
    const raw = await readBody(req);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const at = Date.now();

    // Parse the body the way Slack does.
    let body: Json = {};
    let parseError: string | undefined;
    if (raw.length > 0) {
      if (contentType === 'application/json') {
        try {
          const parsed: unknown = JSON.parse(raw);
          if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Json;
          else parseError = 'invalid_json';
        } catch {
          parseError = 'invalid_json';
        }
      } else if (contentType === 'application/x-www-form-urlencoded' || contentType === '') {
        for (const [k, v] of new URLSearchParams(raw)) {
          let value: unknown = v;
          if (JSON_FIELDS.has(k) && /^\s*[[{]/.test(v)) {
            try {
              value = JSON.parse(v);
            } catch {
              parseError = 'invalid_arguments';
            }
          }
          body[k] = value;
        }
      } else {
        parseError = 'invalid_form_data';
      }
    }
    for (const [k, v] of reqUrl.searchParams) if (!(k in body)) body[k] = v;

    const record = (method: string, token: string | undefined, status: number, response: unknown, extra: Partial<FakeSlackCall> = {}): void => {
      const { token: _t, ...bodyNoToken } = body;
      calls.push({ method, body: bodyNoToken, token, at, status, response, ...extra });
      notify();
    };

    const respMatch = /^\/response\/([^/]+)$/.exec(reqUrl.pathname);
    if (respMatch) {
      const response = { ok: true };
      record('response_url', undefined, 200, response, { responseUrlId: decodeURIComponent(respMatch[1] ?? '') });
      send(res, 200, response);
      return;
    }

    const apiMatch = /^\/api\/([A-Za-z0-9_.]+)$/.exec(reqUrl.pathname);
    if (!apiMatch) {
      send(res, 404, '<html><body>404 Not Found</body></html>');
      return;
    }
    const method = apiMatch[1] ?? '';

    // Token: Authorization header, or (form bodies only) a `token` field.
    const auth = req.headers.authorization;
    let token: string | undefined;
    if (auth?.toLowerCase().startsWith('bearer ')) token = auth.slice(7).trim() || undefined;
    if (!token && contentType !== 'application/json') token = str(body.token) || undefined;

    // Scripted failures first (Slack rate-limits before looking at the request).
    const queue = failures.get(method);
    const failure = queue?.shift();
    if (queue && queue.length === 0) failures.delete(method);
    if (failure) {
      if ('error' in failure) {
        const response = { ok: false, error: failure.error };
        record(method, token, 200, response);
        send(res, 200, response);
      } else if (failure.status === 429) {
        const response = { ok: false, error: 'ratelimited' };
        record(method, token, 429, response);
        send(res, 429, response, { 'retry-after': String(failure.retryAfter) });
      } else {
        record(method, token, 500, undefined);
        send(res, 500, '<html><body>500 Internal Server Error</body></html>');
      }
      return;
    }

    let response: Json;
    if (parseError) response = { ok: false, error: parseError };
    else if (method === 'api.test') response = handleMethod(method, body);
    else if (!token) response = { ok: false, error: 'not_authed' };
    else if (options.tokens ? !options.tokens.includes(token) : !/^xox[a-z]-/.test(token)) {
      response = { ok: false, error: 'invalid_auth' };
    } else response = handleMethod(method, body);
    record(method, token, 200, response);
    send(res, 200, response);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  let responseUrlCounter = 0;
  const filesView = (): FakeSlackFile[] => [...uploads.values()].map((u) => ({ ...u }));
  let closed = false;

  const api: FakeSlackApi = {
    url: `${base}/api/`,
    calls,
    messages: (channel) => store.filter((m) => channel === undefined || m.channel === channel).map((m) => structuredClone(m)),
    ephemerals: (channel) =>
      ephemeralStore.filter((e) => channel === undefined || e.channel === channel).map((e) => structuredClone(e)),
    callsTo: (method) => calls.filter((c) => c.method === method),
    failNext(method, failure, times = 1) {
      const q = failures.get(method) ?? [];
      for (let i = 0; i < times; i++) q.push(failure);
      failures.set(method, q);
    },
    files: filesView,
    responseUrl(id) {
      responseUrlCounter += 1;
      return `${base}/response/${encodeURIComponent(id ?? `r${responseUrlCounter}`)}`;
    },
    waitFor<T>(predicate: (view: FakeSlackView) => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        let done = false;
        const finish = (fn: () => void): void => {
          if (done) return;
          done = true;
          clearInterval(poll);
          clearTimeout(timer);
          listeners.delete(check);
          aborters.delete(abort);
          fn();
        };
        const check = (): void => {
          if (done) return;
          let value: T | undefined | null | false;
          try {
            value = predicate({ calls, messages: store });
          } catch (err) {
            finish(() => reject(err instanceof Error ? err : new Error(String(err))));
            return;
          }
          if (value) finish(() => resolve(value as T));
        };
        const abort = (): void => finish(() => reject(new Error('fake Slack: closed while waiting')));
        aborters.add(abort);
        const poll = setInterval(check, 20);
        const timer = setTimeout(() => {
          const seen = calls.map((c) => `${c.method}:${c.status}:${(c.response as Json | undefined)?.ok ?? '-'}`).join(', ');
          finish(() => reject(new Error(`fake Slack: waitFor timed out after ${timeoutMs} ms; calls so far: [${seen}]`)));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const abort of [...aborters]) abort();
      listeners.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return api;
}
