// The engine against in-process fault servers: the misbehaviours real daemons will not produce on
// demand. Each expectation is what an operator needs to hear about that server.
import { describe, expect, it } from 'vitest';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { ProbeEngine } from '../src/probes/probe-engine.js';
import { requestForUrl } from '../src/config/probe-request.js';
import type { ProbeReport } from '../src/probes/probe.js';
import {
  type FaultServer,
  makeSelfSignedCert,
  startBannerServer,
  startByteDripServer,
  startEndlessBannerServer,
  startFaultFtpServer,
  startHttpLikeServer,
  startResetServer,
  startSilentServer,
  startTlsOnlyServer,
  type FaultFtpOptions,
  closedAfterAll,
} from './support/fault-servers.js';

const engine = new ProbeEngine(KnowledgeBase.load());
const serve = closedAfterAll();

async function check(server: FaultServer, options: { scheme?: string; timeout?: string; write?: boolean; user?: string } = {}): Promise<ProbeReport> {
  const user = options.user ?? 'alice';
  const url = `${options.scheme ?? 'ftp'}://${user}@${server.host}:${server.port}`;
  return engine.run(requestForUrl(url, { timeout: options.timeout ?? '5s', write: options.write, password: 'fault-pw' }, {}));
}

const ftpFault = (opts: FaultFtpOptions) => serve(startFaultFtpServer(opts));

