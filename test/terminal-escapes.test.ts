// A server's text must never drive the terminal of whoever runs `ftpops check`: escape sequences
// in a greeting, a PWD path, FEAT lines, a refusal or an SSH identification (ESC ] 0 ; title BEL
// sets the window title, ESC [ 2 J clears the screen, U+009B is an 8-bit CSI, U+202E flips the
// text) reach neither the human output nor --json (where JSON escapes C0 but not C1, U+2028 or
// bidi characters). Runs the real command (dist/) against in-process servers.
import { describe, expect, it } from 'vitest';
import { type FaultServer, startBannerServer, startFaultFtpServer, closedAfterAll } from './support/fault-servers.js';
import { runBin } from './support/run-cli.js';

const EVIL = '\u001b]0;pwned\u0007 \u001b[2J \u009b31m \u202eevil\u202c x';
/** U+2028 too where a line break is allowed (basic-ftp will not parse a PWD path with one). */
const EVIL_LINES = `${EVIL} \u2028 \u0085 y`;
/** What must not be printed: C0 but LF, DEL, C1, LS/PS, bidi overrides and isolates, U+FFFD (a raw byte ≥ 0x80 that was not UTF-8). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffd]/;

const serve = closedAfterAll();

/** Both output modes of one check; the outputs must be free of control characters. */
async function checkBothWays(url: string): Promise<{ human: string; json: string }> {
  const human = await runBin(['check', url, '--timeout', '8s'], { input: '' });
  const json = await runBin(['check', url, '--timeout', '8s', '--json']);
  for (const [mode, out] of [['human', human.stdout + human.stderr], ['json', json.stdout + json.stderr]] as const) {
    const at = out.search(CONTROL);
    expect(at, `${mode} output has U+${out.codePointAt(at)?.toString(16).padStart(4, '0')} at ${at}: …${JSON.stringify(out.slice(Math.max(0, at - 40), at + 40))}…`).toBe(-1);
  }
  return { human: human.stdout, json: json.stdout };
}

describe.concurrent('escape sequences from servers', () => {
  it('FTP greeting, FEAT lines and PWD path', async () => {
    const server = await serve(startFaultFtpServer({
      greeting: `220 welcome ${EVIL_LINES}`,
      replies: {
        FEAT: `211-Features:\r\n EPSV\r\n PASV\r\n X-EVIL ${EVIL_LINES}\r\n211 End`,
        PWD: `257 "/home/${EVIL}" is the current directory`,
      },
    }));
    const { human, json } = await checkBothWays(`ftp://alice@127.0.0.1:${server.port}`);
    // The text is there, made harmless: the check saw and kept it.
    expect(human).toMatch(/welcome \?\]0;pwned\?/);
    const report = JSON.parse(json);
    expect(report.facts.cwd).toMatch(/^\/home\/\?\]0;pwned\?/);
    expect(report.facts.banner).toMatch(/welcome/);
    expect(report.facts.features.join(' ')).toMatch(/X-EVIL/);
  });

  it('an FTP refusal (5xx) shown as the server reply', async () => {
    const server = await serve(startFaultFtpServer({ loginReply: `530 no ${EVIL_LINES}` }));
    const { json } = await checkBothWays(`ftp://alice@127.0.0.1:${server.port}`);
    expect(JSON.parse(json).finding).toMatchObject({ code: 'auth.failed', reply: { code: 530 } });
  });

  it('an SSH identification', async () => {
    // Raw bytes, as a server sends them: 0x9b is a C1 CSI when read as latin1.
    const ident = Buffer.concat([Buffer.from('SSH-2.0-evil\u001b]0;pwned\u0007\u001b[2J', 'latin1'), Buffer.from([0x9b]), Buffer.from('x\r\n')]);
    const server = await serve(startBannerServer(ident, { after: 'end' }));
    const { json } = await checkBothWays(`sftp://alice@127.0.0.1:${server.port}`);
    expect(JSON.parse(json).facts.ssh.identification).toMatch(/^SSH-2\.0-evil\?\]0;pwned\?/);
  });
});
