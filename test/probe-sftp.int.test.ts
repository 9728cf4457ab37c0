// `ftpops check --json` against real OpenSSH sshd instances started by the test set-up.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTestbed, type Testbed } from './support/testbed.js';
import { checkJson } from './support/run-cli.js';

let tb: Testbed;
const url = (server: string, path = '') => `sftp://${tb.user}@127.0.0.1:${tb.servers[server]!.port}${path}`;
const pw = () => ({ env: { FTPOPS_TEST_PW: tb.password } });
const auth = ['--password-env', 'FTPOPS_TEST_PW'];
// A well-formed fingerprint that is not the server's.
const OTHER_KEY = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

beforeAll(() => {
  tb = loadTestbed();
});

describe.concurrent('OpenSSH sftp', () => {
  it('password login passes, with SSH facts in OpenSSH form', async () => {
    const { report, code } = await checkJson([url('sshd-main'), ...auth], pw());
    expect(code).toBe(0);
    expect(report).toMatchObject({ ok: true, protocol: 'sftp', finding: null });
    // Nothing pinned the key: the one warning names the fingerprint to pin.
    expect(report.warnings.map((w) => [w.code, w.detail])).toEqual([['ssh.hostkey_unpinned', expect.stringContaining(`--host-key ${tb.servers['sshd-main']!.hostKeyFingerprint}`)]]);
    expect(report.facts.ssh?.identification).toMatch(/^SSH-2\.0-OpenSSH_/);
    expect(report.facts.ssh?.hostKeyFingerprint).toBe(tb.servers['sshd-main']!.hostKeyFingerprint);
    expect(report.facts.ssh?.kex).toBeTruthy();
    expect(report.facts.software).toMatch(/^OpenSSH/);
    expect(report.stages.filter((s) => s.status === 'ok').map((s) => s.name)).toEqual(['resolve', 'connect', 'greet', 'secure', 'login', 'list', 'close']);
  });

  it('key login with the right pinned host key passes, --write included', async () => {
    const { report, code } = await checkJson([url('sshd-main'), '--identity', tb.privateKeyFile, '--host-key', tb.servers['sshd-main']!.hostKeyFingerprint!, '--write']);
    expect(report.finding).toBeNull();
    expect(code).toBe(0);
    expect(report.stages.find((s) => s.name === 'transfer')?.status).toBe('ok');
  });

  it('a different pinned host key → ssh.hostkey_mismatch, and no login attempted', async () => {
    const { report } = await checkJson([url('sshd-main'), ...auth, '--host-key', OTHER_KEY], pw());
    expect(report.finding).toMatchObject({ code: 'ssh.hostkey_mismatch', stage: 'secure' });
    expect(report.finding?.detail).toContain(tb.servers['sshd-main']!.hostKeyFingerprint!);
    expect(report.stages.find((s) => s.name === 'login')?.status).toBe('skipped');
  });

  it('wrong password → auth.failed', async () => {
    const { report, code } = await checkJson([url('sshd-main'), '--password-env', 'WRONG'], { env: { WRONG: 'not-it-at-all' } });
    expect(code).toBe(1);
    expect(report.finding).toMatchObject({ code: 'auth.failed', stage: 'login' });
  });

  it('missing directory → fs.not_found', async () => {
    const { report } = await checkJson([url('sshd-main', '/no/such/dir'), ...auth], pw());
    expect(report.finding).toMatchObject({ code: 'fs.not_found', stage: 'list', reply: { code: 'SSH_FX_NO_SUCH_FILE' } });
  });

  it('no sftp subsystem → ssh.sftp_unavailable', async () => {
    const { report } = await checkJson([url('sshd-nosftp'), ...auth], pw());
    expect(report.finding).toMatchObject({ code: 'ssh.sftp_unavailable', stage: 'login' });
  });

  it('no common key exchange → ssh.kex_failed', async () => {
    const { report } = await checkJson([url('sshd-badkex'), ...auth], pw());
    expect(report.finding).toMatchObject({ code: 'ssh.kex_failed', stage: 'secure' });
  });

  it('weak algorithms only → passes with ssh.weak_algorithms', async () => {
    const { report, code } = await checkJson([url('sshd-weak'), ...auth], pw());
    expect(code).toBe(0);
    expect(report.warnings.map((w) => w.code)).toEqual(['ssh.weak_algorithms', 'ssh.hostkey_unpinned']);
  });

  it('FTP client on the SSH port → protocol.mismatch (ssh)', async () => {
    const { report } = await checkJson([`ftp://127.0.0.1:${tb.servers['sshd-main']!.port}`]);
    expect(report.finding).toMatchObject({ code: 'protocol.mismatch', stage: 'greet' });
    expect(report.finding?.detail).toMatch(/speaks ssh/);
  });
});
