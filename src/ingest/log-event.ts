// One server-log line, classified. Produced by the per-daemon parsers in ./parsers and by
// parseLogLine (./parse-line.ts); consumed by the spike alerts (docs/domain.md, What a burst in the server's logs means).
//
// Counting rule: one event per attempt, taken from the line that carries the outcome. Lines that only
// repeat an outcome already logged on another line (vsftpd's protocol-log "530 Login incorrect." after
// its "FAIL LOGIN", the "421 There are too many connected users" after "CONNECT: … Connection refused",
// OpenSSH's source-less "kex_exchange_identification: read: Connection reset by peer" before
// "Connection reset by <ip> port <n>") are NOT events, so a spike is not counted twice.

export type LogEventKind =
  | 'login_failed'
  | 'login_ok'
  | 'too_many_connections'
  | 'connection_reset'
  | 'connection_dropped'
  | 'transfer_ok'
  | 'transfer_failed'
  // OpenSSH's sftp-server / internal-sftp with `-l INFO`: a session's user, a file opened for
  // writing, a file closed with its byte counts. Not counted by the alerts: evidence for expected
  // deliveries, which pair them into uploads (src/deliveries/sftp-uploads.ts).
  | 'sftp_session'
  | 'sftp_open_write'
  | 'sftp_close';

export type LogDaemon = 'vsftpd' | 'proftpd' | 'pure-ftpd' | 'sshd';

export interface LogEvent {
  kind: LogEventKind;
  daemon: LogDaemon;
  user?: string;
  /** client IP (IPv4-mapped IPv6 `::ffff:a.b.c.d` reduced to `a.b.c.d`); a host name when the daemon logs one */
  source?: string;
  /** ISO-8601 time when the line carries a full date (vsftpd/xferlog: UTC, vsftpd's default; ISO prefixes as given). Classic syslog stamps have no year: omitted. */
  at?: string;
  detail?: string;
}

/** Lines are cut here before any matching (hostile input: bounded work per line). */
export const MAX_LINE_LENGTH = 4096;

/** The message part of a line once a syslog / ISO-8601 prefix has been removed. */
export interface SplitLine {
  msg: string;
  /** syslog program name (`sshd`, `sshd-session`, `pure-ftpd`, `proftpd`, `vsftpd`, …) */
  tag?: string;
  at?: string;
}

// `Nov 22 21:58:27 host sshd[123]: msg`, optional `<PRI>`; proftpd's SystemLog omits the colon after `[pid]`.
const SYSLOG_PREFIX = /^(?:<\d{1,3}>)?[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d \S{1,255} ([\w.\/-]{1,64})(?:\[\d{1,10}\]:?|:) /;
// `2026-11-22T21:58:27.123456+00:00 host sshd[123]: msg` (rsyslog RFC 3339, journalctl -o short-iso[-precise]),
// `2026-11-22 21:58:27,123 host proftpd[123] …` (proftpd SystemLog).
const ISO_PREFIX =
  /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:[.,](\d{1,9}))?(Z|[+-]\d\d(?::?\d\d)?)? \S{1,255} ([\w.\/-]{1,64})(?:\[\d{1,10}\]:?|:) /;

export function clipLine(line: string): string {
  let s = line.length > MAX_LINE_LENGTH ? line.slice(0, MAX_LINE_LENGTH) : line;
  // trailing CR/LF and spaces are never significant for matching, except pure-ftpd's/sshd's inner double spaces
  let end = s.length;
  while (end > 0) {
    const c = s.charCodeAt(end - 1);
    if (c !== 10 && c !== 13) break;
    end--;
  }
  if (end !== s.length) s = s.slice(0, end);
  return s;
}

export function splitPrefix(line: string): SplitLine {
  const c0 = line.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) {
    const m = ISO_PREFIX.exec(line);
    if (m) {
      const at = isoTime(m[1]!, m[2]!, m[3], m[4]);
      const out: SplitLine = { msg: line.slice(m[0].length), tag: m[5]! };
      if (at !== undefined) out.at = at;
      return out;
    }
    return { msg: line };
  }
  if ((c0 >= 65 && c0 <= 90) || c0 === 60) {
    const m = SYSLOG_PREFIX.exec(line);
    if (m) return { msg: line.slice(m[0].length), tag: m[1]! };
  }
  return { msg: line };
}

function isoTime(date: string, time: string, frac: string | undefined, zone: string | undefined): string | undefined {
  const local = `${date}T${time}${frac ? '.' + frac.slice(0, 3).padEnd(3, '0') : ''}`;
  if (!zone) return local; // local time of unknown zone: kept as written
  const z = zone === 'Z' ? 'Z' : zone.length === 3 ? `${zone}:00` : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(local + z);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** vsftpd / xferlog `Sun Nov 22 21:58:27 2026` parts → ISO UTC (vsftpd's default use_localtime=NO). */
export function ctimeToIso(mon: string, day: string, hh: string, mm: string, ss: string, year: string): string | undefined {
  const m = MONTHS[mon];
  if (m === undefined) return undefined;
  const ms = Date.UTC(Number(year), m, Number(day), Number(hh), Number(mm), Number(ss));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

const MAPPED_V4 = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

export function normalizeSource(raw: string): string {
  if (raw.length > 7 && raw.charCodeAt(0) === 58) {
    const m = MAPPED_V4.exec(raw);
    if (m) return m[1]!;
  }
  return raw;
}

/** Builds an event without undefined-valued keys (tidy for toEqual and JSON). */
export function makeEvent(
  kind: LogEventKind,
  daemon: LogDaemon,
  fields: { user?: string | undefined; source?: string | undefined; at?: string | undefined; detail?: string | undefined },
): LogEvent {
  const ev: LogEvent = { kind, daemon };
  if (fields.user !== undefined && fields.user !== '') ev.user = fields.user;
  if (fields.source !== undefined && fields.source !== '') ev.source = normalizeSource(fields.source);
  if (fields.at !== undefined) ev.at = fields.at;
  if (fields.detail !== undefined && fields.detail !== '') ev.detail = fields.detail;
  return ev;
}
