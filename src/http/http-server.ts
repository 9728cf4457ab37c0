// The bot's own HTTP server, whatever else runs: Slack's events endpoint (HTTP mode), log
// ingestion, the web console (and later metrics and health). One place owns what every route
// needs from a server that faces the network:
// - a handler's failure is a 5xx answer and a log line, never the end of the process (an
//   unhandled rejection ends Node 20);
// - slow clients are cut off: headers within 10 s, the whole request within 30 s, and a cap on
//   open connections (a client trickling a body used to hold the process for minutes);
// - stopping ends within a few seconds, whatever the clients do.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { log } from '../log.js';

export interface HttpRoute {
  method: string;
  /** Matched as a prefix of the path ("/ingest/"); the first matching route wins. */
  prefix: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  routes: HttpRoute[];
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxConnections?: number;
  /** How long stop() lets requests in progress finish before it closes their connections. */
  stopGraceMs?: number;
}

export interface RunningHttpServer {
  readonly server: Server;
  readonly port: number;
  stop(): Promise<void>;
}

export const HTTP_LIMITS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxConnections: 512,
  stopGraceMs: 3_000,
} as const;

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const headersTimeout = options.headersTimeoutMs ?? HTTP_LIMITS.headersTimeoutMs;
  const server = createServer(
    {
      headersTimeout,
      requestTimeout: Math.max(headersTimeout, options.requestTimeoutMs ?? HTTP_LIMITS.requestTimeoutMs),
      // Node checks those timeouts on this interval (30 s by default): check every second.
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => dispatch(options.routes, req, res),
  );
  // Connections over the cap are dropped at once by Node.
  server.maxConnections = options.maxConnections ?? HTTP_LIMITS.maxConnections;
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A listening server's later errors (EMFILE, …) are logged; without a listener they would throw.
  server.on('error', (err) => log.warn({ event: 'http-error', error: err.message }, 'HTTP server error'));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    stop: () => stopServer(server, sockets, options.stopGraceMs ?? HTTP_LIMITS.stopGraceMs),
  };
}

/** Route a request; whatever a handler throws or rejects with becomes a 500 and a log line. */
export function dispatch(routes: HttpRoute[], req: IncomingMessage, res: ServerResponse): void {
  const path = pathOf(req);
  const route = routes.find((r) => r.method === req.method && path.startsWith(r.prefix));
  if (!route) return answerJson(res, 404, { error: 'not found' });
  const failed = (err: unknown) => {
    log.warn({ event: 'http-handler-failed', method: req.method, route: route.prefix, error: firstLine(err) }, 'HTTP handler failed');
    if (!res.headersSent) answerJson(res, 500, { error: 'internal error' });
    else res.destroy();
  };
  try {
    const done = route.handler(req, res);
    if (done) done.catch(failed);
  } catch (err) {
    failed(err);
  }
}

/** The path of a request, without its query string; never throws. */
export function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}

export function answerJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  // An answer already under way (a 202 before the work) has nothing left to use.
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Stop listening, let requests in progress finish for `graceMs`, then close whatever is left
 * (streams, trickling clients). Resolves once every connection is gone.
 */
async function stopServer(server: Server, sockets: Set<Socket>, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
  await Promise.race([closed, grace]);
  clearTimeout(timer);
  server.closeAllConnections();
  for (const socket of sockets) socket.destroy();
  await closed;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
}
