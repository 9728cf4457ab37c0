// In-process TCP/TLS servers that misbehave on purpose, for the failures real daemons will not
// produce on demand (resets, silence, endless or dripping banners, wrong protocol on the port).
//
// Every server listens on 127.0.0.1, port 0 (ephemeral), tracks every socket, timer and helper
// listener it creates, and close() destroys all of them, so a test that awaits close() leaves no
// handle behind.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';

export const LOOPBACK = '127.0.0.1';

export interface FaultServer {
  host: string;
  port: number;
  /** Destroys every accepted socket, stops every timer and listener; resolves when all are gone. */
  close(): Promise<void>;
  /** Number of connections accepted so far. */
  connections(): number;
}

/** Book-keeping shared by every fault server: sockets, helper listeners and timers to tear down. */
export class Tracker {
  readonly sockets = new Set<Socket>();
  readonly servers = new Set<Server>();
  readonly timers = new Set<NodeJS.Timeout>();
  closed = false;

  track<S extends Socket>(socket: S): S {
    if (this.closed) {
      socket.destroy();
      return socket;
    }
    this.sockets.add(socket);
    // A client that resets or vanishes must never crash the test process.
    socket.on('error', () => {});
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  }

  trackServer(server: Server): Server {
    this.servers.add(server);
    server.on('error', () => {});
    server.once('close', () => this.servers.delete(server));
    return server;
  }

  setTimeout(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  clearTimeout(t: NodeJS.Timeout | undefined): void {
    if (t === undefined) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await Promise.all([...this.servers].map(closeServer));
    this.servers.clear();
  }
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
  });
}

export function listenLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(0, LOOPBACK, () => {
      server.removeListener('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** A loopback port on which nothing listens (bound, then released). Connecting gets ECONNREFUSED. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  const port = await listenLoopback(s);
  await closeServer(s);
  return port;
}

/**
 * The building block of every plain-TCP fault server: accept on 127.0.0.1:0, hand each tracked
 * socket to `onConnection`, tear everything down in close().
 */
export async function startTcpServer(
  onConnection: (socket: Socket, tracker: Tracker) => void,
): Promise<FaultServer & { tracker: Tracker }> {
  const tracker = new Tracker();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    tracker.track(socket);
    if (tracker.closed) return;
    onConnection(socket, tracker);
  });
  tracker.trackServer(server);
  const port = await listenLoopback(server);
  return { host: LOOPBACK, port, close: () => tracker.close(), connections: () => accepted, tracker };
}

function strip<T extends { tracker: Tracker }>(s: T): Omit<T, 'tracker'> {
  const { tracker: _tracker, ...rest } = s;
  return rest;
}

const toBuffer = (b: Buffer | string): Buffer => (typeof b === 'string' ? Buffer.from(b, 'latin1') : b);

// ---------------------------------------------------------------------------------------------

/**
 * Accepts, then resets the connection (RST): the client sees ECONNRESET, like a fail2ban/IPS drop
 * or sshd MaxStartups. With `delayMs` the reset comes that long after the accept; with `banner`
 * those bytes are written first (e.g. a partial greeting, then a reset).
 */
export async function startResetServer(opts: { delayMs?: number; banner?: Buffer | string } = {}): Promise<FaultServer> {
  return strip(
    await startTcpServer((socket, tracker) => {
      const reset = () => {
        if (!socket.destroyed) socket.resetAndDestroy();
      };
      if (opts.banner !== undefined) socket.write(toBuffer(opts.banner));
      if (opts.delayMs) tracker.setTimeout(reset, opts.delayMs);
      else if (opts.banner !== undefined) setImmediate(reset);
      else reset();
    }),
  );
}

/** Accepts, reads and discards whatever arrives, never sends a byte, never closes. */
export async function startSilentServer(): Promise<FaultServer> {
  return strip(
    await startTcpServer((socket) => {
      socket.resume();
    }),
  );
}

export interface EndlessBannerOptions {
  /** Written first; default "220-" (the start of a multi-line FTP greeting that never ends). */
  prefix?: Buffer | string;
  /** Default 64 KiB of 'A' per tick. */
  chunkBytes?: number;
  /** Default 10 ms between chunks (and always waits for 'drain' under back-pressure). */
  intervalMs?: number;
  /** Stops sending (but stays connected) after this many bytes per connection; default 50 MiB. */
  maxBytes?: number;
}

/**
 * Sends `prefix` then one endless line with no newline, a chunk every `intervalMs`, honouring
 * back-pressure, until `maxBytes` per connection or until the client goes away.
 * `bytesSent()` counts bytes handed to sockets, over all connections, prefix included.
 */
export async function startEndlessBannerServer(
  opts: EndlessBannerOptions = {},
): Promise<FaultServer & { bytesSent(): number }> {
  const prefix = toBuffer(opts.prefix ?? '220-');
  const chunk = Buffer.alloc(opts.chunkBytes ?? 64 * 1024, 'A');
  const intervalMs = opts.intervalMs ?? 10;
  const maxBytes = opts.maxBytes ?? 50 * 1024 * 1024;
  let total = 0;
  const s = await startTcpServer((socket, tracker) => {
    socket.resume();
    let sent = 0;
    const send = (buf: Buffer): boolean => {
      const part = buf.subarray(0, Math.max(0, maxBytes - sent));
      sent += part.length;
      total += part.length;
      return socket.write(part);
    };
    const tick = () => {
      if (socket.destroyed || !socket.writable || sent >= maxBytes) return;
      const more = send(chunk);
      if (sent >= maxBytes) return;
      if (more) tracker.setTimeout(tick, intervalMs);
      else socket.once('drain', () => tracker.setTimeout(tick, intervalMs));
    };
    send(prefix);
    tracker.setTimeout(tick, intervalMs);
  });
  return { ...strip(s), bytesSent: () => total };
}

