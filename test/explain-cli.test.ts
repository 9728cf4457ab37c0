// ftpops explain on anything pasted: words, one quoted argument with a whole log, or "-" for
// standard input; --json as the issue specifies it. Runs the real command (dist/).
import { describe, expect, it } from 'vitest';
import { runBin } from './support/run-cli.js';

const LOG = `Status:	Connecting to 203.0.113.7:21...
Status:	Connection established, waiting for welcome message...
Response:	220 (vsFTPd 3.0.5)
Command:	USER deploy
Response:	331 Please specify the password.
Command:	PASS ********
Response:	530 Login incorrect.
Error:	Critical error: Could not connect to server`;

describe.concurrent('ftpops explain TEXT…', () => {
  it('takes the words of a message as they come from the shell', async () => {
    const result = await runBin(['explain', 'Permission', 'denied', '(publickey).']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^auth\.failed — /);
    expect(result.stdout).toMatch(/\n {2}from: OpenSSH\n/);
    expect(result.stdout).toMatch(/\n {2}why: “Permission denied \(publickey\)\.”: /);
  });

  it('leads with the best answer\'s title, causes and next steps, then the decisive line of a log', async () => {
    const result = await runBin(['explain', LOG]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^auth\.failed — /);
    expect(lines).toContain('  from: FileZilla');
    expect(lines).toContain('  decisive line: Response:\t530 Login incorrect.');
    expect(result.stdout).toMatch(/ {2}likely causes:\n {4}1\. /);
    expect(result.stdout).toMatch(/ {2}next steps:\n {4}- /);
  });

  it('reads the text from standard input with "-"', async () => {
    const result = await runBin(['explain', '-'], { input: `${LOG}\n` });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^auth\.failed — /);
  });

  it('--json: one object with input, best, candidates, reply and client', async () => {
    const result = await runBin(['explain', '--json', 'curl: (67) Access denied: 530']);
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(answer)).toEqual(['input', 'best', 'candidates', 'reply', 'client']);
    expect(answer).toMatchObject({ input: 'curl: (67) Access denied: 530', best: 'auth.failed', reply: { code: 530, text: '' }, client: 'curl' });
    const candidates = answer.candidates as Array<Record<string, unknown>>;
    expect(Object.keys(candidates[0]!)).toEqual(['code', 'title', 'why', 'confidence']);
    expect(candidates[0]).toMatchObject({ code: 'auth.failed', why: expect.stringMatching(/^“curl: \(67\) Access denied: 530”: /) });
  });

  it('--json on bare codes: the ranking the issue asks for', async () => {
    const expected: Record<string, string> = { '530': 'auth.failed', '421': 'ftp.unavailable', '425': 'data.connect_failed', '552': 'fs.storage_full', ECONNRESET: 'tcp.reset', '10054': 'tcp.reset', 'connection reset': 'tcp.reset' };
    for (const [text, best] of Object.entries(expected)) {
      const result = await runBin(['explain', '--json', text]);
      expect((JSON.parse(result.stdout) as { best: string }).best, text).toBe(best);
    }
  });

  it('--json when nothing is recognised: best null, exit 1, a one-line hint on stderr', async () => {
    const result = await runBin(['explain', '--json', 'all good here']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ input: 'all good here', best: null, candidates: [], reply: null, client: null });
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^ftpops: nothing in that text is an FTP, FTPS or SFTP error ftpops recognises/);
  });

  it('a pasted terminal escape is shown, never obeyed', async () => {
    const result = await runBin(['explain', '530 Login incorrect.\u001b]0;pwned\u0007\u009b31m\u202e']);
    expect(result.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
  });
});
