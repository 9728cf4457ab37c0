// The checker speaks TLS 1.2 or newer (tls-check.ts). When a handshake fails in a way that means
// "no common version", this asks the server once more, on a connection of its own to the same
// resolved address, offering only TLS 1.0 and 1.1 at OpenSSL security level 0, so that the
// failure can name what the server offers: "the server offers only TLS 1.0". No credential is
// ever sent on that connection, and it is closed as soon as the handshake is over.
import { Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { ProbeContext } from './probe-context.js';
import { SignalError } from './failure-signal.js';
import { noSecondLookup } from './net-stages.js';

/** OpenSSL's words for "the versions did not meet" (client and server side alerts). */
const VERSION_ERRORS = /^ERR_SSL_(TLSV1_ALERT_PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|WRONG_SSL_VERSION|LEGACY_SIGALG_DISALLOWED_OR_UNSUPPORTED)$/;

const LABEL: Record<string, string> = { TLSv1: 'TLS 1.0', 'TLSv1.1': 'TLS 1.1', SSLv3: 'SSL 3.0' };

/**
 * If `err` is a version failure and the server completes a TLS 1.0/1.1 handshake, a tls
 * SignalError that says so (and facts.tls.version is set); otherwise `err` unchanged.
 */
export async function explainVersionFailure(ctx: ProbeContext, err: unknown, explicit: boolean, budgetMs = 3_000): Promise<unknown> {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !VERSION_ERRORS.test(code)) return err;
  const version = await oldVersionOffered(ctx, explicit, budgetMs);
  if (!version) return err;
  ctx.facts.tls = { ...ctx.facts.tls, version };
  return new SignalError({
    source: 'tls',
    key: code,
    stage: 'secure',
    message: `the server offers only ${LABEL[version] ?? version}, which the checker refuses (TLS 1.0 and 1.1 are deprecated, RFC 8996; current clients refuse them too)`,
  });
}

/** The old version the server completes a handshake with, or undefined. Never rejects. */
function oldVersionOffered(ctx: ProbeContext, explicit: boolean, budgetMs: number): Promise<string | undefined> {
  const sockets: Socket[] = [];
  let timer: NodeJS.Timeout | undefined;
  const attempt = (async () => {
    const raw = await openRaw(ctx, sockets);
    if (explicit) await authTls(raw);
    const tls = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({
        socket: raw,
        rejectUnauthorized: false,
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1.1',
        // Level 0: OpenSSL 3 refuses the SHA-1/MD5 signatures of TLS 1.0/1.1 at any higher level.
        ciphers: 'DEFAULT@SECLEVEL=0',
      }, () => resolve(s));
      sockets.push(s);
      s.once('error', reject);
    });
    return tls.getProtocol() ?? undefined;
  })().catch(() => undefined);
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), budgetMs);
  });
  return Promise.race([attempt, timeout]).finally(() => {
    clearTimeout(timer);
    for (const s of sockets.reverse()) s.destroy();
  });
}

function openRaw(ctx: ProbeContext, sockets: Socket[]): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    sockets.push(socket);
    socket.once('error', reject);
    socket.connect({ host: ctx.address, port: ctx.req.port, lookup: noSecondLookup }, () => resolve(socket));
  });
}

/** Explicit FTPS: the greeting, AUTH TLS, its 234; nothing else is said. */
async function authTls(socket: Socket): Promise<void> {
  const lines = replyLines(socket);
  const greeting = await lines.next();
  if (!/^220 /.test(greeting)) throw new Error('no 220 greeting');
  socket.write('AUTH TLS\r\n');
  const answer = await lines.next();
  lines.stop();
  if (!/^234 /.test(answer)) throw new Error('AUTH TLS refused');
}

/** The last line of each FTP reply, one at a time (continuation lines skipped). */
function replyLines(socket: Socket): { next(): Promise<string>; stop(): void } {
  let buffer = '';
  const waiting: Array<(line: string) => void> = [];
  const ready: string[] = [];
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    if (buffer.length > 64 * 1024) socket.destroy();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (!/^\d{3} /.test(line)) continue;
      const w = waiting.shift();
      if (w) w(line);
      else ready.push(line);
    }
  };
  socket.on('data', onData);
  return {
    next: () => new Promise((resolve) => {
      const line = ready.shift();
      if (line !== undefined) resolve(line);
      else waiting.push(resolve);
    }),
    stop: () => socket.off('data', onData),
  };
}
