// The ONE place that reads the error shapes of the libraries we drive and turns them into
// FailureSignals for the knowledge base:
//  - basic-ftp: FTP replies arrive as FTPError with a numeric `code` (530, 421, ...); socket faults
//    keep Node's string errno `code`; a data-connection fault has its message prefixed with
//    "Can't open data connection"; a server FIN is a plain Error "Server sent FIN packet unexpectedly".
//  - Node: errno strings for DNS (ENOTFOUND, EAI_AGAIN) and sockets (ECONNREFUSED, ECONNRESET, ...);
//    TLS verification errors (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID, ...) and OpenSSL
//    handshake errors (ERR_SSL_*).
//  - ssh2: errors carry `level` (client-socket, client-timeout, client-authentication, handshake,
//    protocol); SFTP status errors carry a numeric SSH_FX_* `code`.
// Conditions the probes detect themselves (a foreign protocol on the port, a host key that differs
// from the pinned one, a checksum mismatch) arrive here already as a SignalError.
import type { FailureSignal, ServerReply, StageName } from './probe.js';
import { cleanText, type TextCleaner } from './server-text.js';

/** An error that already knows its signal; thrown by probes for conditions they detect themselves. */
export class SignalError extends Error {
  constructor(readonly signal: FailureSignal) {
    super(signal.message ?? `${signal.source}:${signal.key}`);
    this.name = 'SignalError';
  }
}

export type ProtocolFamily = 'ftp' | 'sftp';

/**
 * An FTP reply that refused the data channel (PASV and EPSV both refused): the server's words,
 * marked as the data connection's, with a sentence for people. Classified as ftp-reply on the
 * data channel (signals.yaml), never as a file's permission.
 */
export function dataChannelRefusal(err: Error & { code: number }, detail: string): Error {
  return Object.assign(err, { channel: 'data', detail });
}

/** SSH_FX_* status names (draft-ietf-secsh-filexfer-02 §7 and later drafts). */
const SFTP_STATUS: Record<number, string> = {
  1: 'SSH_FX_EOF',
  2: 'SSH_FX_NO_SUCH_FILE',
  3: 'SSH_FX_PERMISSION_DENIED',
  4: 'SSH_FX_FAILURE',
  5: 'SSH_FX_BAD_MESSAGE',
  6: 'SSH_FX_NO_CONNECTION',
  7: 'SSH_FX_CONNECTION_LOST',
  8: 'SSH_FX_OP_UNSUPPORTED',
  14: 'SSH_FX_NO_SPACE_ON_FILESYSTEM',
  15: 'SSH_FX_QUOTA_EXCEEDED',
};

const DNS_ERRNO = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'ESERVFAIL', 'ENODATA', 'EREFUSED', 'ETIMEOUT', 'ECONNREFUSED_DNS']);

interface ErrorShape {
  code?: unknown;
  level?: unknown;
  message?: unknown;
  reason?: unknown;
}

/**
 * Turn anything a stage threw into a FailureSignal. Never throws. The message (which carries the
 * server's reply) passes through `clean`, the check's cleaner; a SignalError's text was cleaned by
 * the probe that raised it.
 */
export function toFailureSignal(err: unknown, stage: StageName, family: ProtocolFamily, clean: TextCleaner = cleanText): FailureSignal {
  if (err instanceof SignalError) return { ...err.signal, stage: err.signal.stage ?? stage };
  const e: ErrorShape = typeof err === 'object' && err !== null ? (err as ErrorShape) : { message: String(err) };
  const message = clean(typeof e.message === 'string' ? e.message : String(err));
  const code = e.code;

  // FTP replies (basic-ftp FTPError): numeric code, message "530 Login incorrect."
  if (family === 'ftp' && typeof code === 'number') {
    const data = (err as { channel?: unknown }).channel === 'data';
    const detail = (err as { detail?: unknown }).detail;
    return {
      source: 'ftp-reply',
      key: String(code),
      stage,
      reply: ftpReply(code, message),
      message: typeof detail === 'string' ? clean(detail) : message,
      ...(data ? { channel: 'data' as const } : {}),
    };
  }
  // SFTP status (ssh2 SFTP errors): numeric SSH_FX_* code
  if (family === 'sftp' && typeof code === 'number') {
    const name = SFTP_STATUS[code] ?? `SSH_FX_${code}`;
    return { source: 'sftp', key: name, stage, reply: { code: name, text: message }, message };
  }
  if (typeof code === 'string') {
    const channel = /data connection/i.test(message) ? 'data' : undefined;
    if (DNS_ERRNO.has(code) && stage === 'resolve') return { source: 'errno', key: code, stage, message };
    if (code.startsWith('E') && /^E[A-Z]+$/.test(code)) return { source: 'errno', key: code, stage, message, ...(channel ? { channel } : {}) };
    // Anything else with a string code at this point is TLS: certificate verification codes
    // (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT, ...) and OpenSSL/Node TLS errors (ERR_SSL_*, ERR_TLS_*).
    if (/^(ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH)/.test(code)) {
      return { source: 'tls', key: code, stage, message, ...(channel ? { channel } : {}) };
    }
  }
  // Before ssh2's level: it marks "Connection lost before handshake" as a protocol error, but a
  // server that closes before its identification line is a closed connection, as for FTP.
  if (/Server sent FIN packet unexpectedly|socket hang up|closed by remote host|Connection lost before handshake/i.test(message)) {
    return { source: 'errno', key: 'EOF', stage, message };
  }
  if (typeof e.level === 'string') {
    return sshSignal(e.level, message, stage);
  }
  if (/client network socket disconnected before secure TLS connection/i.test(message)) {
    return { source: 'errno', key: 'ECONNRESET', stage, message };
  }
  return { source: 'check', key: 'unexpected', stage, message };
}

function sshSignal(level: string, message: string, stage: StageName): FailureSignal {
  // ssh2 reports "no matching key exchange/cipher/host key/MAC algorithm" at level "handshake".
  if (level === 'handshake' && /no matching/i.test(message)) {
    return { source: 'ssh', key: 'handshake:no-match', stage, message };
  }
  if (level === 'client-authentication') {
    return { source: 'ssh', key: 'client-authentication', stage, reply: { text: message }, message };
  }
  return { source: 'ssh', key: level, stage, message };
}

/** basic-ftp puts the whole reply, code included, into the message; keep code and text apart. */
function ftpReply(code: number, message: string): ServerReply {
  const text = message.replace(/^\d{3}[ -]?/, '').trim();
  return { code, text };
}
