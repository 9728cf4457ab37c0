// Sample reports shared by the chat model and renderer tests: a healthy SFTP check and an FTP
// login refused with 530.
import type { Finding, ProbeReport } from '../../src/probes/probe.js';

export const sftpHealthy: ProbeReport = {
  target: 'prod-sftp',
  url: 'sftp://deploy@sftp.example.com:22',
  protocol: 'sftp',
  ok: true,
  startedAt: '2025-03-04T10:15:00.000Z',
  durationMs: 412,
  stages: [
    { name: 'resolve', status: 'ok', durationMs: 3, detail: '203.0.113.10' },
    { name: 'connect', status: 'ok', durationMs: 21, detail: '203.0.113.10:22' },
    { name: 'greet', status: 'ok', durationMs: 40, detail: 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13' },
    { name: 'secure', status: 'ok', durationMs: 95, detail: 'curve25519-sha256, ssh-ed25519' },
    { name: 'login', status: 'ok', durationMs: 180, detail: 'publickey' },
    { name: 'list', status: 'ok', durationMs: 30, detail: '12 entries' },
    { name: 'transfer', status: 'skipped', durationMs: 0 },
    { name: 'close', status: 'ok', durationMs: 2 },
  ],
  finding: null,
  warnings: [],
  facts: {
    host: 'sftp.example.com',
    port: 22,
    address: '203.0.113.10',
    addresses: ['203.0.113.10'],
    software: 'OpenSSH 9.6p1',
    ssh: {
      identification: 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13',
      kex: 'curve25519-sha256',
      hostKeyAlgorithm: 'ssh-ed25519',
      cipher: 'chacha20-poly1305@openssh.com',
      hostKeyFingerprint: 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s',
    },
    cwd: '/upload',
    entries: 12,
  },
};

export const ftpAuthFailed: ProbeReport = {
  target: 'partner-ftp',
  url: 'ftp://acme@ftp.partner.example:21',
  protocol: 'ftp',
  ok: false,
  startedAt: '2025-03-04T10:16:00.000Z',
  durationMs: 5_690,
  stages: [
    { name: 'resolve', status: 'ok', durationMs: 2, detail: '198.51.100.7' },
    { name: 'connect', status: 'ok', durationMs: 18, detail: '198.51.100.7:21' },
    { name: 'greet', status: 'ok', durationMs: 25, detail: '220 (vsFTPd 3.0.5)' },
    { name: 'login', status: 'failed', durationMs: 5_600, detail: '530 Login incorrect.' },
    { name: 'list', status: 'skipped', durationMs: 0 },
    { name: 'transfer', status: 'skipped', durationMs: 0 },
    { name: 'close', status: 'ok', durationMs: 1 },
  ],
  finding: {
    code: 'auth.failed',
    severity: 'failure',
    layer: 'auth',
    stage: 'login',
    reply: { code: 530, text: 'Login incorrect.' },
    title: 'The server rejected the login (FTP 530 or no SSH method accepted).',
    causes: [
      'The user name or password (or SSH key) is wrong or was rotated recently.',
      'The account is locked or expired (faillock, chage) or the user has no valid shell for PAM (pam_shells, /etc/shells).',
    ],
    nextSteps: ["Check the account: `chage -l <user>`, `faillock --user <user>`, `getent passwd <user>`."],
    runbook: 'login-failures',
  },
  warnings: [
    {
      code: 'ftp.plaintext',
      severity: 'warning',
      layer: 'protocol',
      stage: 'greet',
      reply: null,
      title: 'Credentials travel in clear text.',
      causes: [],
      nextSteps: [],
      runbook: 'plaintext-ftp-exposure',
    },
  ],
  facts: { address: '198.51.100.7', addresses: ['198.51.100.7', '2001:db8::7'], banner: '220 (vsFTPd 3.0.5)', software: 'vsftpd 3.0.5' },
};

export const authFailed: Finding = ftpAuthFailed.finding!;

/** Markup and mentions a hostile server could send. */
export const HOSTILE = '<script>alert("x")</script> & <!channel> <@U0123> <https://evil.example|click>';

export const hostile: ProbeReport = {
  ...ftpAuthFailed,
  target: 'hostile-ftp',
  stages: [{ name: 'greet', status: 'failed', durationMs: 9, detail: `220 ${HOSTILE}` }],
  finding: { ...authFailed, reply: { code: 530, text: `${HOSTILE}\n\`\`\`\nbreakout` }, detail: `user ${HOSTILE}` },
  warnings: [{ ...authFailed, code: 'ftp.plaintext', severity: 'warning', title: 'clear text', detail: HOSTILE }],
  facts: { software: HOSTILE, tls: { version: 'TLSv1.2', subject: `CN=${HOSTILE}`, daysLeft: 3 } },
};

// 10,000 characters of reply, with markers at both ends; 40 causes, 40 next steps, 30 warnings and
// a 5,000-character stage detail. Ampersands make escaping lengthen the text by 5×.
export const hugeReply = `BEGIN-OF-REPLY ${'&<x> '.repeat(1_994)}END-OF-REPLY`;
export const huge: ProbeReport = {
  ...ftpAuthFailed,
  target: 'huge-ftp',
  stages: [...ftpAuthFailed.stages.slice(0, 3), { name: 'login', status: 'failed', durationMs: 70, detail: `530 ${'d'.repeat(5_000)}` }],
  finding: {
    ...authFailed,
    reply: { code: 421, text: hugeReply },
    causes: Array.from({ length: 40 }, (_, i) => `cause #${i + 1}: ${'the server & its <backend> misbehaved; '.repeat(3)}`),
    nextSteps: Array.from({ length: 40 }, (_, i) => `step #${i + 1}: run \`journalctl -u vsftpd | grep <user>\` and compare`),
  },
  warnings: Array.from({ length: 30 }, (_, i) => ({ ...authFailed, code: `warn.${i + 1}`, severity: 'warning' as const, title: 'x'.repeat(200) })),
  facts: { software: 's'.repeat(4_000), address: '198.51.100.7' },
};
