// The chat-neutral model: what a ProbeReport becomes before any platform renders it.
import { describe, expect, it } from 'vitest';
import type { ProbeReport, StageResult } from '../src/probes/probe.js';
import { errorMessage, helpMessage, progressMessage, summaryMessage } from '../src/bot/messages.js';
import { HELP_LINES } from '../src/bot/commands.js';
import { ftpAuthFailed, sftpHealthy } from './support/sample-reports.js';


const ftpsCertExpiring: ProbeReport = {
  ...sftpHealthy,
  target: 'ftps-prod',
  url: 'ftps://ftps.example.com:990',
  protocol: 'ftps',
  warnings: [
    {
      code: 'tls.cert_expiring',
      severity: 'warning',
      layer: 'tls',
      stage: 'secure',
      reply: null,
      title: 'The server certificate expires soon.',
      causes: ['Renewal did not run.'],
      nextSteps: ['Renew it.'],
      runbook: 'certificates',
      detail: 'certificate expires in 12 days',
    },
  ],
  facts: {
    address: '203.0.113.20',
    software: 'ProFTPD 1.3.8',
    tls: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', subject: 'CN=ftps.example.com', validTo: '2025-03-16T00:00:00.000Z', daysLeft: 12 },
  },
};

describe('summaryMessage', () => {
  it.each([
    {
      name: 'healthy sftp',
      report: sftpHealthy,
      headline: '✓ prod-sftp is healthy',
      ok: true,
      code: undefined,
      reply: undefined,
      actions: [{ kind: 'recheck', target: 'prod-sftp' }],
      facts: {
        server: 'OpenSSH 9.6p1',
        'host-key': 'ssh-ed25519 SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s',
        ssh: 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13',
        address: '203.0.113.10',
        directory: '/upload (12 entries)',
      },
    },
    {
      name: 'ftp auth.failed',
      report: ftpAuthFailed,
      headline: '✗ partner-ftp failed at login: auth.failed',
      ok: false,
      code: 'auth.failed',
      reply: '530 Login incorrect.',
      actions: [
        { kind: 'recheck', target: 'partner-ftp' },
        { kind: 'open-runbook', runbook: 'login-failures', code: 'auth.failed', target: 'partner-ftp' },
      ],
      facts: { server: 'vsftpd 3.0.5', address: '198.51.100.7 (resolved: 198.51.100.7, 2001:db8::7)' },
    },
    {
      name: 'healthy ftps with an expiring certificate',
      report: ftpsCertExpiring,
      headline: '✓ ftps-prod is healthy (1 warning)',
      ok: true,
      code: undefined,
      reply: undefined,
      actions: [
        { kind: 'recheck', target: 'ftps-prod' },
        { kind: 'open-runbook', runbook: 'certificates', code: 'tls.cert_expiring', target: 'ftps-prod' },
      ],
      facts: {
        server: 'ProFTPD 1.3.8',
        tls: 'TLSv1.3 TLS_AES_256_GCM_SHA384',
        certificate: 'expires 2025-03-16 (12 days left); CN=ftps.example.com',
        address: '203.0.113.20',
      },
    },
  ])('$name', ({ report, headline, ok, code, reply, actions, facts }) => {
    const m = summaryMessage(report);
    expect(m.kind).toBe('summary');
    expect(m.headline).toBe(headline);
    expect(m.ok).toBe(ok);
    expect(m.finding?.code).toBe(code);
    expect(m.finding?.reply).toBe(reply);
    expect(m.actions).toEqual(actions);
    expect(Object.fromEntries(m.facts.map((f) => [f.key, f.value]))).toEqual(facts);
    expect(m.stages.map((s) => s.name)).toEqual(report.stages.map((s) => s.name));
    expect(m.warnings.map((w) => w.code)).toEqual(report.warnings.map((w) => w.code));
  });

  it('marks the timeline ✓/✗/· and drops the duration of skipped stages', () => {
    const m = summaryMessage(ftpAuthFailed);
    expect(m.stages.map((s) => `${s.mark} ${s.name} ${s.durationMs ?? '-'}`)).toEqual([
      '✓ resolve 2',
      '✓ connect 18',
      '✓ greet 25',
      '✗ login 5600',
      '· list -',
      '· transfer -',
      '✓ close 1',
    ]);
    expect(m.stages[3]?.detail).toBe('530 Login incorrect.');
  });

  it('carries causes, next steps and runbook through unchanged and does not alias the report', () => {
    const m = summaryMessage(ftpAuthFailed);
    expect(m.finding?.causes).toEqual(ftpAuthFailed.finding?.causes);
    expect(m.finding?.nextSteps).toEqual(ftpAuthFailed.finding?.nextSteps);
    expect(m.finding?.runbook).toBe('login-failures');
    m.finding?.causes.push('mutated');
    expect(ftpAuthFailed.finding?.causes).toHaveLength(2);
  });

  it('says how long ago an expired certificate expired', () => {
    const expired: ProbeReport = { ...ftpsCertExpiring, facts: { tls: { version: 'TLSv1.2', validTo: '2025-02-01T00:00:00Z', daysLeft: -31 } } };
    expect(summaryMessage(expired).facts.find((f) => f.key === 'certificate')?.value).toBe('expires 2025-02-01 (expired 31 days ago)');
  });

  it('keeps a reply without a code as just its text', () => {
    const r: ProbeReport = { ...ftpAuthFailed, finding: { ...ftpAuthFailed.finding!, reply: { text: 'Too many authentication failures' } } };
    expect(summaryMessage(r).finding?.reply).toBe('Too many authentication failures');
  });
});

