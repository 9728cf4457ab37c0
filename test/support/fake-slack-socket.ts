// A local stand-in for Slack's Socket Mode, so Bolt's own SocketModeReceiver (@slack/socket-mode)
// runs unmodified against it. One HTTP server does two things:
//
// - Web API front (`url`, for SLACK_API_URL): answers `apps.connections.open` itself (app-level
//   token `xapp-…` only, as Slack: a bot token gets `not_allowed_token_type`) with a one-time
//   `ws://…/link/?ticket=…` URL, and forwards every other request (method, path, query, headers,
//   body) unchanged to the fake Web API (fake-slack-api.ts), which records it as usual.
// - The WebSocket at /link/?ticket=… (one use per ticket, 401 otherwise): sends
//   {"type":"hello",…} on connect, then delivers envelopes as Slack does —
//   {"envelope_id","payload","type":"slash_commands","accepts_response_payload":true} and
//   {"envelope_id","payload","type":"interactive","accepts_response_payload":false} — and records
//   each acknowledgement {"envelope_id","payload"} the client sends back, with its delay.
//   `requestRefresh()` sends {"type":"disconnect","reason":"refresh_requested"} and waits for the
//   client to close that socket, call apps.connections.open again and reconnect. Pings from the
//   client are answered (ws answers pongs itself) and counted; `ping()` pings the client.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';

type Json = Record<string, unknown>;

export interface FakeSocketOpenCall {
  /** Token from `Authorization: Bearer …` or a `token` form field. */
  token: string | undefined;
  at: number;
  ok: boolean;
  error?: string;
  /** The ticket issued (ok calls). */
  ticket?: string;
}

export interface FakeSocketConnection {
  /** 1, 2, … in connection order. */
  id: number;
  ticket: string;
  openedAt: number;
  /** When hello was sent (right after the upgrade). */
  helloAt: number;
  closedAt?: number;
  closeCode?: number;
  /** Pings the client sent on this connection (ws answered each with a pong). */
  clientPings: number;
}

export interface FakeSocketAck {
  envelopeId: string;
  /** The envelope's type ("slash_commands", "interactive"); "unknown" for an id never sent. */
  type: string;
  /** Connection the acknowledgement came in on. */
  connection: number;
  /** The `payload` of the acknowledgement ({} for a bare ack()). */
  payload: Json;
  /** Date.now() when received. */
  at: number;
  /** Milliseconds from sending the envelope to receiving this acknowledgement. */
  ms: number;
}

export interface FakeSocketFrame {
  dir: 'in' | 'out';
  connection: number;
  data: Json;
  at: number;
}

export interface FakeSlackSocketOptions {
  /** Base URL of the fake Web API (`fake.url`, ending in "/api/"): everything else goes there. */
  webApiUrl: string;
  /** If set, only this app-level token is accepted (others get `invalid_auth`). Default: any xapp- token. */
  appToken?: string;
  appId?: string;
  teamId?: string;
  /** How long sendSlashCommand/sendButtonClick wait for the acknowledgement. Default 10 s. */
  ackTimeoutMs?: number;
}

export interface SlashCommandEnvelope {
  text: string;
  responseUrl: string;
  channel?: string;
  user?: string;
  command?: string;
}

export interface ButtonClickEnvelope {
  actionId: string;
  value: string;
  channel: string;
  messageTs: string;
  responseUrl: string;
  user?: string;
}

export class FakeSlackSocket {
  /** Every apps.connections.open call, in order. */
  readonly opens: FakeSocketOpenCall[] = [];
  /** Every WebSocket connection ever accepted, in order. */
  readonly connectionLog: FakeSocketConnection[] = [];
  /** Every acknowledgement received, in order. */
  readonly acks: FakeSocketAck[] = [];
  /** Every JSON frame sent and received. */
  readonly frames: FakeSocketFrame[] = [];

