// A planted canary password must never show in anything ftpops prints: human or JSON output,
// errors, the URL it reports — whichever way the secret was handed over.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadTestbed, type Testbed } from './support/testbed.js';
import { runBin } from './support/run-cli.js';
import { startFaultFtpServer } from './support/fault-servers.js';
import { runWorkerJob } from './support/worker-job.js';
import { requestForUrl } from '../src/config/probe-request.js';

const CANARY = `canary-${randomBytes(8).toString('hex')}`;
let tb: Testbed;
let dir: string;

beforeAll(() => {
  tb = loadTestbed();
  dir = mkdtempSync(join(tmpdir(), 'ftpops-canary-'));
  writeFileSync(join(dir, 'pw.txt'), `${CANARY}\n`);
  writeFileSync(
    join(dir, 'ftpops.yaml'),
    [
      'targets:',
      '  ftp-by-file:',
      `    url: ftp://${tb.user}@127.0.0.1:${tb.servers['vsftpd-main']!.port}`,
      '    passwordFile: pw.txt',
      '  sftp-by-env:',
      `    url: sftp://${tb.user}@127.0.0.1:${tb.servers['sshd-main']!.port}`,
      '    passwordEnv: CANARY_PW',
      '',
    ].join('\n'),
  );
});

function expectNoCanary(result: { stdout: string; stderr: string }) {
  expect(result.stdout + result.stderr).not.toContain(CANARY);
}

describe.concurrent('secrets never appear in output', () => {
  it.each([
    ['ftp target, password from a file', ['ftp-by-file']],
    ['sftp target, password from env', ['sftp-by-env']],
  ])('%s (human and JSON)', async (_name, args) => {
    const env = { FTPOPS_CONFIG: join(dir, 'ftpops.yaml'), CANARY_PW: CANARY };
    for (const extra of [[], ['--json']]) {
      const result = await runBin(['check', ...args, ...extra], { env });
      expect(result.code).toBe(1); // the canary is a wrong password: auth.failed
      expect(result.stdout).toMatch(/auth\.failed/);
      expectNoCanary(result);
    }
  });

  it('password inside an ad-hoc URL', async () => {
    const result = await runBin(['check', '--json', `ftp://${tb.user}:${CANARY}@127.0.0.1:${tb.servers['vsftpd-main']!.port}`]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).target).toBe(`ftp://${tb.user}@127.0.0.1:${tb.servers['vsftpd-main']!.port}`);
    expect(result.stderr).toMatch(/visible to other users/);
    expectNoCanary(result);
  });

  it('a password with an unencoded "@" in an ad-hoc URL is used whole and shown nowhere', async () => {
    // URL splits user info at the LAST "@": user "user", password "S3cret@PW". The fault server
    // admits only that pair, so a pass proves the whole password was used.
    const server = await startFaultFtpServer({ user: 'user', password: 'S3cret@PW' });
    try {
      const target = `ftp://user@127.0.0.1:${server.port}`;
      for (const extra of [[], ['--json']]) {
        const result = await runBin(['check', ...extra, `ftp://user:S3cret@PW@127.0.0.1:${server.port}/`]);
        expect(result.code, result.stdout + result.stderr).toBe(0);
        for (const part of ['S3cr', 'cret', '@PW']) expect(result.stdout + result.stderr).not.toContain(part);
        if (extra.length) expect(JSON.parse(result.stdout)).toMatchObject({ target, url: target });
        else expect(result.stdout).toContain(`check ${target}\n`);
      }
      expect(server.log).toContain('USER user');
    } finally {
      await server.close();
    }
  });

  it('password on stdin, live TTY-less human output', async () => {
    const result = await runBin(['check', `sftp://${tb.user}@127.0.0.1:${tb.servers['sshd-main']!.port}`, '--password-stdin'], { input: `${CANARY}\n` });
    expect(result.code).toBe(1);
    expectNoCanary(result);
  });

  it('a malformed URL with a password is refused without echoing it', async () => {
    const result = await runBin(['check', `ftp://u:${CANARY}@bad host:21`]);
    expect(result.code).toBe(2);
    expectNoCanary(result);
  });

  it('the right password from stdin passes (the canary tests are not vacuous)', async () => {
    const result = await runBin(['check', `sftp://${tb.user}@127.0.0.1:${tb.servers['sshd-main']!.port}`, '--password-stdin'], { input: `${tb.password}\n` });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(tb.password);
  });
});

describe.concurrent('a server that echoes the password back', () => {
  const CORE = randomBytes(6).toString('hex');
  /** "@", "/" and ":" make its URL-encoded forms differ from it (and from each other: "!" is kept by one of them). */
  const ODD = `Pq4@/${CORE}:x!`;
  const USER = 'alice';
  const b64 = (text: string) => Buffer.from(text).toString('base64').replace(/=+$/, '');
  const userinfo = (() => {
    const u = new URL('ftp://h');
    u.password = ODD;
    return u.password;
  })();
  const FORMS = [encodeURIComponent(ODD), userinfo, b64(ODD), b64(`${USER}:${ODD}`), b64(`\0${USER}\0${ODD}`)];
  /** What must be nowhere: a 4-character prefix of the password (so no longer one either), its random core, its encoded forms. */
  const leaks = (text: string) => [ODD.slice(0, 4), CORE, ...FORMS].filter((needle) => text.includes(needle));

  const replies = {
    // 4 + 490 + 1 characters before the password: a cut at 500 characters goes through it.
    'a long refusal ending in the password': `530 ${'x'.repeat(490)} ${ODD} rejected`,
    'a refusal echoing it URL-encoded and in base64': `530 bad password ${FORMS.join(' / ')}`,
  };

  it.each(Object.entries(replies))('%s: not in the CLI output (human and JSON)', async (_name, loginReply) => {
    const server = await startFaultFtpServer({ loginReply });
    try {
      for (const extra of [[], ['--json']]) {
        const result = await runBin(['check', `ftp://${USER}@127.0.0.1:${server.port}`, '--password-env', 'ECHO_PW', ...extra], { env: { ECHO_PW: ODD } });
        const out = result.stdout + result.stderr;
        expect(result.code, out).toBe(1);
        expect(out).toMatch(/auth\.failed/);
        expect(leaks(out), out).toEqual([]);
        // The echo arrived and was masked (the search is not vacuous).
        expect(out).toMatch(/530 (xxxxxxxxxx|bad password)/);
        expect(out).toContain('***');
      }
    } finally {
      await server.close();
    }
  });

  it.each(Object.entries(replies))('%s: not in the worker\'s report, progress or Redis', async (_name, loginReply) => {
    const server = await startFaultFtpServer({ loginReply });
    try {
      const { result, progress, stored } = await runWorkerJob({ target: 'echo-ftp' }, (target) => ({
        ...requestForUrl(`ftp://${USER}@127.0.0.1:${server.port}`, { password: ODD, timeout: '10s' }, {}),
        target,
      }));
      if (result.kind !== 'report') throw new Error(`no report: ${result.message}`);
      const everything = JSON.stringify({ result, progress }) + stored;
      expect(leaks(everything), everything.slice(0, 2000)).toEqual([]);
      expect(result.report.finding).toMatchObject({ code: 'auth.failed', reply: { code: 530 } });
      expect(result.report.finding?.reply?.text).toContain('***');
      expect(progress?.stages.some((s) => s.name === 'login' && s.status === 'failed')).toBe(true);
    } finally {
      await server.close();
    }
  });
});
