// proftpd syslog / SystemLog lines: `proftpd[pid]: server (client[ip]) - message` (syslog) or
// `proftpd[pid] server (client[ip]): message` (SystemLog). NOT verified on a running daemon: proftpd is not
// on the testbed; shapes come from its documentation and source (see test/fixtures/logs/proftpd.log).
import { type LogEvent, clipLine, makeEvent, splitPrefix } from '../log-event.js';
import { parseXferlogMessage } from './vsftpd.js';

const XFERLOG_START = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} /;

const CLIENT = /^(?:\S{1,255} )?\([^()[\]]{0,255}\[([^\]]{1,255})\]\)(?::| -) /;
const LOGIN_FAILED = /^USER (.{0,256}?) \(Login failed\)(?:: (.*))?$/;
const NO_SUCH_USER = /^USER (.{0,256}?): no such user found/;
const LOGIN_OK = /^(?:USER|ANON) (.{0,256}?): Login successful\.?$/;
const REFUSED_MAX = /^Connection refused \(max (?:clients|hosts)[^)]{0,128}\)\.?$/;
const MAX_INSTANCES = /^MaxInstances \(\d{1,10}\) reached/;

export function parseProftpdLine(line: string): LogEvent | undefined {
  const p = splitPrefix(clipLine(line));
  return parseProftpdMessage(p.msg, p.at);
}

export function parseProftpdMessage(msg: string, at?: string): LogEvent | undefined {
  // Its TransferLog (xferlog format) starts with a ctime date: "Wed Dec  2 06:10:11 2026 0 host …".
  if (XFERLOG_START.test(msg)) return parseXferlogMessage(msg, 'proftpd');
  // The master process logs this without a client part (no source).
  if (MAX_INSTANCES.test(msg)) return makeEvent('too_many_connections', 'proftpd', { at, detail: msg });
  const c = CLIENT.exec(msg);
  if (!c) return undefined;
  const source = c[1];
  const text = msg.slice(c[0].length);
  let m: RegExpExecArray | null;
  switch (text.charCodeAt(0)) {
    case 85: // U
      if ((m = LOGIN_FAILED.exec(text))) return makeEvent('login_failed', 'proftpd', { user: m[1], source, at, detail: m[2] });
      if ((m = NO_SUCH_USER.exec(text))) return makeEvent('login_failed', 'proftpd', { user: m[1], source, at, detail: 'no such user' });
      if ((m = LOGIN_OK.exec(text))) return makeEvent('login_ok', 'proftpd', { user: m[1], source, at });
      return undefined;
    case 65: // A
      if ((m = LOGIN_OK.exec(text))) return makeEvent('login_ok', 'proftpd', { user: m[1], source, at });
      return undefined;
    case 67: // C
      if (REFUSED_MAX.test(text)) return makeEvent('too_many_connections', 'proftpd', { source, at, detail: text });
      if (text.startsWith('Client session idle timeout')) return makeEvent('connection_dropped', 'proftpd', { source, at, detail: text });
      return undefined;
    default:
      // "FTP session opened/closed.", "Maximum login attempts (N) exceeded" (follows the Login failed lines) …
      return undefined;
  }
}
