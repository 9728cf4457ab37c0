// Server-log parsers (src/ingest): every fixture line (captured from the testbed daemons; proftpd from its
// documentation) is classified as listed below, everything else in the fixtures is "not counted"; prefixes
// are stripped; hostile input never throws and stays fast.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LogDaemon, LogEvent } from '../src/ingest/log-event.js';
import { MAX_LINE_LENGTH } from '../src/ingest/log-event.js';
import { parseLogLine } from '../src/ingest/parse-line.js';
import { parseProftpdLine } from '../src/ingest/parsers/proftpd.js';
import { parsePureFtpdLine } from '../src/ingest/parsers/pure-ftpd.js';
import { parseSshdLine } from '../src/ingest/parsers/sshd.js';
import { parseVsftpdLine } from '../src/ingest/parsers/vsftpd.js';

const FIXTURES: Record<string, LogDaemon> = {
  'vsftpd.log': 'vsftpd',
  'vsftpd-xferlog.log': 'vsftpd',
  'pure-ftpd.log': 'pure-ftpd',
  'proftpd.log': 'proftpd',
  'sshd.log': 'sshd',
};
const PARSERS: Record<LogDaemon, (line: string) => LogEvent | undefined> = {
  vsftpd: parseVsftpdLine,
  'pure-ftpd': parsePureFtpdLine,
  proftpd: parseProftpdLine,
  sshd: parseSshdLine,
};
const fixtureLines = (file: string): string[] =>
  readFileSync(fileURLToPath(new URL(`./fixtures/logs/${file}`, import.meta.url)), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));
// sshd's -E file ends every line in CRLF (OpenSSH's stderr logging); fixtures keep it, the table does not.
const key = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);

