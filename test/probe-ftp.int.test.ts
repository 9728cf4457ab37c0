// `ftpops check --json` against real vsftpd and pure-ftpd instances started by the test set-up.
// Each fault is a real daemon configured to produce it; the expected code is what an operator
// needs to hear for what that daemon actually sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { loadTestbed, type Testbed } from './support/testbed.js';
import { checkJson } from './support/run-cli.js';

let tb: Testbed;
const url = (scheme: string, server: string, withUser = true) =>
  `${scheme}://${withUser ? `${tb.user}@` : ''}127.0.0.1:${tb.servers[server]!.port}`;
const pw = () => ({ env: { FTPOPS_TEST_PW: tb.password } });
const auth = ['--password-env', 'FTPOPS_TEST_PW'];

beforeAll(() => {
  tb = loadTestbed();
});

describe.concurrent('vsftpd, healthy', () => {
  it('ftp:// passes, with facts and the plaintext-login warning', async () => {
    const { report, code } = await checkJson([url('ftp', 'vsftpd-main'), ...auth], pw());
    expect(code).toBe(0);
    expect(report).toMatchObject({ ok: true, protocol: 'ftp', finding: null });
    expect(report.stages.filter((s) => s.status === 'ok').map((s) => s.name)).toEqual(['resolve', 'connect', 'greet', 'login', 'list', 'close']);
    expect(report.facts.software).toMatch(/^vsftpd/);
    expect(report.facts.features?.length).toBeGreaterThan(3);
    expect(report.facts.passiveAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(report.warnings.map((w) => w.code)).toContain('ftp.plaintext_login');
    expect(report.url).not.toContain(tb.password);
  });

  it('ftpes:// with the CA passes and shows the certificate', async () => {
    const { report, code } = await checkJson([url('ftpes', 'vsftpd-main'), ...auth, '--ca', tb.caFile], pw());
    expect(code).toBe(0);
    expect(report.facts.tls).toMatchObject({ authorized: true });
    expect(report.facts.tls?.version).toMatch(/^TLSv1\.[23]$/);
    expect(report.facts.tls?.subjectAltNames).toContain('IP Address:127.0.0.1');
    expect(report.facts.tls?.daysLeft).toBeGreaterThan(30);
    expect(report.warnings).toEqual([]);
  });

  it('ftpes:// --write round-trips a canary and leaves nothing behind', async () => {
    const { report, code } = await checkJson([url('ftpes', 'vsftpd-main'), ...auth, '--ca', tb.caFile, '--write'], pw());
    expect(code).toBe(0);
    expect(report.stages.find((s) => s.name === 'transfer')).toMatchObject({ status: 'ok' });
    expect(report.facts.transfer?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ftps:// (implicit) passes against the implicit-TLS instance', async () => {
    const { report, code } = await checkJson([url('ftps', 'vsftpd-implicit'), ...auth, '--ca', tb.caFile], pw());
    expect(code).toBe(0);
    expect(report.stages.map((s) => s.name).slice(0, 4)).toEqual(['resolve', 'connect', 'secure', 'greet']);
    expect(report.facts.tls?.daysLeft).toBeGreaterThan(30);
  });

  it('ftps:// (implicit) without the CA: tls.cert_untrusted, before any password is sent', async () => {
    const { report, code } = await checkJson([url('ftps', 'vsftpd-implicit'), ...auth], pw());
    expect(code).toBe(1);
    expect(report.finding).toMatchObject({ code: 'tls.cert_untrusted', stage: 'secure' });
    expect(report.stages.find((s) => s.name === 'login')?.status).toBe('skipped');
  });

  it('offers a private PASV address: passes, warns, and never follows it', async () => {
    const { report, code } = await checkJson([url('ftp', 'vsftpd-natpasv'), ...auth], pw());
    expect(code).toBe(0);
    expect(report.facts.passiveAddress).toMatch(/^10\.255\.255\.1:/);
    expect(report.warnings.map((w) => w.code)).toContain('data.private_address');
  });
});

describe.concurrent('vsftpd, faults', () => {
  it('wrong password → auth.failed with the 530', async () => {
    const { report, code } = await checkJson([url('ftp', 'vsftpd-main'), '--password-env', 'WRONG'], { env: { WRONG: 'not-the-password' } });
    expect(code).toBe(1);
    expect(report.finding).toMatchObject({ code: 'auth.failed', stage: 'login', layer: 'auth', reply: { code: 530 } });
    expect(report.finding?.runbook).toBeTruthy();
  });

  it('certificate from an unknown CA → tls.cert_untrusted, before any password is sent', async () => {
    const { report } = await checkJson([url('ftpes', 'vsftpd-main'), ...auth], pw());
    expect(report.finding).toMatchObject({ code: 'tls.cert_untrusted', stage: 'secure' });
    expect(report.stages.find((s) => s.name === 'login')?.status).toBe('skipped');
    expect(report.facts.tls?.issuer).toBeTruthy();
  });

  it('--insecure accepts it', async () => {
    const { code } = await checkJson([url('ftpes', 'vsftpd-main'), ...auth, '--insecure'], pw());
    expect(code).toBe(0);
  });

  it('expired certificate → tls.cert_expired', async () => {
    const { report } = await checkJson([url('ftpes', 'vsftpd-expired'), ...auth, '--ca', tb.caFile], pw());
    expect(report.finding).toMatchObject({ code: 'tls.cert_expired', stage: 'secure' });
    expect(report.facts.tls?.daysLeft).toBeLessThan(0);
  });

  it('certificate for another name → tls.hostname_mismatch', async () => {
    const { report } = await checkJson([url('ftpes', 'vsftpd-wrongname'), ...auth, '--ca', tb.caFile], pw());
    expect(report.finding).toMatchObject({ code: 'tls.hostname_mismatch', stage: 'secure' });
  });

  it('AUTH TLS on a server without TLS → tls.unsupported', async () => {
    const { report } = await checkJson([url('ftpes', 'vsftpd-nossl'), ...auth], pw());
    expect(report.finding).toMatchObject({ code: 'tls.unsupported', stage: 'secure' });
    expect(report.finding?.reply?.code).toBeTypeOf('number');
  });

  it('plaintext login where TLS is forced → tls.required', async () => {
    const { report } = await checkJson([url('ftp', 'vsftpd-forcessl'), ...auth], pw());
    expect(report.finding).toMatchObject({ code: 'tls.required', stage: 'login', reply: { code: 530 } });
  });

  it('write refused → fs.permission_denied', async () => {
    const { report } = await checkJson([url('ftp', 'vsftpd-readonly'), ...auth, '--write'], pw());
    expect(report.finding).toMatchObject({ code: 'fs.permission_denied', stage: 'transfer', reply: { code: 550 } });
  });

  it('missing directory → fs.not_found', async () => {
    const { report } = await checkJson([url('ftp', 'vsftpd-main'), ...auth, '--path', '/no/such/dir'], pw());
    expect(report.finding).toMatchObject({ code: 'fs.not_found', stage: 'list', reply: { code: 550 } });
  });

  it('500 OOPS greeting → ftp.server_error with the server\'s words', async () => {
    const { report } = await checkJson([url('ftp', 'vsftpd-oops'), ...auth], pw());
    expect(report.finding).toMatchObject({ code: 'ftp.server_error', stage: 'greet', reply: { code: 500 } });
    expect(report.finding?.reply?.text).toMatch(/OOPS/);
  });

  it('plain FTP client on the implicit-TLS port → protocol.mismatch (tls)', async () => {
    const { report } = await checkJson([url('ftp', 'vsftpd-implicit'), ...auth, '--timeout', '8s'], pw());
    expect(report.finding).toMatchObject({ code: 'protocol.mismatch', stage: 'greet' });
    expect(report.finding?.detail).toMatch(/tls|TLS/);
  });

  it('SFTP client on the FTP port → protocol.mismatch (ftp)', async () => {
    const { report } = await checkJson([url('sftp', 'vsftpd-main'), ...auth], pw());
    expect(report.finding).toMatchObject({ code: 'protocol.mismatch', stage: 'greet' });
    expect(report.finding?.detail).toMatch(/speaks ftp/);
  });
});

describe('vsftpd max_clients=1', () => {
  let holder: Socket;
  beforeAll(async () => {
    // Hold the one allowed session open, as a leaking client would.
    holder = connect({ host: '127.0.0.1', port: tb.servers['vsftpd-full']!.port });
    await new Promise<void>((resolve) => holder.once('data', () => resolve()));
  });
  afterAll(() => holder.destroy());

  it('a second client → ftp.unavailable with the 421', async () => {
    const { report, code } = await checkJson([url('ftp', 'vsftpd-full'), ...auth], pw());
    expect(code).toBe(1);
    expect(report.finding).toMatchObject({ code: 'ftp.unavailable', stage: 'greet', reply: { code: 421 } });
    expect(report.facts.banner).toMatch(/too many/i);
  });
});

describe.concurrent('pure-ftpd', () => {
  it('passes and is recognised', async () => {
    const { report, code } = await checkJson([url('ftp', 'pure-ftpd'), ...auth], pw());
    expect(code).toBe(0);
    expect(report.facts.software).toBe('Pure-FTPd');
  });

  it('explicit FTPS passes with the CA', async () => {
    const { report, code } = await checkJson([url('ftpes', 'pure-ftpd'), ...auth, '--ca', tb.caFile], pw());
    expect(report.finding).toBeNull();
    expect(code).toBe(0);
  });

  it('wrong password → auth.failed (after its deliberate delay)', async () => {
    const { report } = await checkJson([url('ftp', 'pure-ftpd'), '--password-env', 'WRONG'], { env: { WRONG: 'nope-nope' } });
    expect(report.finding).toMatchObject({ code: 'auth.failed', reply: { code: 530 } });
  });
});
