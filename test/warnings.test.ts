// Warnings on a passing check, from the facts gathered on the way (thresholds: data/checks.yaml).
import { describe, expect, it } from 'vitest';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { collectWarnings, isPrivateV4 } from '../src/probes/warnings.js';
import { DEFAULT_STAGE_TIMEOUTS, type ProbeFacts, type ProbeRequest, type StageResult } from '../src/probes/probe.js';

const kb = KnowledgeBase.load();
const req = (protocol: ProbeRequest['protocol']): ProbeRequest => ({
  target: 't', protocol, host: 'h', port: 21, write: false, insecure: false, timeoutMs: 30_000, stageTimeouts: DEFAULT_STAGE_TIMEOUTS,
});
const ok = (name: StageResult['name'], durationMs = 5): StageResult => ({ name, status: 'ok', durationMs });
const allOk = ['resolve', 'connect', 'greet', 'secure', 'login', 'list', 'close'].map((n) => ok(n as StageResult['name']));
const codes = (protocol: ProbeRequest['protocol'], facts: ProbeFacts, stages = allOk) => collectWarnings(kb, req(protocol), facts, stages).map((w) => w.code);

describe('warnings', () => {
  it('nothing to say about a clean FTPS check', () => {
    expect(codes('ftpes', { address: '203.0.113.7', tls: { version: 'TLSv1.3', daysLeft: 200 }, loginUser: 'alice' })).toEqual([]);
  });

  it.each([
    [30, ['tls.cert_expiring']],
    [31, []],
    [0, ['tls.cert_expiring']],
  ])('certificate with %i days left', (daysLeft, expected) => {
    expect(codes('ftpes', { tls: { version: 'TLSv1.2', daysLeft } })).toEqual(expected);
  });

  it('old TLS versions', () => {
    expect(codes('ftps', { tls: { version: 'TLSv1', daysLeft: 100 } })).toEqual(['tls.old_version']);
    expect(codes('ftps', { tls: { version: 'TLSv1.1', daysLeft: 100 } })).toEqual(['tls.old_version']);
  });

  it('plaintext login, but not for anonymous', () => {
    expect(codes('ftp', { loginUser: 'alice' })).toEqual(['ftp.plaintext_login']);
    expect(codes('ftp', { loginUser: 'anonymous' })).toEqual([]);
    expect(codes('ftpes', { loginUser: 'alice' })).toEqual([]);
  });

  it('a private PASV address unlike the server\'s', () => {
    expect(codes('ftpes', { address: '203.0.113.7', passiveAddress: '10.0.0.5:30001' })).toEqual(['data.private_address']);
    expect(codes('ftpes', { address: '127.0.0.1', passiveAddress: '192.168.1.2:30001' })).toEqual(['data.private_address']);
    expect(codes('ftpes', { address: '10.0.0.5', passiveAddress: '10.0.0.5:30001' })).toEqual([]);
    expect(codes('ftpes', { address: '203.0.113.7', passiveAddress: '203.0.113.7:30001' })).toEqual([]);
  });

  it('weak SSH algorithms, each named', () => {
    const warnings = collectWarnings(kb, req('sftp'), { ssh: { kex: 'diffie-hellman-group14-sha1', hostKeyAlgorithm: 'ssh-ed25519', cipher: 'aes128-cbc', mac: 'hmac-sha1' } }, allOk);
    expect(warnings.map((w) => w.code)).toEqual(['ssh.weak_algorithms']);
    expect(warnings[0]!.detail).toBe('the server settled for kex diffie-hellman-group14-sha1, cipher aes128-cbc, MAC hmac-sha1');
    expect(codes('sftp', { ssh: { kex: 'curve25519-sha256', hostKeyAlgorithm: 'ssh-ed25519', cipher: 'aes128-gcm@openssh.com' } })).toEqual([]);
  });

  it('slow TCP connect at 3 s', () => {
    const stages = allOk.map((s) => (s.name === 'connect' ? ok('connect', 3_200) : s));
    expect(codes('sftp', {}, stages)).toEqual(['slow.connect']);
  });

  it('knows private IPv4 ranges', () => {
    for (const a of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '100.64.0.1', '169.254.1.1', '127.0.0.1']) expect(isPrivateV4(a), a).toBe(true);
    for (const a of ['172.32.0.1', '8.8.8.8', '203.0.113.7', '::1', 'not-an-ip']) expect(isPrivateV4(a), a).toBe(false);
  });
});