type Want = Pick<LogEvent, 'kind' | 'user' | 'source'> & { at?: string };
const L = '127.0.0.1';
// Lines that ARE events, with what they must say. Every other fixture line must give undefined.
const EVENTS: [string, Want][] = [
  // vsftpd.log (captured)
  ['Sun Nov 22 22:38:41 2026 [pid 17659] [ftptest] OK LOGIN: Client "127.0.0.1"', { kind: 'login_ok', user: 'ftptest', source: L, at: '2026-11-22T22:38:41.000Z' }],
  ['Sun Nov 22 22:38:41 2026 [pid 17672] [ftptest] OK UPLOAD: Client "127.0.0.1", "/work/main/.testbed/home/ftptest/logcap-canary.txt", 7 bytes, 1.71Kbyte/sec', { kind: 'transfer_ok', user: 'ftptest', source: L }],
  ['Sun Nov 22 22:38:41 2026 [pid 17672] [ftptest] OK DOWNLOAD: Client "127.0.0.1", "/work/main/.testbed/home/ftptest/logcap-canary.txt", 7 bytes, 5.75Kbyte/sec', { kind: 'transfer_ok', user: 'ftptest', source: L }],
  ['Sun Nov 22 22:38:41 2026 [pid 17672] [ftptest] FAIL DOWNLOAD: Client "127.0.0.1", "/no/such/file", 0.00Kbyte/sec', { kind: 'transfer_failed', user: 'ftptest', source: L }],
  ['Sun Nov 22 22:38:41 2026 [pid 17672] [ftptest] FAIL UPLOAD: Client "127.0.0.1", "/proc/logcap-canary", 0.00Kbyte/sec', { kind: 'transfer_failed', user: 'ftptest', source: L }],
  ['Sun Nov 22 22:38:42 2026 [pid 17674] [ftptest] FAIL LOGIN: Client "127.0.0.1"', { kind: 'login_failed', user: 'ftptest', source: L, at: '2026-11-22T22:38:42.000Z' }],
  ['Sun Nov 22 22:38:43 2026 [pid 17674] [ftptest] FAIL LOGIN: Client "127.0.0.1"', { kind: 'login_failed', user: 'ftptest', source: L }],
  ['Sun Nov 22 22:38:44 2026 [pid 17702] [nosuchuser] FAIL LOGIN: Client "127.0.0.1"', { kind: 'login_failed', user: 'nosuchuser', source: L }],
  ['Sun Nov 22 22:38:45 2026 [pid 17738] CONNECT: Client "127.0.0.1", "Connection refused: too many sessions."', { kind: 'too_many_connections', source: L }],
  ['Sun Nov 22 22:38:45 2026 [pid 17740] CONNECT: Client "127.0.0.1", "Connection refused: too many sessions."', { kind: 'too_many_connections', source: L }],
  ['Sun Nov 22 22:38:47 2026 [pid 17791] [ftptest] FTP response: Client "127.0.0.1", "530 Non-anonymous sessions must use encryption."', { kind: 'login_failed', user: 'ftptest', source: L }],
  // vsftpd xferlog (captured)
  ['Sun Nov 22 22:38:41 2026 1 127.0.0.1 7 /work/main/.testbed/home/ftptest/logcap-canary.txt b _ i r ftptest ftp 0 * c', { kind: 'transfer_ok', user: 'ftptest', source: L, at: '2026-11-22T22:38:41.000Z' }],
  ['Sun Nov 22 22:38:41 2026 1 127.0.0.1 7 /work/main/.testbed/home/ftptest/logcap-canary.txt b _ o r ftptest ftp 0 * c', { kind: 'transfer_ok', user: 'ftptest', source: L }],
  ['Sun Nov 22 22:38:41 2026 1 127.0.0.1 0 /no/such/file b _ o r ftptest ftp 0 * i', { kind: 'transfer_failed', user: 'ftptest', source: L }],
  ['Sun Nov 22 22:38:41 2026 1 127.0.0.1 0 /proc/logcap-canary b _ i r ftptest ftp 0 * i', { kind: 'transfer_failed', user: 'ftptest', source: L }],
  // pure-ftpd (captured)
  ['Nov 22 22:38:41 localhost pure-ftpd: (?@127.0.0.1) [INFO] ftptest is now logged in', { kind: 'login_ok', user: 'ftptest', source: L }],
  ['Nov 22 22:38:41 localhost pure-ftpd: (ftptest@127.0.0.1) [NOTICE] //work/main/.testbed/home/ftptest/logcap-canary.txt uploaded  (7 bytes, 0.74KB/sec)', { kind: 'transfer_ok', user: 'ftptest', source: L }],
  ['Nov 22 22:38:41 localhost pure-ftpd: (ftptest@127.0.0.1) [NOTICE] //work/main/.testbed/home/ftptest/logcap-canary.txt downloaded  (7 bytes, 126.87KB/sec)', { kind: 'transfer_ok', user: 'ftptest', source: L }],
  ["Nov 22 22:38:41 localhost pure-ftpd: (ftptest@127.0.0.1) [ERROR] Can't open /no/such/file: No such file or directory", { kind: 'transfer_failed', user: 'ftptest', source: L }],
  ["Nov 22 22:38:41 localhost pure-ftpd: (ftptest@127.0.0.1) [ERROR] Can't open that file: No such file or directory", { kind: 'transfer_failed', user: 'ftptest', source: L }],
  ['Nov 22 22:38:45 localhost pure-ftpd: (?@127.0.0.1) [WARNING] Authentication failed for user [ftptest]', { kind: 'login_failed', user: 'ftptest', source: L }],
  ['Nov 22 22:38:45 localhost pure-ftpd: (?@127.0.0.1) [WARNING] Authentication failed for user [nosuchuser]', { kind: 'login_failed', user: 'nosuchuser', source: L }],
  // proftpd (from documentation, not captured)
  ['Oct 28 17:23:30 ftp1 proftpd[10662]: ftp1.example.com (client.example.net[192.0.2.30]) - USER lori (Login failed): Incorrect password.', { kind: 'login_failed', user: 'lori', source: '192.0.2.30' }],
  ['Nov 01 10:27:18 zen proftpd[5471] zen.example.com (::ffff:192.0.2.1[::ffff:192.0.2.1]): USER test (Login failed): Incorrect password', { kind: 'login_failed', user: 'test', source: '192.0.2.1' }],
  ['Nov 01 10:43:50 zen proftpd[4812] zen.example.com (::ffff:192.0.2.1[::ffff:192.0.2.1]): ANON test: Login successful.', { kind: 'login_ok', user: 'test', source: '192.0.2.1' }],
  ['Nov 01 10:44:02 zen proftpd[4813] zen.example.com (::ffff:192.0.2.1[::ffff:192.0.2.1]): USER alice: Login successful.', { kind: 'login_ok', user: 'alice', source: '192.0.2.1' }],
  ['Jul 15 21:03:28 ftp2 proftpd[12498] ftp2.example.com (scanner.example.net[203.0.113.8]): USER sysadmin: no such user found from scanner.example.net [203.0.113.8] to 198.51.100.4:21', { kind: 'login_failed', user: 'sysadmin', source: '203.0.113.8' }],
  ['Jul 15 21:03:28 ftp2 proftpd[12498] ftp2.example.com (scanner.example.net[203.0.113.8]): USER admin (Login failed): No such user found', { kind: 'login_failed', user: 'admin', source: '203.0.113.8' }],
  ['Jul 16 06:54:53 ftp2 proftpd[20143] ftp2.example.com (203.0.113.9[203.0.113.9]): Connection refused (max clients 10).', { kind: 'too_many_connections', source: '203.0.113.9' }],
  ['Jul 16 06:54:54 ftp2 proftpd[20144] ftp2.example.com (203.0.113.9[203.0.113.9]): Connection refused (max clients per host 2).', { kind: 'too_many_connections', source: '203.0.113.9' }],
  ['Jul 16 06:55:00 ftp2 proftpd[20100]: MaxInstances (30) reached, new connection denied', { kind: 'too_many_connections' }],
  ['Jul 16 07:10:02 ftp2 proftpd[20145] ftp2.example.com (203.0.113.9[203.0.113.9]): Client session idle timeout, disconnected', { kind: 'connection_dropped', source: '203.0.113.9' }],
  // sshd (captured)
  ['Accepted password for ftptest from 127.0.0.1 port 45008 ssh2', { kind: 'login_ok', user: 'ftptest', source: L }],
  ['Accepted publickey for ftptest from 127.0.0.1 port 45022 ssh2: ED25519 SHA256:4YyOIretY9+Yw2ayjTuPaOUgDAihEPFNp5GCr4ZXW58', { kind: 'login_ok', user: 'ftptest', source: L }],
  ['Failed password for ftptest from 127.0.0.1 port 45034 ssh2', { kind: 'login_failed', user: 'ftptest', source: L }],
  ['Disconnected from authenticating user ftptest 127.0.0.1 port 45034 [preauth]', { kind: 'connection_dropped', user: 'ftptest', source: L }],
  ['Failed password for ftptest from 127.0.0.1 port 45036 ssh2', { kind: 'login_failed', user: 'ftptest', source: L }],
  ['Disconnected from authenticating user ftptest 127.0.0.1 port 45036 [preauth]', { kind: 'connection_dropped', user: 'ftptest', source: L }],
  ['Failed password for ftptest from 127.0.0.1 port 45042 ssh2', { kind: 'login_failed', user: 'ftptest', source: L }],
  ['Disconnected from authenticating user ftptest 127.0.0.1 port 45042 [preauth]', { kind: 'connection_dropped', user: 'ftptest', source: L }],
  ['Failed password for invalid user nosuchuser from 127.0.0.1 port 45044 ssh2', { kind: 'login_failed', user: 'nosuchuser', source: L }],
  ['Disconnected from invalid user nosuchuser 127.0.0.1 port 45044 [preauth]', { kind: 'connection_dropped', user: 'nosuchuser', source: L }],
  ['Failed password for root from 127.0.0.1 port 45048 ssh2', { kind: 'login_failed', user: 'root', source: L }],
  ['Disconnected from authenticating user root 127.0.0.1 port 45048 [preauth]', { kind: 'connection_dropped', user: 'root', source: L }],
  ['Connection reset by 127.0.0.1 port 45064', { kind: 'connection_reset', source: L }],
  ['Connection reset by 127.0.0.1 port 45076 [preauth]', { kind: 'connection_reset', source: L }],
  ['Connection closed by 127.0.0.1 port 45078', { kind: 'connection_dropped', source: L }],
  ['Connection reset by 127.0.0.1 port 45090 [preauth]', { kind: 'connection_reset', source: L }],
  ['Connection closed by authenticating user ftptest 127.0.0.1 port 41900 [preauth]', { kind: 'connection_dropped', user: 'ftptest', source: L }],
  ['Connection reset by authenticating user ftptest 127.0.0.1 port 41906 [preauth]', { kind: 'connection_reset', user: 'ftptest', source: L }],
  ['drop connection #101 from [127.0.0.1]:56372 on [127.0.0.1]:22133 past MaxStartups', { kind: 'too_many_connections', source: L }],
  ['drop connection #101 from [127.0.0.1]:56376 on [127.0.0.1]:22133 past MaxStartups', { kind: 'too_many_connections', source: L }],
  ['drop connection #102 from [127.0.0.1]:56400 on [127.0.0.1]:22133 past MaxStartups', { kind: 'too_many_connections', source: L }],
  ['Connection closed by 127.0.0.1 port 55480', { kind: 'connection_dropped', source: L }],
];
const expected = new Map(EVENTS);

