// Warnings on a check: conditions that do not fail it but deserve attention. Thresholds and
// algorithm lists come from the knowledge base (data/checks.yaml).
import { BlockList, isIP } from 'node:net';
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { Finding, ProbeFacts, ProbeRequest, StageResult } from './probe.js';

/** Addresses a server on the internet should never offer for passive mode (RFC 1918, 6598, 3927, loopback). */
const PRIVATE_V4 = new BlockList();
for (const [net, bits] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10], ['169.254.0.0', 16], ['127.0.0.0', 8]] as const) {
  PRIVATE_V4.addSubnet(net, bits, 'ipv4');
}

export function isPrivateV4(address: string): boolean {
  return isIP(address) === 4 && PRIVATE_V4.check(address, 'ipv4');
}

export function collectWarnings(kb: KnowledgeBase, req: ProbeRequest, facts: ProbeFacts, stages: StageResult[]): Finding[] {
  const t = kb.checks;
  const warnings: Finding[] = [];
  const passed = (name: string) => stages.some((s) => s.name === name && s.status === 'ok');

  const connect = stages.find((s) => s.name === 'connect' && s.status === 'ok');
  if (connect && connect.durationMs >= t.slowConnectMs) {
    warnings.push(kb.finding('slow.connect', 'connect', null, `TCP connect took ${Math.round(connect.durationMs)} ms (warning at ${t.slowConnectMs} ms)`));
  }
  const tls = facts.tls;
  if (tls?.daysLeft !== undefined && tls.daysLeft <= t.certExpiringDays && passed('secure')) {
    const when = tls.daysLeft < 0 ? `expired ${-tls.daysLeft} days ago (accepted only because of --insecure)` : `expires in ${tls.daysLeft} days, on ${tls.validTo?.slice(0, 10)}`;
    warnings.push(kb.finding('tls.cert_expiring', 'secure', null, `certificate ${when}`));
  }
  // --insecure (or `insecure: true`) let an unverifiable certificate through: a passing check
  // must not look as if the certificate had been verified.
  if (req.insecure && tls && passed('secure') && tls.authorized === false) {
    warnings.push(kb.finding('tls.unverified', 'secure', null, `certificate not verified (--insecure): ${tls.authorizationError ?? 'the chain could not be verified'}`));
  }
  if (tls?.version && t.oldTlsVersions.includes(tls.version) && passed('secure')) {
    warnings.push(kb.finding('tls.old_version', 'secure', null, `negotiated ${tls.version}; TLS 1.2 or newer is expected`));
  }
  if (req.protocol === 'ftp' && passed('login') && facts.loginUser && !t.anonymousUsers.includes(facts.loginUser)) {
    warnings.push(kb.finding('ftp.plaintext_login', 'login', null, `the password of ${facts.loginUser} crossed the network unencrypted`));
  }
  const offered = facts.passiveAddress?.split(':')[0];
  if (offered && facts.address && offered !== facts.address.replace(/^::ffff:/, '') && isPrivateV4(offered)) {
    warnings.push(kb.finding('data.private_address', 'list', null, `PASV offered ${offered} while the server was reached at ${facts.address}; the check used ${facts.address}`));
  }
  if (facts.canaryLeft) {
    warnings.push(kb.finding('fs.canary_left', 'transfer', null, facts.canaryLeft));
  }
  const ssh = facts.ssh;
  if (ssh) {
    const weak = [
      ...(ssh.kex && t.weakSsh.kex.includes(ssh.kex) ? [`kex ${ssh.kex}`] : []),
      ...(ssh.hostKeyAlgorithm && t.weakSsh.hostKey.includes(ssh.hostKeyAlgorithm) ? [`host key ${ssh.hostKeyAlgorithm}`] : []),
      ...(ssh.cipher && t.weakSsh.cipher.includes(ssh.cipher) ? [`cipher ${ssh.cipher}`] : []),
      ...(ssh.mac && t.weakSsh.mac.includes(ssh.mac) ? [`MAC ${ssh.mac}`] : []),
    ];
    if (weak.length) warnings.push(kb.finding('ssh.weak_algorithms', 'secure', null, `the server settled for ${weak.join(', ')}`));
    // Nothing verified the key: a password went to whoever presented it. Say which key to pin.
    if (ssh.hostKeyFingerprint && passed('secure') && !req.hostKey && !req.expectedHostKeys?.length && req.unpinned !== 'remember') {
      const why = req.unpinned === 'any' ? 'the target opts out (hostKey: any)' : 'no --host-key or --known-hosts';
      warnings.push(kb.finding('ssh.hostkey_unpinned', 'secure', null, `${why}; the server presented ${ssh.hostKeyType ?? 'a'} key ${ssh.hostKeyFingerprint}: pin it with --host-key ${ssh.hostKeyFingerprint}`));
    }
  }
  return warnings;
}
