// OpenSSH sshd (auth.log, journal, or an -E file without prefix). Shapes verified against OpenSSH 9.2p1
// with LogLevel VERBOSE (test/fixtures/logs/sshd.log). Before-authentication endings:
// reset → connection_reset, orderly close / client disconnect / timeout → connection_dropped.
import { type LogEvent, clipLine, makeEvent, splitPrefix } from '../log-event.js';

const LEVEL = /^(?:error|fatal|warning): /;
const METHOD = '(password|publickey|keyboard-interactive(?:/pam)?|hostbased|gssapi-with-mic)';
const FAILED = new RegExp(`^Failed ${METHOD} for (?:invalid user )?(.{0,256}) from (\\S{1,255}) port \\d{1,5}(?: ssh2)?(?:$|:| )`);
const ACCEPTED = new RegExp(`^Accepted ${METHOD} for (.{0,256}) from (\\S{1,255}) port \\d{1,5}(?: ssh2)?(?:$|:| )`);
// "Connection reset by [authenticating user U |invalid user U ]IP port N[ [preauth]]" (same for "closed")
const ENDED = /^Connection (reset|closed) by (?:(?:authenticating|invalid) user (.{0,256}) )?(\S{1,255}) port \d{1,5}( \[preauth\])?$/;
const DISCONNECTED = /^Disconnected from (?:(?:authenticating|invalid) user (.{0,256}) )?(\S{1,255}) port \d{1,5} \[preauth\]$/;
const DROP = /^drop connection #\d{1,10} from \[([^\]]{1,255})\]:\d{1,5} on \[[^\]]{1,255}\]:\d{1,5} past MaxStartups$/;
const TIMEOUT = /^Timeout before authentication for (?:connection from )?(\S{1,255}) (?:port|to) /;
// sftp-server.c with -l INFO (also internal-sftp): logit() of session start, open and close. It logs
// through syslog only (not to an `sshd -E` file), so these shapes come from its source, not from
// the testbed's sshd.
const SFTP_SESSION = /^session opened for local user (.{1,256}) from \[([^\]]{1,255})\]$/;
const SFTP_OPEN = /^open "(.{1,1024})" flags (\S{1,128}) mode 0?\d{1,6}$/;
const SFTP_CLOSE = /^close "(.{1,1024})" bytes read (\d{1,20}) written (\d{1,20})$/;

export function parseSshdLine(line: string): LogEvent | undefined {
  const p = splitPrefix(clipLine(line));
  return parseSshdMessage(p.msg, p.at);
}

export function parseSshdMessage(msg: string, at?: string): LogEvent | undefined {
  let text = msg;
  const lv = LEVEL.exec(text);
  if (lv) text = text.slice(lv[0].length);
  let m: RegExpExecArray | null;
  switch (text.charCodeAt(0)) {
    case 70: // F
      if ((m = FAILED.exec(text))) return makeEvent('login_failed', 'sshd', { user: m[2], source: m[3], at, detail: m[1] });
      return undefined;
    case 65: // A
      if ((m = ACCEPTED.exec(text))) return makeEvent('login_ok', 'sshd', { user: m[2], source: m[3], at, detail: m[1] });
      return undefined;
    case 67: // C
      if ((m = ENDED.exec(text))) {
        const reset = m[1] === 'reset';
        return makeEvent(reset ? 'connection_reset' : 'connection_dropped', 'sshd', {
          user: m[2],
          source: m[3],
          at,
          detail: m[4] ? (m[2] !== undefined ? 'during authentication' : 'before authentication') : 'before identification',
        });
      }
      return undefined;
    case 68: // D
      if ((m = DISCONNECTED.exec(text))) {
        return makeEvent('connection_dropped', 'sshd', { user: m[1], source: m[2], at, detail: 'client disconnected before authentication' });
      }
      return undefined;
    case 100: // d
      if ((m = DROP.exec(text))) return makeEvent('too_many_connections', 'sshd', { source: m[1], at, detail: 'MaxStartups' });
      return undefined;
    case 84: // T
      if ((m = TIMEOUT.exec(text))) return makeEvent('connection_dropped', 'sshd', { source: m[1], at, detail: 'LoginGraceTime' });
      return undefined;
    case 115: // s
      if ((m = SFTP_SESSION.exec(text))) return makeEvent('sftp_session', 'sshd', { user: m[1], source: m[2], at });
      return undefined;
    case 111: // o
      if ((m = SFTP_OPEN.exec(text)) && m[2]!.includes('WRITE')) return makeEvent('sftp_open_write', 'sshd', { at, detail: m[1] });
      return undefined;
    case 99: // c
      if ((m = SFTP_CLOSE.exec(text))) return makeEvent('sftp_close', 'sshd', { at, detail: `${m[1]} (${m[3]} bytes)` });
      return undefined;
    default:
      // "Invalid user U from …" (the outcome follows on a Failed/Connection line), "kex_exchange_identification: …"
      // (followed by "Connection reset/closed by IP port N", which carries the source), "Received disconnect …",
      // "Connection from …", "beginning MaxStartups throttling" …
      return undefined;
  }
}