// Real lines that are deliberately NOT events (each repeats an outcome logged on another line, or is not a failure).
const NOT_EVENTS = [
  'Sun Nov 22 22:38:42 2026 [pid 17675] [ftptest] FTP response: Client "127.0.0.1", "530 Login incorrect."', // = FAIL LOGIN
  'Sun Nov 22 22:38:45 2026 [pid 17738] FTP response: Client "127.0.0.1", "421 There are too many connected users, please try later."', // = CONNECT refused
  'Sun Nov 22 21:43:55 2026 [pid 7111] FTP response: Client "127.0.0.1", "530 Please login with USER and PASS."', // command before login
  'Sun Nov 22 22:38:41 2026 [pid 17660] CONNECT: Client "127.0.0.1"', // an attempt
  'kex_exchange_identification: read: Connection reset by peer', // = next line "Connection reset by IP port N"
  'kex_exchange_identification: Connection closed by remote host', // = next line "Connection closed by IP port N"
  'Invalid user nosuchuser from 127.0.0.1 port 45044', // the Failed/Connection line carries the outcome
  'beginning MaxStartups throttling',
  'Nov 22 22:38:41 localhost pure-ftpd: (?@127.0.0.1) [INFO] New connection from 127.0.0.1',
  'Jul 15 21:03:29 ftp2 proftpd[12498] ftp2.example.com (scanner.example.net[203.0.113.8]): Maximum login attempts (3) exceeded, connection refused',
];

