// A runbook step that probes an FTPS target as plain FTP ("is plain FTP refused now?") must not
// send that target's credentials in the clear: the check goes through the real worker (the one
// place job requests are built), the real engine and Redis, against the real vsftpd daemons,
// and each daemon's own protocol log (log_ftp_protocol=YES) is read for what actually arrived.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTestbed, logMark, logSince, server, type ServerName, type Testbed } from './support/testbed.js';
import { runWorkerJob } from './support/worker-job.js';
import { requestForUrl } from '../src/config/probe-request.js';
import type { ProbeReport } from '../src/probes/probe.js';

let tb: Testbed;
beforeAll(() => {
  tb = loadTestbed();
});

/** A runbook's `protocol: ftp` check of an ftpes:// target on `name`, and what its daemon logged meanwhile. */
async function probeAsPlainFtp(name: ServerName, scheme: 'ftpes' | 'ftp' = 'ftpes'): Promise<{ report: ProbeReport; log: string[] }> {
  const mark = logMark(name);
  const { result } = await runWorkerJob({ target: `${name}-target`, protocol: 'ftp' }, (target) => ({
    ...requestForUrl(`${scheme}://${tb.user}@127.0.0.1:${server(name).port}`, { password: tb.password, ca: tb.caFile, timeout: '20s' }, {}),
    target,
  }));
  if (result.kind !== 'report') throw new Error(`no report: ${result.message}`);
  // vsftpd writes its log line by line as the session goes; give the QUIT a moment to land.
  await new Promise((r) => setTimeout(r, 300));
  return { report: result.report, log: logSince(name, mark) };
}

const stage = (report: ProbeReport, name: string) => report.stages.find((s) => s.name === name);

function expectNoCredentialsSent(log: string[]): void {
  const text = log.join('\n');
  expect(text).toMatch(/"USER ftpops-plaintext-probe"/);
  expect(text).not.toMatch(/"PASS/);
  expect(text).not.toMatch(/"AUTH/);
  expect(text).not.toContain(tb.user);
  expect(text).not.toContain(tb.password);
}

describe('probing an FTPS target as plain FTP', () => {
  it('TLS optional (vsftpd-main): 331, the server would take a password in the clear; none was sent', async () => {
    const { report, log } = await probeAsPlainFtp('vsftpd-main');
    expectNoCredentialsSent(log);
    expect(report.protocol).toBe('ftp');
    expect(report.url).toBe(`ftp://127.0.0.1:${server('vsftpd-main').port}`);
    expect(stage(report, 'login')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^331 .* — the server asks for a password over plain FTP; none was sent$/) });
    expect(stage(report, 'list')).toMatchObject({ status: 'skipped', detail: expect.stringMatching(/no password sent/) });
    expect(stage(report, 'transfer')?.status).toBe('skipped');
    expect(report.facts.loginUser).toBeUndefined();
    // Nobody's password crossed: no plaintext-login warning about one.
    expect(report.warnings.map((w) => w.code)).not.toContain('ftp.plaintext_login');
    expect(log.join('\n')).toMatch(/"QUIT"/);
  });

  it('TLS required (vsftpd-forcessl): refused at USER, tls.required; nothing else sent', async () => {
    const { report, log } = await probeAsPlainFtp('vsftpd-forcessl');
    expectNoCredentialsSent(log);
    expect(report.finding).toMatchObject({ code: 'tls.required', stage: 'login', reply: { code: 530 } });
    expect(stage(report, 'login')?.status).toBe('failed');
    expect(log.join('\n')).toMatch(/530 Non-anonymous sessions must use encryption/);
  });

  it('a plain ftp:// target keeps its normal check (its credentials travel in plain text anyway)', async () => {
    const { report, log } = await probeAsPlainFtp('vsftpd-main', 'ftp');
    expect(report.finding).toBeNull();
    expect(stage(report, 'list')?.status).toBe('ok');
    expect(report.warnings.map((w) => w.code)).toContain('ftp.plaintext_login');
    // The log search above sees a PASS when one is sent.
    expect(log.join('\n')).toContain(`"USER ${tb.user}"`);
    expect(log.join('\n')).toMatch(/"PASS/);
  });
});
