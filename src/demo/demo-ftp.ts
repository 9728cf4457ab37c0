// The demo FTP servers, built on ftp-srv (a maintained FTP server library; no hand-written FTP):
//  - one on a public port behind a fault front (fault-front.ts): plain FTP with explicit FTPS
//    (AUTH TLS) available, the demo-ftp and demo-ftps targets;
//  - one implicit-FTPS server (TLS from the first byte), also behind a front.
// Faults ftp-srv can produce itself are done through its API: the login listener (530, slow
// login) and its TLS options (expired certificate); the front does 421 and resets.
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { SecureContextOptions, Server as TlsServer, TLSSocket } from 'node:tls';
import { FtpSrv } from 'ftp-srv';
import type { DemoFaults } from './demo-faults.js';
import { startFront, type Front } from './fault-front.js';
import { LOOPBACK } from './loopback-listener.js';

export interface CertPair {
  cert: string;
  key: string;
}

export interface DemoFtpOptions {
  /** Directory the demo user sees as "/". */
  root: string;
  user: string;
  password: string;
  faults: DemoFaults;
  certs: { valid: CertPair; expired: CertPair };
  /** Public ports; 0 picks free ones. */
  port: number;
  implicitPort: number;
  /** Passive data ports; [0, 0] lets the system pick a free port for every PASV/EPSV. */
  pasvRange: [number, number];
  /** Waits (slow login) end early when this aborts, so stop() is prompt. */
  signal: AbortSignal;
}

export interface DemoFtp {
  port: number;
  implicitPort: number;
  close(): Promise<void>;
}

/** The line the FTP greeting carries, so nobody mistakes the demo for a real server. */
export const FTP_BANNER = 'ftpops DEMO server (in-process, loopback only)';
export const CAPACITY_REPLY = '421 Too many connections (ftpops demo: the capacity fault is on)';

export async function startDemoFtp(options: DemoFtpOptions): Promise<DemoFtp> {
  const { faults } = options;
  // One mutable options object for both servers: ftp-srv reads it at each AUTH TLS and for each
  // TLS data connection, so swapping cert/key in place switches new sessions to the other one.
  const tlsOptions: SecureContextOptions = { ...currentPair(faults, options.certs), minVersion: 'TLSv1.2' };

  const plain = await listenFtpSrv('ftp', tlsOptions, options);
  const implicit = await listenFtpSrv('ftps', tlsOptions, options);
  // The implicit server's listener was made once from a copy of the options: swap its context.
  const implicitListener = (implicit.srv as unknown as { server: TlsServer }).server;
  const unsubscribe = faults.onChange((fault) => {
    if (fault.id !== 'expired-certificate') return;
    Object.assign(tlsOptions, currentPair(faults, options.certs));
    implicitListener.setSecureContext(tlsOptions);
  });
  // Full under the capacity fault: inside TLS, the 421 has to come after the handshake, as vsftpd
  // sends it; so it is written here, before ftp-srv's own connection handler greets. ftp-srv then
  // finds the socket ended and drops its 220 silently.
  implicitListener.prependListener('secureConnection', (socket: TLSSocket) => {
    if (faults.isOn('capacity')) socket.end(`${CAPACITY_REPLY}\r\n`);
  });

  const fronts: Front[] = [];
  try {
    fronts.push(await startFront({
      port: options.port,
      backendPort: plain.port,
      refusal: () => (faults.isOn('capacity') ? CAPACITY_REPLY : undefined),
      resetNow: () => faults.isOn('reset'),
    }));
    fronts.push(await startFront({ port: options.implicitPort, backendPort: implicit.port, resetNow: () => faults.isOn('reset') }));
  } catch (err) {
    await Promise.all([...fronts.map((f) => f.close()), plain.srv.close(), implicit.srv.close()]);
    throw err;
  }

  return {
    port: fronts[0]!.port,
    implicitPort: fronts[1]!.port,
    async close() {
      unsubscribe();
      // Fronts first: that drops every client, then ftp-srv closes its now idle servers.
      await Promise.all(fronts.map((f) => f.close()));
      await Promise.all([plain.srv.close(), implicit.srv.close()]);
    },
  };
}

async function listenFtpSrv(scheme: 'ftp' | 'ftps', tls: SecureContextOptions, options: DemoFtpOptions): Promise<{ srv: FtpSrv; port: number }> {
  const signals = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;
  const before = signals.map((s) => new Set(process.listeners(s)));
  const srv = new FtpSrv({
    // Port 0 on loopback: the real port sits behind the front and is never shown to anyone.
    url: `${scheme}://${LOOPBACK}:0`,
    // PASV answers the control connection's address when it is loopback (ftp-srv's isLocalIP),
    // so 127.0.0.1; pasv_url must still be set or ftp-srv refuses PASV with 502.
    pasv_url: LOOPBACK,
    pasv_min: options.pasvRange[0],
    pasv_max: options.pasvRange[1],
    greeting: [FTP_BANNER],
    tls,
    anonymous: false,
    log: quietLog,
  });
  // ftp-srv hooks SIGTERM/SIGINT/SIGQUIT to close itself and then process.exit(0): a library
  // must not decide when its host process exits (and every instance would add three listeners).
  signals.forEach((s, i) => {
    for (const l of process.listeners(s)) if (!before[i]!.has(l)) process.off(s, l as () => void);
  });

  srv.on('login', ({ username, password }, resolve, reject) => {
    const ok = username === options.user && sameSecret(password, options.password) && !options.faults.isOn('wrong-password');
    // vsftpd's wording; ftp-srv sends it as "530 Login incorrect.".
    const answer = () => (ok ? resolve({ root: options.root, cwd: '/' }) : reject(new Error('Login incorrect.')));
    if (options.faults.isOn('slow-login')) holdFor(options.faults.slowLoginMs, options.signal, answer);
    else answer();
  });
  await srv.listen();
  const port = ((srv as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  return { srv, port };
}

function currentPair(faults: DemoFaults, certs: DemoFtpOptions['certs']): CertPair {
  const pair = faults.isOn('expired-certificate') ? certs.expired : certs.valid;
  return { cert: pair.cert, key: pair.key };
}

/** Constant-time comparison, as a real server's password check would be. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Run `then` after `ms`. When the demo stops first, never: stop() drops the client anyway, and
 * answering a login at that moment would let a client glimpse a session that is about to vanish.
 */
export function holdFor(ms: number, signal: AbortSignal, then: () => void): void {
  if (signal.aborted) return;
  const timer = setTimeout(() => {
    signal.removeEventListener('abort', cancel);
    then();
  }, ms);
  const cancel = () => clearTimeout(timer);
  signal.addEventListener('abort', cancel, { once: true });
}

// ftp-srv logs through bunyan to stdout by default; the demo keeps the host's output clean.
const quietLog = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
  child: () => quietLog,
};