const pick = (ev: LogEvent | undefined) => ev && { kind: ev.kind, user: ev.user, source: ev.source };

describe('log parsers on the fixture lines', () => {
  for (const [file, daemon] of Object.entries(FIXTURES)) {
    const lines = fixtureLines(file);
    it(`${file}: ${lines.length} lines, each classified as listed (unlisted → undefined)`, () => {
      expect(lines.length).toBeGreaterThan(3);
      for (const line of lines) {
        const want = expected.get(key(line));
        const direct = PARSERS[daemon](line);
        const auto = parseLogLine(line);
        const hinted = parseLogLine(line, daemon);
        if (!want) {
          expect({ line: key(line), got: direct }).toEqual({ line: key(line), got: undefined });
          expect({ line: key(line), got: auto }).toEqual({ line: key(line), got: undefined });
          continue;
        }
        expect({ line: key(line), got: pick(direct) }).toEqual({ line: key(line), got: { kind: want.kind, user: want.user, source: want.source } });
        expect(direct?.daemon).toBe(daemon);
        if (want.at) expect(direct?.at).toBe(want.at);
        expect(auto).toEqual(direct); // detection without a hint picks the same daemon
        expect(hinted).toEqual(direct);
      }
    });
  }

  it('every table entry and every NOT_EVENTS line is a real fixture line', () => {
    const all = new Set(Object.keys(FIXTURES).flatMap(fixtureLines).map(key));
    for (const [line] of EVENTS) expect(all.has(line), line).toBe(true);
    for (const line of NOT_EVENTS) {
      expect(all.has(line), line).toBe(true);
      expect(parseLogLine(line)).toBeUndefined();
    }
  });

  it('counts one event per failed vsftpd login even with protocol logging on (FAIL LOGIN + 530 response)', () => {
    const kinds = fixtureLines('vsftpd.log').map((l) => parseLogLine(l)?.kind);
    expect(kinds.filter((k) => k === 'login_failed')).toHaveLength(4 + 1); // 3 × ftptest + nosuchuser + TLS-required
    expect(kinds.filter((k) => k === 'too_many_connections')).toHaveLength(2); // two refused clients
  });
});