describe.concurrent('FTP faults', () => {
  it('a healthy fault server passes (the baseline the faults are measured against)', async () => {
    const report = await check(await ftpFault({}), { write: true });
    expect(report.finding).toBeNull();
  });

  it('reset right after accept → tcp.reset at greet', async () => {
    const report = await check(await serve(startResetServer()));
    // The RST may beat Node's connect callback: either stage is an honest answer.
    expect(report.finding?.code).toBe('tcp.reset');
    expect(['connect', 'greet']).toContain(report.finding?.stage);
  });

  it('silence after connect → greet.timeout by the deadline', async () => {
    const started = performance.now();
    const report = await check(await serve(startSilentServer()), { timeout: '3s' });
    expect(report.finding).toMatchObject({ code: 'greet.timeout', stage: 'greet' });
    expect(performance.now() - started).toBeLessThan(3_600);
  });

  it('an endless banner line → ftp.server_error, reading only a bounded amount', async () => {
    const server = await serve(startEndlessBannerServer());
    const report = await check(server, { timeout: '10s' });
    expect(report.finding).toMatchObject({ code: 'ftp.server_error', stage: 'greet' });
    expect(report.finding?.detail).toMatch(/longer than 64 KiB/);
    expect((server as unknown as { bytesSent(): number }).bytesSent()).toBeLessThan(4 * 1024 * 1024);
  });

  it('a 1 MB single-line reply → ftp.server_error', async () => {
    const report = await check(await serve(startBannerServer(`220 ${'x'.repeat(1024 * 1024)}\r\n`)));
    expect(report.finding).toMatchObject({ code: 'ftp.server_error', stage: 'greet' });
  });

  it('a greeting one byte a second → greet.timeout, never past the deadline', async () => {
    const started = performance.now();
    const report = await check(await serve(startByteDripServer('220 slow greeting\r\n')), { timeout: '2s' });
    expect(report.finding?.code).toBe('greet.timeout');
    expect(performance.now() - started).toBeLessThan(2_600);
  });

  it('non-UTF-8 garbage → protocol.mismatch (unknown), printable', async () => {
    const report = await check(await serve(startBannerServer(Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x80, 0x0d, 0x0a]))));
    expect(report.finding).toMatchObject({ code: 'protocol.mismatch', stage: 'greet' });
    expect(report.finding?.detail).toMatch(/speaks unknown/);
    expect(JSON.stringify(report)).not.toMatch(/[\u0000-\u0008]/);
  });

  it('an FTP greeting with non-UTF-8 bytes in its text still passes, shown printable', async () => {
    const report = await check(await ftpFault({ greeting: Buffer.from('220 caf\xe9 \xff ready\r\n', 'latin1') }));
    expect(report.finding).toBeNull();
    expect(report.facts.banner).toMatch(/^caf\? \? ready$/);
  });

  it('421 at the greeting → ftp.unavailable', async () => {
    const report = await check(await ftpFault({ greeting: '421 Too many users, try later.' }));
    expect(report.finding).toMatchObject({ code: 'ftp.unavailable', stage: 'greet', reply: { code: 421, text: 'Too many users, try later.' } });
  });

  it('120 "ready in N minutes" → ftp.unavailable', async () => {
    const report = await check(await serve(startBannerServer('120 Service ready in 5 minutes.\r\n')));
    expect(report.finding).toMatchObject({ code: 'ftp.unavailable', reply: { code: 120 } });
  });

  it('HTTP on the port → protocol.mismatch (http)', async () => {
    const report = await check(await serve(startHttpLikeServer()), { timeout: '8s' });
    expect(report.finding).toMatchObject({ code: 'protocol.mismatch' });
    expect(report.finding?.detail).toMatch(/HTTP/);
  });

  it('a TLS-only port → protocol.mismatch (tls) for ftp://', async () => {
    const report = await check(await serve(startTlsOnlyServer(await makeSelfSignedCert())), { timeout: '8s' });
    expect(report.finding).toMatchObject({ code: 'protocol.mismatch' });
    expect(report.finding?.detail).toMatch(/TLS/);
  });

  it('AUTH TLS refused with 534 → tls.unsupported', async () => {
    const report = await check(await ftpFault({ replies: { AUTH: '534 Policy forbids TLS.' } }), { scheme: 'ftpes' });
    expect(report.finding).toMatchObject({ code: 'tls.unsupported', stage: 'secure', reply: { code: 534 } });
  });

  it('425 on the data connection → data.connect_failed', async () => {
    const report = await check(await ftpFault({ dataReply425: true }));
    expect(report.finding).toMatchObject({ code: 'data.connect_failed', stage: 'list', reply: { code: 425 } });
  });

  it('PASV pointing at a closed port → data.connect_failed', async () => {
    const report = await check(await ftpFault({ pasvToClosedPort: true }));
    expect(report.finding).toMatchObject({ code: 'data.connect_failed', stage: 'list' });
  });

  it('522 session reuse required → data.tls_reuse_required', async () => {
    const report = await check(await ftpFault({ data522: true }));
    expect(report.finding).toMatchObject({ code: 'data.tls_reuse_required', stage: 'list', reply: { code: 522 } });
  });

  it('426 mid-listing → data.aborted', async () => {
    const report = await check(await ftpFault({ dataAbort426: true }));
    expect(report.finding).toMatchObject({ code: 'data.aborted', stage: 'list' });
  });

  it.each([
    ['552 Exceeded storage allocation.', 'fs.storage_full'],
    ['452 Insufficient storage space.', 'fs.storage_full'],
    ['553 Could not create file.', 'fs.permission_denied'],
  ])('STOR answered %s → %s', async (storReply, code) => {
    const report = await check(await ftpFault({ storReply }), { write: true });
    expect(report.finding).toMatchObject({ code, stage: 'transfer' });
  });

  it('a download that differs from the upload → fs.checksum_mismatch, canary removed', async () => {
    const server = await ftpFault({ corruptRetr: true });
    const report = await check(server, { write: true });
    expect(report.finding).toMatchObject({ code: 'fs.checksum_mismatch', stage: 'transfer' });
    expect([...(server as { files: Map<string, Buffer> }).files.keys()].filter((k) => k.includes('ftpops-canary'))).toEqual([]);
  });

  it('a stage that stalls → stage.timeout naming the stage', async () => {
    const report = await check(await ftpFault({ stallAt: 'PASS' }), { timeout: '2s' });
    expect(report.finding).toMatchObject({ code: 'stage.timeout', stage: 'login' });
    const list = await check(await ftpFault({ stallAt: 'LIST' }), { timeout: '2s' });
    expect(list.finding).toMatchObject({ code: 'stage.timeout', stage: 'list' });
  });

  it('a server that never answers QUIT and never closes: the check still ends in time, healthy', async () => {
    const started = performance.now();
    const report = await check(await ftpFault({ stallAt: 'QUIT' }), { timeout: '8s' });
    expect(performance.now() - started).toBeLessThan(8_000);
    expect(report.stages.find((s) => s.name === 'list')?.status).toBe('ok');
    // What the server failed to do after the work was done is no reason to call it broken.
    expect(report.finding).toBeNull();
  });

  it('530 after USER (user not allowed) → auth.failed', async () => {
    const report = await check(await ftpFault({ userReply: '530 Permission denied.' }));
    expect(report.finding).toMatchObject({ code: 'auth.failed', stage: 'login', reply: { code: 530 } });
  });

  it('500 OOPS after login (e.g. writable chroot) → ftp.server_error', async () => {
    const report = await check(await ftpFault({ loginReply: '500 OOPS: vsftpd: refusing to run with writable root inside chroot()', closeAfter: 'PASS' }));
    expect(report.finding).toMatchObject({ code: 'ftp.server_error', stage: 'login', reply: { code: 500 } });
  });

  it('reset at login → tcp.reset at login', async () => {
    const report = await check(await ftpFault({ resetAt: 'PASS' }));
    expect(report.finding).toMatchObject({ code: 'tcp.reset', stage: 'login' });
  });
});

