// vsftpd: vsftpd_log_file lines (default "OK LOGIN"/"FAIL LOGIN"/"CONNECT"/"OK UPLOAD" … and the
// log_ftp_protocol=YES "FTP command"/"FTP response" lines), the same messages via syslog
// (syslog_enable=YES: no date, no [pid]), and the wu-ftpd style xferlog (also written by proftpd).
// Shapes verified against vsftpd 3.0.3 (test/fixtures/logs/vsftpd*.log, test/fixtures/daemon-replies.md).
import { type LogDaemon, type LogEvent, clipLine, ctimeToIso, makeEvent, splitPrefix } from '../log-event.js';

// `Sun Nov 22 21:58:27 2026 ` (day padded with a space when < 10)
const CTIME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4}) /;
const PID_USER = /^(?:\[pid \d{1,10}\] )?(?:\[([^\]]{0,256})\] )?/;
const RESULT = /^(OK|FAIL) ([A-Z]{2,12}): Client "([^"]{0,128})"(?:, (.*))?$/;
const CONNECT = /^CONNECT: Client "([^"]{0,128})"(?:, "(.*)")?$/;
const RESPONSE = /^FTP response: Client "([^"]{0,128})", "(\d\d\d)[ -](.*)"$/;
const DEBUG = /^DEBUG: Client "([^"]{0,128})", "(.*)"$/;
// after the date: duration host size file type action direction access user service auth-method auth-id status
const XFER = /^\d{1,10} (\S{1,255}) (\d{1,20}) (.+) [ab] \S{1,8} [iod] [agr] (\S{1,256}) \S{1,64} [01] \S{1,256} ([ci])$/;

export function parseVsftpdLine(line: string): LogEvent | undefined {
  const p = splitPrefix(clipLine(line));
  return parseVsftpdMessage(p.msg, p.at);
}

export function parseVsftpdMessage(msg: string, at?: string): LogEvent | undefined {
  let rest = msg;
  const d = CTIME.exec(rest);
  if (d) {
    at = ctimeToIso(d[1]!, d[2]!, d[3]!, d[4]!, d[5]!, d[6]!) ?? at;
    rest = rest.slice(d[0].length);
    const c = rest.charCodeAt(0);
    if (c >= 48 && c <= 57) return xferlog(rest, at);
  }
  const h = PID_USER.exec(rest)!; // always matches (both parts optional)
  const user = h[1];
  rest = rest.slice(h[0].length);

  switch (rest.charCodeAt(0)) {
    case 79: // O
    case 70: {
      // F
      if (rest.startsWith('FTP ')) return response(rest, user, at);
      const m = RESULT.exec(rest);
      if (!m) return undefined;
      const ok = m[1] === 'OK';
      const what = m[2];
      const source = m[3];
      if (what === 'LOGIN') return makeEvent(ok ? 'login_ok' : 'login_failed', 'vsftpd', { user, source, at });
      if (what === 'UPLOAD' || what === 'DOWNLOAD') {
        return makeEvent(ok ? 'transfer_ok' : 'transfer_failed', 'vsftpd', {
          user,
          source,
          at,
          detail: `${what.toLowerCase()} ${firstQuoted(m[4])}`.trimEnd(),
        });
      }
      return undefined; // OK/FAIL DELETE, MKDIR, RMDIR, RENAME, CHMOD …
    }
    case 67: {
      // C: CONNECT. A plain CONNECT is an attempt, not counted; a refusal for capacity is the 421 event.
      const m = CONNECT.exec(rest);
      if (!m || m[2] === undefined) return undefined;
      if (!m[2].startsWith('Connection refused: too many sessions')) return undefined; // e.g. tcp_wrappers denial
      return makeEvent('too_many_connections', 'vsftpd', { user, source: m[1], at, detail: m[2] });
    }
    case 68: {
      // D: DEBUG
      const m = DEBUG.exec(rest);
      if (m && m[2] === 'Control connection terminated without SSL shutdown.') {
        return makeEvent('connection_dropped', 'vsftpd', { user, source: m[1], at, detail: m[2] });
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function response(rest: string, user: string | undefined, at: string | undefined): LogEvent | undefined {
  const m = RESPONSE.exec(rest);
  if (!m) return undefined;
  const code = m[2];
  const text = m[3]!;
  if (code === '530') {
    // "530 Login incorrect." repeats the FAIL LOGIN line; "530 Please login with USER and PASS." is a
    // command before login, not a credential failure. The TLS-required refusal has no FAIL LOGIN line.
    if (text.startsWith('Non-anonymous sessions must use encryption')) {
      return makeEvent('login_failed', 'vsftpd', { user, source: m[1], at, detail: `530 ${text}` });
    }
    return undefined;
  }
  if (code === '421') {
    // "There are too many connected users" / "… connections from your internet address" repeat the
    // CONNECT "Connection refused: too many sessions…" line; the timeouts are server-side drops.
    if (text.startsWith('Timeout') || text.startsWith('Data timeout') || text.startsWith('No transfer timeout')) {
      return makeEvent('connection_dropped', 'vsftpd', { user, source: m[1], at, detail: `421 ${text}` });
    }
    return undefined;
  }
  return undefined;
}

function xferlog(rest: string, at: string | undefined, daemon: LogDaemon = 'vsftpd'): LogEvent | undefined {
  const m = XFER.exec(rest);
  if (!m) return undefined;
  const dir = rest.charAt(rest.length - 1) === 'c' ? 'transfer_ok' : 'transfer_failed';
  return makeEvent(dir, daemon, { user: m[4], source: m[1], at, detail: `xferlog ${m[3]} (${m[2]} bytes)` });
}

/** A wu-ftpd style xferlog line as another daemon writes it (ProFTPD's TransferLog). */
export function parseXferlogMessage(msg: string, daemon: LogDaemon): LogEvent | undefined {
  const d = CTIME.exec(msg);
  if (!d) return undefined;
  return xferlog(msg.slice(d[0].length), ctimeToIso(d[1]!, d[2]!, d[3]!, d[4]!, d[5]!, d[6]!), daemon);
}

function firstQuoted(s: string | undefined): string {
  if (!s || s.charCodeAt(0) !== 34) return '';
  const end = s.indexOf('"', 1);
  return end < 0 ? '' : s.slice(1, end);
}