  private server: Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Map<number, WebSocket>();
  private readonly tickets = new Map<string, { used: boolean }>();
  private readonly pending = new Map<string, { type: string; sent: number; resolve: (ack: FakeSocketAck) => void }>();
  private readonly listeners = new Set<() => void>();
  private readonly rawSockets = new Set<Socket>();
  private readonly appId: string;
  private readonly teamId: string;
  private base = '';
  private openFailures: Array<{ status: number } | { error: string }> = [];

  constructor(private readonly options: FakeSlackSocketOptions) {
    this.appId = options.appId ?? 'A0FAKE';
    this.teamId = options.teamId ?? 'T0FAKE';
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.handleHttp(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
    server.on('connection', (s) => {
      this.rawSockets.add(s);
      s.once('close', () => this.rawSockets.delete(s));
    });
    server.on('upgrade', (req, socket, head) => this.handleUpgrade(req, socket as Socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  /** Web API base URL ending in "/api/", for SLACK_API_URL (apps.connections.open here, the rest proxied). */
  get url(): string {
    if (!this.base) throw new Error('FakeSlackSocket: start() first');
    return `http://${this.base}/api/`;
  }

  /** WebSocket connections open right now. */
  connections(): number {
    return [...this.sockets.values()].filter((ws) => ws.readyState === WebSocket.OPEN).length;
  }

  /** Resolves once `n` connections have been accepted (and greeted with hello) in all. */
  waitForConnections(n: number, timeoutMs = 15_000): Promise<FakeSocketConnection> {
    return this.waitUntil(() => this.connectionLog[n - 1], timeoutMs, `${n} connection(s)`);
  }

  /** Make the next `times` apps.connections.open calls fail: an HTTP status (500, 503…) or `{ok:false, error}`. */
  failNextOpens(failure: { status: number } | { error: string }, times = 1): void {
    for (let i = 0; i < times; i++) this.openFailures.push(failure);
  }

  /** Resolves once the client has pinged the newest connection (Socket Mode clients ping every few seconds). */
  waitForClientPing(timeoutMs = 10_000): Promise<FakeSocketConnection> {
    const [id] = this.newest();
    const connection = this.connectionLog[id - 1]!;
    return this.waitUntil(() => connection.clientPings > 0 && connection, timeoutMs, `a ping from the client on connection ${id}`);
  }

  /** Deliver a slash command envelope; resolves with the acknowledgement. */
  sendSlashCommand(c: SlashCommandEnvelope): Promise<FakeSocketAck> {
    const channel = c.channel ?? 'C0TEST';
    const user = c.user ?? 'U0TEST';
    // The same fields (and, as Slack sends them, the same string values) as the HTTP form body.
    const payload = {
      token: 'deprecated-verification-token',
      team_id: this.teamId,
      team_domain: 'ftpops-test',
      channel_id: channel,
      channel_name: channel.toLowerCase(),
      user_id: user,
      user_name: user.toLowerCase(),
      command: c.command ?? '/ftp',
      text: c.text,
      api_app_id: this.appId,
      is_enterprise_install: 'false',
      response_url: c.responseUrl,
      trigger_id: `${Date.now()}.${randomBytes(4).toString('hex')}`,
    };
    return this.deliver('slash_commands', payload, true);
  }

  /** Deliver a block_actions envelope (a button click); resolves with the acknowledgement. */
  sendButtonClick(click: ButtonClickEnvelope): Promise<FakeSocketAck> {
    const payload = {
      type: 'block_actions',
      team: { id: this.teamId, domain: 'ftpops-test' },
      user: { id: click.user ?? 'U0TEST', username: 'operator', team_id: this.teamId },
      api_app_id: this.appId,
      token: 'deprecated-verification-token',
      container: { type: 'message', message_ts: click.messageTs, channel_id: click.channel, is_ephemeral: false },
      trigger_id: `${Date.now()}.${randomBytes(4).toString('hex')}`,
      channel: { id: click.channel, name: 'ops' },
      message: { type: 'message', ts: click.messageTs, text: '' },
      response_url: click.responseUrl,
      actions: [{ type: 'button', action_id: click.actionId, block_id: 'actions', value: click.value, action_ts: `${Date.now() / 1000}` }],
    };
    return this.deliver('interactive', payload, false);
  }

  /**
   * Send {"type":"disconnect","reason":"refresh_requested"} on the newest connection and wait
   * until the client closed it, called apps.connections.open again and connected anew.
   */
  async requestRefresh(timeoutMs = 20_000): Promise<{ old: FakeSocketConnection; fresh: FakeSocketConnection; ms: number }> {
    const [id, ws] = this.newest();
    const old = this.connectionLog[id - 1]!;
    const opensBefore = this.opens.filter((o) => o.ok).length;
    const started = performance.now();
    this.sendJson(id, ws, { type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'fake-slack-socket' } });
    const fresh = await this.waitUntil(
      () => old.closedAt !== undefined && this.opens.filter((o) => o.ok).length > opensBefore && this.connectionLog.find((c) => c.id > id && c.closedAt === undefined),
      timeoutMs,
      'the client to close the old connection and reconnect',
    );
    return { old, fresh, ms: performance.now() - started };
  }

  /** Ping the client on the newest connection; resolves with the pong's round trip in ms. */
  ping(timeoutMs = 5_000): Promise<number> {
    const [, ws] = this.newest();
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`FakeSlackSocket: no pong in ${timeoutMs} ms`)), timeoutMs);
      ws.once('pong', () => {
        clearTimeout(timer);
        resolve(performance.now() - started);
      });
      ws.ping(Buffer.from(`ping from fake Slack (${Date.now()})`));
    });
  }

  async close(): Promise<void> {
    for (const ws of this.sockets.values()) ws.terminate();
    this.sockets.clear();
    this.listeners.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const s of this.rawSockets) s.destroy();
    });
  }

  // --- internals ---------------------------------------------------------------------------

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  private waitUntil<T>(predicate: () => T | undefined | null | false, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): boolean => {
        const value = predicate();
        if (!value) return false;
        done();
        resolve(value);
        return true;
      };
      const poll = setInterval(check, 20);
      const timer = setTimeout(() => {
        done();
        reject(new Error(`FakeSlackSocket: timed out after ${timeoutMs} ms waiting for ${what}; opens ${this.opens.length}, connections ${JSON.stringify(this.connectionLog)}`));
      }, timeoutMs);
      const done = (): void => {
        clearInterval(poll);
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /** The newest open connection: where Slack would deliver. */
  private newest(): [number, WebSocket] {
    const open = [...this.sockets.entries()].filter(([, ws]) => ws.readyState === WebSocket.OPEN);
    const last = open[open.length - 1];
    if (!last) throw new Error('FakeSlackSocket: no open connection to deliver to');
    return last;
  }

  private sendJson(connection: number, ws: WebSocket, data: Json): void {
    this.frames.push({ dir: 'out', connection, data, at: Date.now() });
    ws.send(JSON.stringify(data));
  }

  private deliver(type: string, payload: Json, acceptsResponsePayload: boolean): Promise<FakeSocketAck> {
    const [id, ws] = this.newest();
    const envelopeId = randomUUID();
    const timeoutMs = this.options.ackTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelopeId);
        reject(new Error(`FakeSlackSocket: no acknowledgement of ${type} envelope ${envelopeId} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(envelopeId, {
        type,
        sent: performance.now(),
        resolve: (ack) => {
          clearTimeout(timer);
          resolve(ack);
        },
      });
      this.sendJson(id, ws, { envelope_id: envelopeId, payload, type, accepts_response_payload: acceptsResponsePayload });
    });
  }

  private onFrame(connection: number, raw: string): void {
    let data: Json;
    try {
      data = JSON.parse(raw) as Json;
    } catch {
      this.frames.push({ dir: 'in', connection, data: { unparsable: raw }, at: Date.now() });
      return;
    }
    this.frames.push({ dir: 'in', connection, data, at: Date.now() });
    const envelopeId = typeof data.envelope_id === 'string' ? data.envelope_id : undefined;
    if (!envelopeId) return;
    const pending = this.pending.get(envelopeId);
    this.pending.delete(envelopeId);
    const ack: FakeSocketAck = {
      envelopeId,
      type: pending?.type ?? 'unknown',
      connection,
      payload: (data.payload ?? {}) as Json,
      at: Date.now(),
      ms: pending ? performance.now() - pending.sent : Number.NaN,
    };
    this.acks.push(ack);
    pending?.resolve(ack);
    this.notify();
  }

  private handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const reqUrl = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = reqUrl.searchParams.get('ticket') ?? '';
    const issued = this.tickets.get(ticket);
    if (reqUrl.pathname !== '/link/' || !issued || issued.used) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    issued.used = true;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const connection: FakeSocketConnection = { id: this.connectionLog.length + 1, ticket, openedAt: Date.now(), helloAt: 0, clientPings: 0 };
      this.connectionLog.push(connection);
      this.sockets.set(connection.id, ws);
      ws.on('ping', () => {
        connection.clientPings += 1;
        this.notify();
      });
      ws.on('message', (data, isBinary) => {
        if (!isBinary) this.onFrame(connection.id, data.toString());
      });
      ws.on('close', (code) => {
        connection.closedAt = Date.now();
        connection.closeCode = code;
        this.sockets.delete(connection.id);
        this.notify();
      });
      this.sendJson(connection.id, ws, {
        type: 'hello',
        num_connections: this.connections(),
        debug_info: { host: 'fake-slack-socket', build_number: 1, approximate_connection_time: 18_060 },
        connection_info: { app_id: this.appId },
      });
      connection.helloAt = Date.now();
      this.notify();
    });
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (!path.startsWith('/api/')) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><body>404 Not Found</body></html>');
      return;
    }
    if (path === '/api/apps.connections.open') return this.connectionsOpen(req, res);
    await this.forward(req, res);
  }

  private async connectionsOpen(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const auth = req.headers.authorization;
    const token = (auth?.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : '') || form.get('token') || undefined;
    const call: FakeSocketOpenCall = { token, at: Date.now(), ok: false };
    const failure = this.openFailures.shift();
    if (failure && 'status' in failure) {
      this.opens.push({ ...call, error: `HTTP ${failure.status}` });
      this.notify();
      res.writeHead(failure.status, { 'content-type': 'text/html' });
      res.end(`<html><body>${failure.status}</body></html>`);
      return;
    }
    let answer: Json;
    if (failure) answer = { ok: false, error: failure.error };
    else if (!token) answer = { ok: false, error: 'not_authed' };
    else if (!token.startsWith('xapp-')) answer = { ok: false, error: 'not_allowed_token_type' };
    else if (this.options.appToken !== undefined && token !== this.options.appToken) answer = { ok: false, error: 'invalid_auth' };
    else {
      const ticket = randomUUID();
      this.tickets.set(ticket, { used: false });
      call.ticket = ticket;
      answer = { ok: true, url: `ws://${this.base}/link/?ticket=${ticket}&app_id=${this.appId}` };
    }
    call.ok = answer.ok === true;
    if (!call.ok) call.error = answer.error as string;
    this.opens.push(call);
    this.notify();
    const text = JSON.stringify(answer);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  /** Everything but apps.connections.open: to the fake Web API, unchanged. */
  private forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = new URL((req.url ?? '/').slice('/api/'.length), this.options.webApiUrl);
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.once('end', () => resolve());
        answer.once('error', reject);
      });
      upstream.once('error', reject);
      req.pipe(upstream);
    });
  }
}

/** Start a FakeSlackSocket in front of the fake Web API at `webApiUrl`. */
export function startFakeSlackSocket(options: FakeSlackSocketOptions): Promise<FakeSlackSocket> {
  return new FakeSlackSocket(options).start();
}