describe('prefixes and addresses', () => {
  const msg = 'Failed password for invalid user alice from ::ffff:203.0.113.5 port 5123 ssh2';
  it.each([
    ['none (sshd -E)', msg, undefined],
    ['syslog', `Nov 22 21:58:27 host sshd[123]: ${msg}`, undefined],
    ['syslog, day padded', `Nov  2 21:58:27 host sshd[123]: ${msg}`, undefined],
    ['syslog with <PRI>', `<38>Nov 22 21:58:27 host sshd[123]: ${msg}`, undefined],
    ['rsyslog RFC 3339', `2026-11-22T21:58:27.123456+01:00 host sshd[123]: ${msg}`, '2026-11-22T20:58:27.123Z'],
    ['journalctl -o short-iso', `2026-11-22T21:58:27+0000 host sshd-session[123]: ${msg}`, '2026-11-22T21:58:27.000Z'],
    ['ISO with Z', `2026-11-22T21:58:27Z host sshd[1]: ${msg}`, '2026-11-22T21:58:27.000Z'],
  ])('%s', (_name, line, at) => {
    const ev = parseLogLine(line);
    expect(ev).toMatchObject({ kind: 'login_failed', daemon: 'sshd', user: 'alice', source: '203.0.113.5' });
    expect(ev?.at).toBe(at);
  });

  it('IPv6 sources stay as they are; mapped IPv4 is reduced', () => {
    expect(parseLogLine('Connection reset by 2001:db8::7 port 5123 [preauth]')?.source).toBe('2001:db8::7');
    expect(parseLogLine('Sun Nov 22 21:58:27 2026 [pid 123] [ftptest] FAIL LOGIN: Client "::ffff:127.0.0.1"')?.source).toBe('127.0.0.1');
    expect(parseLogLine('drop connection #3 from [2001:db8::7]:5123 on [2001:db8::1]:22 past MaxStartups')?.source).toBe('2001:db8::7');
  });

  it('the brief\'s example lines (documentation shapes, not captured)', () => {
    expect(parseLogLine('Nov 22 21:58:27 host pure-ftpd: (?@203.0.113.5) [WARNING] Authentication failed for user [alice]')).toMatchObject({ kind: 'login_failed', daemon: 'pure-ftpd', user: 'alice', source: '203.0.113.5' });
    expect(parseLogLine('Nov 22 21:58:27 host pure-ftpd: (?@203.0.113.5) [WARNING] Too many connections (3) from this IP')).toMatchObject({ kind: 'too_many_connections', source: '203.0.113.5' });
    expect(parseLogLine('Nov 22 21:58:27 host vsftpd[99]: [alice] FAIL LOGIN: Client "203.0.113.5"')).toMatchObject({ kind: 'login_failed', daemon: 'vsftpd', user: 'alice' });
    expect(parseLogLine('Nov 22 21:58:27 host sshd[1]: Accepted keyboard-interactive/pam for bob from 198.51.100.2 port 22 ssh2')).toMatchObject({ kind: 'login_ok', user: 'bob' });
    expect(parseLogLine('Failed password for invalid user a from b from 203.0.113.5 port 1 ssh2')).toMatchObject({ user: 'a from b', source: '203.0.113.5' });
    expect(parseLogLine('Sun Nov 22 21:58:27 2026 [pid 1] FTP response: Client "203.0.113.5", "421 Timeout."')).toMatchObject({ kind: 'connection_dropped' });
  });

  it('unknown and foreign lines give undefined', () => {
    for (const line of [
      '',
      'hello world',
      'Nov 22 21:58:27 host CRON[12]: (root) CMD (run-parts /etc/cron.hourly)',
      'Nov 22 21:58:27 host kernel: Failed password for x from 1.2.3.4 port 1 ssh2',
      'Nov 22 21:58:27 host sshd[1]: Server listening on 0.0.0.0 port 22.',
      'Nov 22 21:58:27 host sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5',
      'Disconnected from user ftptest 127.0.0.1 port 45008', // normal end of an authenticated session
      'Sun Nov 22 21:58:27 2026 [pid 1] CONNECT: Client "1.2.3.4", "Connection refused: tcp_wrappers denial."',
      '(?@1.2.3.4) [INFO] Logout.',
      'Nov 22 21:58:27 host proftpd[1]: ftp (x[1.2.3.4]) - FTP session opened.',
    ]) {
      expect(parseLogLine(line), line).toBeUndefined();
    }
    expect(parseLogLine(undefined as unknown as string)).toBeUndefined();
    expect(parseLogLine(42 as unknown as string)).toBeUndefined();
  });
});