describe.concurrent('plaintext-exposure probe (USER with a throwaway name, never PASS)', () => {
  const probe = (server: FaultServer) =>
    engine.run({ ...requestForUrl(`ftp://${server.host}:${server.port}`, { timeout: '5s' }, {}), plaintextProbe: true });

  it.each([
    ['550 SSL/TLS required on the control channel', 'tls.required'],
    ['421 Sorry, cleartext sessions are not accepted on this server.', 'tls.required'],
    ['530 Permission denied.', 'auth.failed'],
  ])('%s at USER → %s at login', async (userReply, code) => {
    const server = await ftpFault({ userReply });
    const report = await probe(server);
    expect(report.finding).toMatchObject({ code, stage: 'login' });
    expect(server.log).toEqual(['USER ftpops-plaintext-probe', 'QUIT'].slice(0, server.log.length));
    expect(server.log.some((l) => /^PASS/.test(l))).toBe(false);
  });

  it('331 → login passes, saying so; nothing listed', async () => {
    const server = await ftpFault({});
    const report = await probe(server);
    expect(report.finding).toBeNull();
    expect(report.stages.find((s) => s.name === 'login')?.detail).toMatch(/^331 .* none was sent$/);
    expect(server.log).toEqual(['USER ftpops-plaintext-probe', 'QUIT']);
  });
});

describe.concurrent('SFTP faults', () => {
  it('reset right after accept → tcp.reset', async () => {
    const report = await check(await serve(startResetServer()), { scheme: 'sftp' });
    expect(report.finding).toMatchObject({ code: 'tcp.reset' });
  });

  it('a silent port → greet.timeout', async () => {
    const report = await check(await serve(startSilentServer()), { scheme: 'sftp', timeout: '3s' });
    expect(report.finding).toMatchObject({ code: 'greet.timeout', stage: 'greet' });
  });

  it('an endless identification line → bounded, ends with a finding', async () => {
    const server = await serve(startEndlessBannerServer({ prefix: 'SSH-2.0-' }));
    const report = await check(server, { scheme: 'sftp', timeout: '10s' });
    expect(report.finding?.code).toBeTruthy();
    expect((server as unknown as { bytesSent(): number }).bytesSent()).toBeLessThan(4 * 1024 * 1024);
  });
});
