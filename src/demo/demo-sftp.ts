// The demo SFTP server: ssh2's Server with password authentication and the sftp subsystem over a
// directory (demo-sftp-files.ts). Our own net.Server accepts each connection and hands it to
// ssh2 with injectSocket(), which lets the faults act where sshd would: drop a connection before
// a word is said (MaxStartups), present the other host key, reset during login.
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { AuthContext, Connection } from 'ssh2';
import type { DemoFaults } from './demo-faults.js';
import { holdFor, sameSecret } from './demo-ftp.js';
import { listenOnLoopback } from './loopback-listener.js';
import { serveSftp } from './demo-sftp-files.js';

const { Server, utils } = ssh2;

export interface DemoSftpOptions {
  root: string;
  user: string;
  password: string;
  faults: DemoFaults;
  /** OpenSSH private keys: the normal host key and the one the host-key-changed fault presents. */
  hostKeys: { normal: string; changed: string };
  port: number;
  signal: AbortSignal;
}

export interface DemoSftp {
  port: number;
  close(): Promise<void>;
}

/** Shown as the server software ("SSH-2.0-ftpops_DEMO_sftp"). */
export const SSH_IDENT = 'ftpops_DEMO_sftp';

/** Two fresh ed25519 host keys; generating them takes about a millisecond. */
export function generateHostKeys(): { normal: string; changed: string } {
  return { normal: ed25519Key(), changed: ed25519Key() };
}

/**
 * A fresh ed25519 key that ssh2 can read back. About one key in 256 that ssh2's own generator
 * makes fails its own parser (a public key starting with a zero byte is over-stripped,
 * mscdex/ssh2#1513, #1390): the demo then failed to start, now and then. Try again.
 */
function ed25519Key(): string {
  for (let attempt = 0; ; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair.private;
    if (attempt >= 20) throw new Error('cannot generate a readable ed25519 host key');
  }
}

/** OpenSSH's fingerprint of a host key ("SHA256:" + 43 base64 characters), as ssh-keygen -lf prints it. */
export function hostKeyFingerprint(privateKey: string): string {
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error) throw parsed;
  return `SHA256:${createHash('sha256').update(parsed.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
}

export async function startDemoSftp(options: DemoSftpOptions): Promise<DemoSftp> {
  const { faults } = options;
  /** Raw sockets by client port, so a login handler can reset the TCP connection under it. */
  const raw = new Map<number, Socket>();

  const onConnection = (client: Connection, info: { port: number }) => {
    // ssh2 emits an error for every client that vanishes; unhandled, it would crash the host.
    client.on('error', () => undefined);
    // An answer to a login whose client is gone must not be sent: ssh2 would then emit 'ready'
    // after 'close' and start a keepalive interval that nothing stops (about a minute of timer).
    let gone = false;
    client.on('close', () => (gone = true));
    client.on('authentication', (ctx: AuthContext) => {
      if (faults.isOn('reset')) {
        raw.get(info.port)?.resetAndDestroy();
        return;
      }
      if (ctx.method !== 'password') return ctx.reject(['password']);
      const ok = ctx.username === options.user && sameSecret(ctx.password, options.password) && !faults.isOn('wrong-password');
      const answer = () => {
        if (gone) return; // the client gave up meanwhile, e.g. a stage timeout
        if (ok) ctx.accept();
        else ctx.reject(['password']);
      };
      if (faults.isOn('slow-login')) holdFor(faults.slowLoginMs, options.signal, answer);
      else answer();
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        // Only the sftp subsystem: shell, exec and pty requests have no listener and are refused.
        session.on('sftp', (acceptSftp) => serveSftp(acceptSftp(), options.root));
      });
    });
  };
  const sshServer = (hostKey: string) => new Server({ hostKeys: [hostKey], ident: SSH_IDENT }, onConnection);
  const normal = sshServer(options.hostKeys.normal);
  const changed = sshServer(options.hostKeys.changed);

  const sockets = new Set<Socket>();
  const listener = createServer({ pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true); // small SSH packets: no ~40 ms Nagle waits
    socket.on('error', () => undefined);
    const port = socket.remotePort ?? 0;
    socket.once('close', () => {
      sockets.delete(socket);
      if (raw.get(port) === socket) raw.delete(port);
    });
    if (faults.isOn('capacity')) {
      // sshd past MaxStartups close()s the new connection without sending its identification.
      // The client has usually sent its own by then, and closing a socket with unread data makes
      // the kernel answer with RST: "kex_exchange_identification: read: Connection reset by peer".
      // So: wait for the client's first bytes (at most a second), then reset. Resetting at once
      // would race the client's connect and show up as a failed connect instead.
      const drop = () => socket.resetAndDestroy();
      const timer = setTimeout(drop, 1_000);
      socket.once('close', () => clearTimeout(timer));
      socket.once('data', drop);
      socket.resume();
      return;
    }
    raw.set(port, socket);
    // The host key is chosen per connection, so flipping the fault affects the next one.
    (faults.isOn('host-key-changed') ? changed : normal).injectSocket(socket);
    socket.resume();
  });
  return listenOnLoopback(listener, options.port, sockets, () => raw.clear());
}
