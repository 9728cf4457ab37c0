// The knowledge base hangs together, and classifies what the real daemons send
// (test/fixtures/daemon-replies.md) into the right codes.
import { describe, expect, it } from 'vitest';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import type { FailureSignal } from '../src/probes/probe.js';

const kb = KnowledgeBase.load();

// Warnings are raised by src/probes/warnings.ts from facts, not from failure signals.
const WARNING_CODES = ['tls.cert_expiring', 'tls.old_version', 'ftp.plaintext_login', 'data.private_address', 'ssh.weak_algorithms', 'slow.connect', 'tls.unverified', 'fs.canary_left', 'ssh.hostkey_unpinned', 'ssh.downgrade', 'tls.downgrade'];

const PUBLIC_FAILURE_CODES = [
  'dns.not_found', 'dns.failed', 'tcp.refused', 'tcp.timeout', 'tcp.unreachable', 'tcp.reset', 'greet.timeout',
  'protocol.mismatch', 'ftp.unavailable', 'ftp.server_error', 'tls.unsupported', 'tls.handshake_failed',
  'tls.cert_expired', 'tls.cert_untrusted', 'tls.hostname_mismatch', 'tls.required', 'auth.failed',
  'ssh.hostkey_mismatch', 'ssh.kex_failed', 'ssh.sftp_unavailable', 'data.connect_failed', 'data.tls_reuse_required',
  'data.aborted', 'fs.not_found', 'fs.permission_denied', 'fs.storage_full', 'fs.checksum_mismatch', 'stage.timeout',
];

describe('knowledge base data', () => {
  it('is consistent: every runbook id exists, every rule names a defined code', () => {
    expect(kb.problems()).toEqual([]);
  });

  it('defines the whole public code set', () => {
    expect(kb.codes()).toEqual(expect.arrayContaining([...PUBLIC_FAILURE_CODES, ...WARNING_CODES]));
    for (const code of WARNING_CODES) expect(kb.definition(code)?.severity).toBe('warning');
    for (const code of PUBLIC_FAILURE_CODES) expect(kb.definition(code)?.severity).toBe('failure');
  });

  it('can reach every failure code from some signal rule', () => {
    const reachable = new Set((kb as unknown as { rules: Array<{ code: string }> }).rules.map((r) => r.code));
    // delivery.* codes are decided by the delivery evaluation (src/deliveries), not by a probe's signal.
    for (const code of kb.codes().filter((c) => !WARNING_CODES.includes(c) && !c.startsWith('delivery.'))) expect(reachable, code).toContain(code);
  });

  it('leads every code to a runbook that lists it', () => {
    for (const code of kb.codes()) {
      const runbook = kb.runbooks.get(kb.definition(code)!.runbook);
      expect(runbook, code).toBeDefined();
      expect(runbook!.findings, `${runbook!.id} should list ${code}`).toContain(code);
    }
  });
});