// Deterministic PRNG so a failure can be replayed.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('hostile input', () => {
  const corpus = Object.keys(FIXTURES).flatMap(fixtureLines);
  const ALPHABET = ' ()[]@:"-.#0123456789abcdefxyzABCDEF\t\r\n\u0000\u00ff\u2028\ud800\udc00é€';
  const ADVERSARIAL = [
    'Failed password for ' + ' from x'.repeat(2000),
    'Failed password for ' + 'a'.repeat(10_000) + ' from 1.2.3.4 port 1 ssh2',
    'Connection reset by authenticating user ' + 'u '.repeat(3000) + 'port',
    'Disconnected from invalid user ' + ' '.repeat(5000) + '[preauth]',
    '(' + '@'.repeat(5000) + ') [INFO] x',
    '(?@1.2.3.4) [NOTICE] ' + ' uploaded '.repeat(600),
    'Sun Nov 22 21:58:27 2026 1 ' + 'x '.repeat(3000) + 'c',
    'Sun Nov 22 21:58:27 2026 [pid 1] [' + ']'.repeat(4000),
    'Sun Nov 22 21:58:27 2026 [pid 1] FTP response: Client "' + '", "'.repeat(1500),
    'x ('.repeat(1500) + '[1.2.3.4]): USER ' + 'a'.repeat(500) + ' (Login failed)',
    '2026-11-22T21:58:27' + '.1'.repeat(3000),
    'Nov 22 21:58:27 ' + 'h'.repeat(5000) + ' sshd[1]: x',
    'Nov 22 21:58:27 host proftpd[1] ' + '('.repeat(3000),
  ];

  it('5,000 random and mutated lines never throw, and each result is well-formed', () => {
    const rnd = mulberry32(20261122);
    const int = (n: number) => Math.floor(rnd() * n);
    const lines: string[] = [...ADVERSARIAL];
    while (lines.length < 5000) {
      const base = corpus[int(corpus.length)]!;
      const r = rnd();
      let s: string;
      if (r < 0.15) {
        s = Array.from({ length: int(300) }, () => ALPHABET[int(ALPHABET.length)]).join('');
      } else if (r < 0.3) {
        s = base.slice(0, int(base.length + 1)); // truncated
      } else if (r < 0.45) {
        const at = int(base.length);
        s = base.slice(0, at) + base.slice(at).repeat(1 + int(40)); // repeated tail (long lines)
      } else {
        const chars = [...base];
        for (let i = 0, n = 1 + int(6); i < n; i++) chars[int(chars.length)] = ALPHABET[int(ALPHABET.length)]!;
        s = chars.join('');
      }
      lines.push(s);
    }
    const daemons: (LogDaemon | undefined)[] = [undefined, 'vsftpd', 'proftpd', 'pure-ftpd', 'sshd'];
    const t0 = performance.now();
    let events = 0;
    for (const [i, line] of lines.entries()) {
      const ev = parseLogLine(line, daemons[i % daemons.length]);
      for (const p of Object.values(PARSERS)) p(line); // the direct entry points too
      if (ev) {
        events++;
        expect(['login_failed', 'login_ok', 'too_many_connections', 'connection_reset', 'connection_dropped', 'transfer_ok', 'transfer_failed']).toContain(ev.kind);
        expect((ev.user ?? '').length).toBeLessThanOrEqual(MAX_LINE_LENGTH);
      }
    }
    const ms = performance.now() - t0;
    console.log(`fuzz: ${lines.length} lines × 5 entry points in ${ms.toFixed(0)} ms, ${events} still classified`);
    expect(ms).toBeLessThan(5000);
  });

  it('adversarial lines each parse quickly (no catastrophic backtracking)', () => {
    for (const line of ADVERSARIAL) {
      const t0 = performance.now();
      for (const d of [undefined, 'vsftpd', 'proftpd', 'pure-ftpd', 'sshd'] as const) parseLogLine(line, d);
      expect(performance.now() - t0, line.slice(0, 60)).toBeLessThan(50);
    }
  });

  it('a line longer than 4 KiB is cut before matching', () => {
    const tail = ' from 203.0.113.5 port 1 ssh2';
    expect(parseLogLine('Failed password for ' + 'a'.repeat(100) + tail)).toBeDefined();
    expect(parseLogLine('Failed password for ' + 'a'.repeat(MAX_LINE_LENGTH) + tail)).toBeUndefined();
  });
});

describe('throughput', () => {
  it('100,000 mixed lines parse well under a second', () => {
    const corpus = Object.keys(FIXTURES).flatMap(fixtureLines);
    const prefixed = corpus.map((l) => (l.startsWith('Failed') || l.startsWith('Connection') ? `2026-11-22T21:58:27.123456+00:00 host sshd[123]: ${l}` : l));
    const lines = Array.from({ length: 100_000 }, (_, i) => prefixed[i % prefixed.length]!);
    parseLogLine(lines[0]!); // warm-up
    const t0 = performance.now();
    let n = 0;
    for (const line of lines) if (parseLogLine(line)) n++;
    const ms = performance.now() - t0;
    console.log(`throughput: 100000 lines in ${ms.toFixed(1)} ms = ${Math.round(100_000 / (ms / 1000)).toLocaleString('en')} lines/s (${n} events)`);
    expect(n).toBeGreaterThan(10_000);
    expect(ms).toBeLessThan(2000); // loose: the point is "well under a second", not a benchmark
  });
});
