// Entry point for server-log lines: strips a syslog / ISO-8601 prefix once, picks the daemon (from the
// hint, else the syslog program name, else the line's own shape) and hands the message to its parser.
// Never throws; work per line is bounded (lines cut at MAX_LINE_LENGTH, anchored regexes built once).
import { type LogDaemon, type LogEvent, clipLine, splitPrefix } from './log-event.js';
import { parseProftpdMessage } from './parsers/proftpd.js';
import { parsePureFtpdMessage } from './parsers/pure-ftpd.js';
import { parseSshdMessage } from './parsers/sshd.js';
import { parseVsftpdMessage } from './parsers/vsftpd.js';

export type { LogDaemon, LogEvent, LogEventKind } from './log-event.js';

// vsftpd_log_file / xferlog date, or vsftpd's own "[pid N] " / "[user] OK LOGIN" when it logs via syslog
const VSFTPD_SHAPE = /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d \d{4} |\[pid \d)/;

export function parseLogLine(line: string, hint?: LogDaemon): LogEvent | undefined {
  if (typeof line !== 'string' || line.length === 0) return undefined;
  try {
    const p = splitPrefix(clipLine(line));
    const daemon = hint ?? detect(p.msg, p.tag);
    switch (daemon) {
      case 'sshd':
        return parseSshdMessage(p.msg, p.at);
      case 'vsftpd':
        return parseVsftpdMessage(p.msg, p.at);
      case 'pure-ftpd':
        return parsePureFtpdMessage(p.msg, p.at);
      case 'proftpd':
        return parseProftpdMessage(p.msg, p.at);
      default:
        return undefined;
    }
  } catch {
    return undefined; // defensive: a parser bug must not take the ingest loop down
  }
}

/** Which daemon wrote this message; undefined for other programs' syslog lines. */
export function detect(msg: string, tag: string | undefined): LogDaemon | undefined {
  if (tag !== undefined) {
    if (tag.startsWith('sshd')) return 'sshd'; // sshd, sshd-session (OpenSSH ≥ 9.8), sshd-auth
    if (tag === 'internal-sftp' || tag === 'sftp-server') return 'sshd'; // its SFTP subsystem with -l INFO
    if (tag === 'pure-ftpd' || tag.startsWith('pure-ftpd')) return 'pure-ftpd';
    if (tag === 'proftpd') return 'proftpd';
    if (tag === 'vsftpd') return 'vsftpd';
    return undefined;
  }
  const c0 = msg.charCodeAt(0);
  if (c0 === 40) return 'pure-ftpd'; // "(?@1.2.3.4) [INFO] …"
  if (VSFTPD_SHAPE.test(msg)) return 'vsftpd';
  return 'sshd'; // sshd -E files have no prefix at all; its parser only accepts its own shapes
}
