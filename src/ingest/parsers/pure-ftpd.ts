// pure-ftpd (syslog only): `pure-ftpd: (user@host) [LEVEL] message`, `?` as user before login.
// Shapes verified against pure-ftpd 1.0.50 (test/fixtures/logs/pure-ftpd.log). pure-ftpd does not log the
// global-limit 421 ("N users (the maximum) are already logged in") at all; the per-IP refusal
// ("Too many connections (N) from this IP") is matched from its message text (not captured).
import { type LogEvent, clipLine, makeEvent, splitPrefix } from '../log-event.js';

// user may itself contain '@' (virtual users): the host is after the last '@'.
const HEAD = /^\((.{0,256})@([^@)\s]{1,255})\) \[([A-Z]{3,8})\] /;
const AUTH_FAILED = /^Authentication failed for user \[(.{0,256})\]$/;
const LOGGED_IN = /^(.{1,256}) is now logged in$/;
const TRANSFER = /^(.{1,4096}) (uploaded|downloaded) {1,2}\((\d{1,20}) bytes/;

export function parsePureFtpdLine(line: string): LogEvent | undefined {
  const p = splitPrefix(clipLine(line));
  return parsePureFtpdMessage(p.msg, p.at);
}

export function parsePureFtpdMessage(msg: string, at?: string): LogEvent | undefined {
  if (msg.charCodeAt(0) !== 40) return undefined; // (
  const h = HEAD.exec(msg);
  if (!h) return undefined;
  const who = h[1] === '?' ? undefined : h[1];
  const source = h[2];
  const level = h[3];
  const text = msg.slice(h[0].length);

  if (level === 'WARNING') {
    const m = AUTH_FAILED.exec(text);
    if (m) return makeEvent('login_failed', 'pure-ftpd', { user: m[1], source, at });
  }
  if (text.startsWith('Too many connections') || text.includes('users (the maximum) are already logged in')) {
    return makeEvent('too_many_connections', 'pure-ftpd', { user: who, source, at, detail: text });
  }
  if (level === 'INFO') {
    const m = LOGGED_IN.exec(text);
    if (m) return makeEvent('login_ok', 'pure-ftpd', { user: m[1], source, at });
    return undefined; // New connection, Logout., TLS: Enabled …, Can't change directory …
  }
  if (level === 'NOTICE') {
    const m = TRANSFER.exec(text);
    if (m) return makeEvent('transfer_ok', 'pure-ftpd', { user: who, source, at, detail: `${m[2]} ${m[1]} (${m[3]} bytes)` });
    return undefined;
  }
  if (level === 'ERROR' && text.startsWith("Can't open")) {
    // RETR of a missing file ("Can't open /x: …") and STOR refused ("Can't open that file: …")
    return makeEvent('transfer_failed', 'pure-ftpd', { user: who, source, at, detail: text });
  }
  return undefined;
}
