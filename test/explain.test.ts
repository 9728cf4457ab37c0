// explain on pasted text: the likeliest finding first for bare codes, errno names and real
// client output; a log excerpt explained by its decisive line and what led to it; nothing
// recognised said as such. Pure: no daemons, no network.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { explainText } from '../src/knowledge/explain/explain-text.js';
import { normalise, readText } from '../src/knowledge/explain/read-text.js';
import { ExplainCatalog } from '../src/knowledge/explain/catalog.js';
import { targetsNamedIn } from '../src/knowledge/explain/targets-in-text.js';

const kb = KnowledgeBase.load();
const best = (text: string) => explainText(text, kb).best;
const codes = (text: string) => explainText(text, kb).candidates.map((c) => c.code);

describe('bare codes: the likeliest cause first, not the first rule in the file', () => {
  it.each([
    ['530', 'auth.failed'],
    ['421', 'ftp.unavailable'],
    ['425', 'data.connect_failed'],
    ['426', 'data.aborted'],
    ['550', 'fs.not_found'],
    ['552', 'fs.storage_full'],
    ['553', 'fs.permission_denied'],
    ['ECONNRESET', 'tcp.reset'],
    ['econnreset', 'tcp.reset'],
    ['ETIMEDOUT', 'tcp.timeout'],
    ['ECONNREFUSED', 'tcp.refused'],
    ['EHOSTUNREACH', 'tcp.unreachable'],
    ['ENOTFOUND', 'dns.not_found'],
    ['CERT_HAS_EXPIRED', 'tls.cert_expired'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls.cert_untrusted'],
    ['SSH_FX_PERMISSION_DENIED', 'fs.permission_denied'],
    ['10054', 'tcp.reset'],
    ['10060', 'tcp.timeout'],
    ['10061', 'tcp.refused'],
    ['11001', 'dns.not_found'],
  ])('%s → %s', (text, code) => {
    expect(best(text)).toBe(code);
  });

  it('keeps what else a code can mean, ranked, with what would tell it apart', () => {
    const e = explainText('530', kb);
    expect(e.candidates.map((c) => c.code)).toEqual(['auth.failed', 'tls.required', 'tls.unsupported', 'ftp.unavailable']);
    expect(e.candidates[1]!.why).toMatch(/encryption/);
    expect(e.reply).toEqual({ code: 530, text: '' });
    expect(codes('ECONNRESET')).toEqual(['tcp.reset', 'data.aborted']);
  });

  it('a finding code is itself, for sure', () => {
    expect(explainText('auth.failed', kb)).toMatchObject({ best: 'auth.failed', candidates: [{ code: 'auth.failed', confidence: 1 }], reply: null, client: null });
  });
});

describe('the text around a code decides', () => {
  it.each([
    ['530 Non-anonymous sessions must use encryption.', 'tls.required'],
    ['421 Sorry, cleartext sessions and weak ciphers are not accepted on this server.', 'tls.required'],
    ['530 Sorry, the maximum number of clients (10) for this user are already connected.', 'ftp.unavailable'],
    ['530 User cannot log in, home directory inaccessible.', 'fs.not_found'],
    ['451 Failure writing to local file.', 'fs.storage_full'],
    ['534 Local policy on server does not allow TLS secure connections.', 'tls.unsupported'],
  ])('%s → %s', (text, code) => {
    expect(best(text)).toBe(code);
  });

  it.each([
    ['Command: AUTH TLS\nResponse: 500 Unknown command.', 'tls.unsupported', 'answer to AUTH TLS'],
    ['Command: SITE CHMOD 600 a.txt\nResponse: 500 Unknown command.', 'ftp.server_error', 'answer to another command'],
    ['Command: PASS ********\nResponse: 530 Login incorrect.', 'auth.failed', 'answer to PASS'],
    ['Command: STOR report.csv\nResponse: 550 Not allowed here.', 'fs.permission_denied', 'answer to STOR'],
    ['Command: CWD /outgoing\nResponse: 550 Not here.', 'fs.not_found', 'answer to CWD'],
    ['Command: STOR big.iso\nError: Could not read from socket: ECONNRESET - Connection reset by peer', 'data.aborted', 'a reset during a transfer'],
  ])('the command before a reply is the step it answers: %j → %s (%s)', (text, code) => {
    expect(best(text)).toBe(code);
  });
});

const FILEZILLA_LISTING = `Status:	Resolving address of ftp.example.com
Status:	Connecting to 203.0.113.7:21...
Status:	Connection established, waiting for welcome message...
Response:	220 (vsFTPd 3.0.5)
Command:	USER deploy
Response:	331 Please specify the password.
Command:	PASS ********
Response:	230 Login successful.
Status:	Logged in
Status:	Retrieving directory listing...
Command:	PWD
Response:	257 "/home/deploy" is the current directory
Command:	TYPE I
Response:	200 Switching to Binary mode.
Command:	PASV
Response:	227 Entering Passive Mode (10,0,0,5,195,80).
Status:	Server sent passive reply with unroutable address. Using server address instead.
Command:	MLSD
Error:	Connection timed out after 20 seconds of inactivity
Error:	Failed to retrieve directory listing`;

const WINSCP_LOG = `. 2024-05-02 10:11:12.345 Looking up host "sftp.example.com" for SSH connection
. 2024-05-02 10:11:12.350 Connecting to 203.0.113.7 port 22
. 2024-05-02 10:11:12.400 We claim version: SSH-2.0-WinSCP_release_6.3.3
. 2024-05-02 10:11:12.420 Remote version: SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2
. 2024-05-02 10:11:12.700 Using username "deploy".
. 2024-05-02 10:11:13.100 Server refused our key
. 2024-05-02 10:11:15.300 Sent password
. 2024-05-02 10:11:15.400 Access denied
* 2024-05-02 10:11:20.500 (ESshFatal) Authentication failed.`;

describe('log excerpts: the decisive line and what led to it', () => {
  it('FileZilla: a timeout after MLSD is the data connection, not the server being down', () => {
    const e = explainText(FILEZILLA_LISTING, kb);
    expect(e.best).toBe('data.connect_failed');
    expect(e.client).toBe('FileZilla');
    expect(e.decisive).toBe('Error:\tConnection timed out after 20 seconds of inactivity');
    expect(e.candidates.map((c) => c.code)).toContain('data.private_address');
    expect(e.candidates[0]!.why).toMatch(/^“Connection timed out after 20 seconds of inactivity”: /);
  });

  it('FileZilla: the last attempt counts; an earlier failed attempt much less', () => {
    const text = `Status: Connecting to 203.0.113.7:21...
Response: 421 There are too many connections from your internet address.
Error: Could not connect to server
Status: Waiting to retry...
Status: Connecting to 203.0.113.7:21...
Status: Connection established, waiting for welcome message...
Response: 220 (vsFTPd 3.0.5)
Command: USER deploy
Response: 331 Please specify the password.
Command: PASS ********
Response: 530 Login incorrect.
Error: Critical error: Could not connect to server`;
    const e = explainText(text, kb);
    expect(e.best).toBe('auth.failed');
    expect(e.reply).toEqual({ code: 530, text: 'Login incorrect.' });
    expect(e.decisive).toBe('Response: 530 Login incorrect.');
    const lines = readText(normalise(text), ExplainCatalog.load());
    expect(lines.map((l) => l.weight)).toEqual([0.2, 0.2, 0.2, 0.2, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 1, 1]);
  });

  it('FileZilla pasted into a one-line field (line ends lost) reads the same', () => {
    const squashed = FILEZILLA_LISTING.replace(/\n/g, '');
    expect(explainText(squashed, kb)).toMatchObject({ best: 'data.connect_failed', client: 'FileZilla' });
  });

  it('a WinSCP log that lost its line ends reads the same', () => {
    const e = explainText(WINSCP_LOG.replace(/\n/g, ' '), kb);
    expect(e).toMatchObject({ best: 'auth.failed', client: 'WinSCP' });
    expect(e.decisive).toBe('* 2024-05-02 10:11:20.500 (ESshFatal) Authentication failed.');
  });

  it('WinSCP session log: the last error, with the line before it', () => {
    const e = explainText(WINSCP_LOG, kb);
    expect(e).toMatchObject({ best: 'auth.failed', client: 'WinSCP' });
    expect(e.decisive).toMatch(/Authentication failed\.$/);
  });

  it('zh-CN FileZilla: the reply keeps the server\'s English words', () => {
    const text = '状态:	正在连接 203.0.113.7:21...\n响应:	421 There are too many connected users, please try later.\n错误:	严重错误: 无法连接到服务器';
    expect(explainText(text, kb)).toMatchObject({ best: 'ftp.unavailable', client: 'FileZilla (zh-CN)', reply: { code: 421 } });
  });

  it('a Java stack trace: the exception lines count, the frames say nothing', () => {
    const text = `com.jcraft.jsch.JSchException: Auth fail
\tat com.jcraft.jsch.Session.connect(Session.java:519)
\tat com.example.Upload.run(Upload.java:42)`;
    expect(explainText(text, kb)).toMatchObject({ best: 'auth.failed', client: 'JSch' });
  });

  it('a Python traceback ends in the reply ftplib raised', () => {
    const text = `Traceback (most recent call last):
  File "upload.py", line 12, in <module>
    ftp.login("deploy", password)
  File "/usr/lib/python3.11/ftplib.py", line 412, in login
    resp = self.sendcmd('PASS ' + passwd)
ftplib.error_perm: 530 Login incorrect.`;
    expect(explainText(text, kb)).toMatchObject({ best: 'auth.failed', client: 'Python ftplib', reply: { code: 530, text: 'Login incorrect.' } });
  });
});

describe('what is not recognised, and what must not be obeyed', () => {
  it.each(['hello world', 'no.such.thing', '', '   ', 'The weather is fine today.'])('%j: no best, no candidates', (text) => {
    expect(explainText(text, kb)).toMatchObject({ best: null, candidates: [], reply: null, client: null });
  });

  it('Slack\'s escaping and link wrapping are undone before reading', () => {
    expect(normalise('curl: (6) Could not resolve host: &lt;<http://ftp.example.con|ftp.example.con>&gt; &amp;')).toBe('curl: (6) Could not resolve host: <ftp.example.con> &');
    expect(best('Unable to negotiate with 203.0.113.7 port 22: no matching host key type found. Their offer: ssh-rsa &amp; ssh-dss')).toBe('ssh.kex_failed');
  });

  it('control characters, C1, line separators and bidi overrides never reach the answer', () => {
    const e = explainText('530 Login incorrect.\u001b]0;pwned\u0007 \u009b31m \u202eevil\u202c \u2028', kb);
    expect(e.best).toBe('auth.failed');
    // eslint-disable-next-line no-control-regex
    expect(JSON.stringify(e)).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]|\\u00(?:1b|07)/);
  });

  it('a paste of 200 kB is read by its end, in bounded time', () => {
    const text = `${'Status: Retrieving directory listing...\n'.repeat(5_000)}Response: 530 Login incorrect.`;
    const started = performance.now();
    expect(best(text)).toBe('auth.failed');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('never throws, whatever the text; any best is a known code; long hostile lines stay fast', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), fc.constantFrom('', '530 ', 'Error: ', 'Response: 421 ', '. 2024-05-02 10:11:12.345 '), (text, head) => {
        const e = explainText(head + text, kb);
        if (e.best !== null && !kb.definition(e.best)) throw new Error(`unknown best ${e.best}`);
      }),
      { numRuns: 400 },
    );
    for (const line of [': '.repeat(8_000), '('.repeat(16_000), 'Status: '.repeat(2_000), `${'a'.repeat(15_000)} Connection refused`, '530-'.repeat(4_000)]) {
      const started = performance.now();
      explainText(line, kb);
      expect(performance.now() - started, line.slice(0, 20)).toBeLessThan(500);
    }
  });

  it('confidences are shares: ordered, each at most 1, together at most 1', () => {
    for (const text of ['530', FILEZILLA_LISTING, WINSCP_LOG, 'Failed to retrieve directory listing']) {
      const c = explainText(text, kb).candidates;
      expect(c.map((x) => x.confidence)).toEqual([...c.map((x) => x.confidence)].sort((a, b) => b - a));
      expect(c.reduce((s, x) => s + x.confidence, 0)).toBeLessThanOrEqual(1.01);
    }
  });
});

describe('targetsNamedIn: the targets a text is about', () => {
  const targets = [
    { name: 'prod-ftp', host: 'files.example.com' },
    { name: 'partner', host: '203.0.113.7' },
    { name: 'v6', host: '2001:db8::5' },
  ];
  it.each([
    ['Status: Connecting to files.example.com:21...', ['prod-ftp']],
    ['ssh: connect to host FILES.EXAMPLE.COM port 22: Connection refused', ['prod-ftp']],
    ['Connection closed by 203.0.113.7 port 22', ['partner']],
    ['Connecting to [2001:db8::5]:21', ['v6']],
    ['Resolving old-files.example.com', []],
    ['files.example.com.evil.example', []],
    ['Connecting to 203.0.113.70:21', []],
    ['203.0.113.7 and files.example.com.', ['prod-ftp', 'partner']],
  ])('%j → %j', (text, expected) => {
    expect(targetsNamedIn(text, targets)).toEqual(expected);
  });
});