describe('classification of real daemon replies', () => {
  const reply = (code: number, text: string, stage: FailureSignal['stage']): FailureSignal => ({ source: 'ftp-reply', key: String(code), stage, reply: { code, text } });
  it.each<[string, FailureSignal, string]>([
    ['vsftpd wrong password', reply(530, 'Login incorrect.', 'login'), 'auth.failed'],
    ['vsftpd force_local_logins_ssl', reply(530, 'Non-anonymous sessions must use encryption.', 'login'), 'tls.required'],
    ['pure-ftpd -Y 2', reply(421, 'Sorry, cleartext sessions and weak ciphers are not accepted on this server.', 'login'), 'tls.required'],
    ['vsftpd max_clients', reply(421, 'There are too many connected users, please try later.', 'greet'), 'ftp.unavailable'],
    ['vsftpd max_per_ip', reply(421, 'There are too many connections from your internet address.', 'greet'), 'ftp.unavailable'],
    ['vsftpd without ssl_enable, AUTH TLS', reply(530, 'Please login with USER and PASS.', 'secure'), 'tls.unsupported'],
    ['vsftpd 500 OOPS', reply(500, "OOPS: vsftpd: not found: directory given in 'secure_chroot_dir'", 'greet'), 'ftp.server_error'],
    ['vsftpd CWD missing', reply(550, 'Failed to change directory.', 'list'), 'fs.not_found'],
    ['vsftpd write_enable=NO', reply(550, 'Permission denied.', 'transfer'), 'fs.permission_denied'],
    ['vsftpd require_ssl_reuse', reply(522, 'SSL connection failed: session reuse required', 'list'), 'data.tls_reuse_required'],
    ['425', reply(425, "Can't open data connection.", 'list'), 'data.connect_failed'],
    ['quota', reply(552, 'Exceeded storage allocation', 'transfer'), 'fs.storage_full'],
    ['sshd wrong password', { source: 'ssh', key: 'client-authentication', stage: 'login' }, 'auth.failed'],
    ['sshd no sftp', { source: 'ssh', key: 'subsystem-failed', stage: 'login' }, 'ssh.sftp_unavailable'],
    ['sshd MaxStartups drop', { source: 'errno', key: 'ECONNRESET', stage: 'greet' }, 'tcp.reset'],
    ['reset mid-transfer', { source: 'errno', key: 'ECONNRESET', stage: 'transfer' }, 'data.aborted'],
    ['data connect refused', { source: 'errno', key: 'ECONNREFUSED', stage: 'list', channel: 'data' }, 'data.connect_failed'],
    ['timeout at connect', { source: 'timeout', key: 'stage', stage: 'connect' }, 'tcp.timeout'],
    ['timeout at login', { source: 'timeout', key: 'stage', stage: 'login' }, 'stage.timeout'],
    ['unknown error', { source: 'check', key: 'unexpected', stage: 'list' }, 'check.unexpected_error'],
    // Issue 14: what ProFTPD, more vsftpd configurations and sshd at capacity send.
    ['proftpd MaxClients at PASS', reply(530, 'Sorry, the maximum number of allowed clients (1) are already connected.', 'login'), 'ftp.unavailable'],
    ['proftpd MaxConnectionsPerHost greeting', reply(530, 'Sorry, the maximum number of connections (1) for your host are already connected.', 'greet'), 'ftp.unavailable'],
    ['any 530 greeting', reply(530, 'Access denied.', 'greet'), 'ftp.unavailable'],
    ['proftpd STOR read-only', reply(550, '.ftpops-canary-x.txt: Permission denied', 'transfer'), 'fs.permission_denied'],
    ['vsftpd pasv_enable=NO', { ...reply(550, 'Permission denied.', 'list'), channel: 'data' }, 'data.connect_failed'],
    ['vsftpd CWD, present in the parent', { ...reply(550, 'Failed to change directory.', 'list'), evidence: 'path-present' }, 'fs.permission_denied'],
    ['vsftpd CWD, absent from the parent', { ...reply(550, 'Failed to change directory.', 'list'), evidence: 'path-absent' }, 'fs.not_found'],
    ['vsftpd CWD, parent unreadable', { ...reply(550, 'Failed to change directory.', 'list'), evidence: 'path-unknown' }, 'fs.not_found_or_denied'],
    ['proftpd CWD, its own words win', { ...reply(550, '/x: No such file or directory', 'list'), evidence: 'path-present' }, 'fs.not_found'],
    ['sshd MaxStartups in words', { source: 'ssh', key: 'text-before-identification', stage: 'greet', reply: { text: 'Exceeded MaxStartups' } }, 'ssh.unavailable'],
    ['other words before an identification', { source: 'ssh', key: 'text-before-identification', stage: 'greet', reply: { text: 'Go away' } }, 'protocol.mismatch'],
    ['TLS 1.3 client certificate refused', { source: 'tls', key: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', stage: 'secure' }, 'tls.client_cert_required'],
    ['TLS 1.0 only server', { source: 'tls', key: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', stage: 'secure' }, 'tls.handshake_failed'],
  ])('%s', (_name, signal, code) => {
    expect(kb.ruleFor(signal).code).toBe(code);
  });
});

describe('alert classes', () => {
  it('an SSH server at MaxStartups is a capacity alert like FTP 421; a required client certificate a TLS one', async () => {
    const { CLASS_OF_FINDING } = await import('../src/alerts/alert-classes.js');
    expect(CLASS_OF_FINDING['ssh.unavailable']).toBe('capacity');
    expect(CLASS_OF_FINDING['ftp.unavailable']).toBe('capacity');
    expect(CLASS_OF_FINDING['tls.client_cert_required']).toBe('tls');
    // Every class a finding maps to is a code the knowledge base defines.
    for (const code of Object.keys(CLASS_OF_FINDING)) expect(kb.definition(code), code).toBeDefined();
  });
});

describe('documentation', () => {
  it('README documents every finding code', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of kb.codes()) expect(readme, code).toContain(`\`${code}\``);
  });
});