describe('progressMessage', () => {
  const done: StageResult[] = sftpHealthy.stages.slice(0, 3);
  it.each([
    { stages: [], names: [] },
    { stages: done, names: ['resolve', 'connect', 'greet'] },
  ])('with $names.length stages done', ({ stages, names }) => {
    const m = progressMessage('prod-sftp', sftpHealthy.url, stages);
    expect(m).toMatchObject({ kind: 'progress', target: 'prod-sftp', url: sftpHealthy.url, headline: 'checking prod-sftp…' });
    expect(m.stages.map((s) => s.name)).toEqual(names);
  });
});

describe('errorMessage', () => {
  it.each([
    ['cannot queue the check: Redis unreachable at redis://10.0.0.5:6379', 'cannot queue the check: Redis unreachable at redis://10.0.0.5:6379'],
    ['  cannot queue the check:\n  Redis unreachable\n', 'cannot queue the check: Redis unreachable'],
    ['\n\t', 'unknown error'],
  ])('%j → one line', (input, text) => {
    expect(errorMessage(input)).toEqual({ kind: 'error', text });
  });
});

describe('helpMessage', () => {
  it('lists the default commands, each with a usage and a description', () => {
    const m = helpMessage(HELP_LINES);
    expect(m.kind).toBe('help');
    expect(m.commands.map((c) => c.usage)).toEqual(['/ftp check <target|url>', '/ftp explain <code, error or log lines>', '/ftp targets', '/ftp status [target]', '/ftp report <target> [7d|30d|90d|YYYY-MM]', '/ftp deliveries [target]', '/ftp mute <target> <30m|2h>', '/ftp runbook <runbook|finding-code> <target>', '/ftp identity <target>', '/ftp help']);
    expect(m.commands.some((c) => c.usage.startsWith('/ftp check'))).toBe(true);
    for (const c of m.commands) expect(c.description.length).toBeGreaterThan(0);
  });
  it('takes the router’s own command list', () => {
    expect(helpMessage([{ usage: '/ftp x', description: 'y' }]).commands).toEqual([{ usage: '/ftp x', description: 'y' }]);
  });
});