/** Sends `text` one byte per `intervalMs` (default 1000 ms), then stays open. */
export async function startByteDripServer(
  text: Buffer | string,
  opts: { intervalMs?: number } = {},
): Promise<FaultServer> {
  const bytes = toBuffer(text);
  const intervalMs = opts.intervalMs ?? 1000;
  return strip(
    await startTcpServer((socket, tracker) => {
      socket.resume();
      let i = 0;
      const drip = () => {
        if (socket.destroyed || i >= bytes.length) return;
        socket.write(bytes.subarray(i, i + 1));
        i++;
        if (i < bytes.length) tracker.setTimeout(drip, intervalMs);
      };
      drip();
    }),
  );
}

export interface BannerOptions {
  /** Wait this long after the accept before writing the banner. */
  delayMs?: number;
  /** After writing: 'stay' open (default), 'end' (FIN, like 421 / 500 OOPS), or 'reset' (RST). */
  after?: 'stay' | 'end' | 'reset';
}

/**
 * Writes `bytes` on connect (after `delayMs`), then stays open / ends / resets. Input is read and
 * discarded. Typical uses: an SSH identification on an FTP port, "220 FTP ready" on an SFTP port,
 * non-UTF-8 garbage, a 1 MB single-line reply, "421 Too many connections\r\n" + end, "120 ...".
 */
export async function startBannerServer(bytes: Buffer | string, opts: BannerOptions = {}): Promise<FaultServer> {
  const data = toBuffer(bytes);
  return strip(
    await startTcpServer((socket, tracker) => {
      socket.resume();
      const go = () => {
        if (socket.destroyed) return;
        if (opts.after === 'end') socket.end(data);
        else if (opts.after === 'reset') socket.write(data, () => socket.destroyed || socket.resetAndDestroy());
        else socket.write(data);
      };
      if (opts.delayMs) tracker.setTimeout(go, opts.delayMs);
      else go();
    }),
  );
}

/** A banner server whose banner comes `ms` after the accept (a slow greet stage). */
export function startDelayedServer(ms: number, then: Buffer | string, opts: Omit<BannerOptions, 'delayMs'> = {}): Promise<FaultServer> {
  return startBannerServer(then, { ...opts, delayMs: ms });
}

export const HTTP_400_RESPONSE =
  'HTTP/1.1 400 Bad Request\r\n' +
  'Server: nginx/1.24.0\r\n' +
  'Content-Type: text/html\r\n' +
  'Content-Length: 157\r\n' +
  'Connection: close\r\n' +
  '\r\n' +
  '<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n';

/**
 * Like a web server on the FTP port: silent until the client sends something, then answers
 * `HTTP/1.1 400 Bad Request ...` and closes. `received` holds the first chunk of each connection.
 */
export async function startHttpLikeServer(): Promise<FaultServer & { received: Buffer[] }> {
  const received: Buffer[] = [];
  const s = await startTcpServer((socket) => {
    socket.once('data', (chunk: Buffer) => {
      received.push(chunk);
      socket.end(HTTP_400_RESPONSE);
      socket.resume();
    });
  });
  return { ...strip(s), received };
}

// ---------------------------------------------------------------------------------------------
// TLS

export interface CertPair {
  cert: Buffer;
  key: Buffer;
}

const execFileP = promisify(execFile);
let certCache: Promise<CertPair> | undefined;

/**
 * A throwaway self-signed RSA-2048 certificate for CN=127.0.0.1 (SAN IP:127.0.0.1, DNS:localhost),
 * valid 2 days, made with the openssl CLI in a temp dir that is removed again. Memoised per process.
 * Clients that do not pass it as `ca` fail with DEPTH_ZERO_SELF_SIGNED_CERT.
 */
export function makeSelfSignedCert(): Promise<CertPair> {
  certCache ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ftpops-cert-'));
    try {
      const certFile = join(dir, 'cert.pem');
      const keyFile = join(dir, 'key.pem');
      await execFileP('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
        '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout', keyFile, '-out', certFile,
      ]);
      return { cert: await readFile(certFile), key: await readFile(keyFile) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  certCache.catch(() => {
    certCache = undefined;
  });
  return certCache;
}

/**
 * A plain TLS server (implicit-FTPS-like or HTTPS port): completes the handshake, then stays
 * silent (or writes `afterHandshake`, e.g. an implicit-FTPS "220 ..." greeting).
 * `handshakes()` counts completed handshakes.
 */
export async function startTlsOnlyServer(
  opts: CertPair & { afterHandshake?: Buffer | string },
): Promise<FaultServer & { handshakes(): number }> {
  const tracker = new Tracker();
  let accepted = 0;
  let handshakes = 0;
  const server = createTlsServer({ cert: opts.cert, key: opts.key }, (tls: TLSSocket) => {
    handshakes++;
    tracker.track(tls);
    tls.resume();
    if (opts.afterHandshake !== undefined) tls.write(toBuffer(opts.afterHandshake));
  });
  server.on('connection', (raw: Socket) => {
    accepted++;
    tracker.track(raw);
  });
  // A client that aborts or botches the handshake (plain FTP client, wrong CA) is not our problem.
  server.on('tlsClientError', () => {});
  tracker.trackServer(server);
  const port = await listenLoopback(server);
  return {
    host: LOOPBACK,
    port,
    close: () => tracker.close(),
    connections: () => accepted,
    handshakes: () => handshakes,
  };
}
