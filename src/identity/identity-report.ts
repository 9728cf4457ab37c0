// What is pinned or remembered for a target, and the history of its changes and decisions: one
// report for /ftp identity and `ftpops identity <target>`, as lines and as JSON.
import type { TargetConfig } from '../config/targets-file.js';
import type { IdentityEvent, IdentityStore, PendingChange } from './identity-store.js';
import type { ServerIdentity } from './server-identity.js';
import { certLine } from './identity-gate.js';

export interface IdentityReport {
  target: string;
  pinned: { hostKey?: string; knownHosts?: string; certificatePin?: 'spki' | 'issuer' };
  remembered?: ServerIdentity;
  pending?: PendingChange;
  history: IdentityEvent[];
}

export async function identityReport(target: TargetConfig, store: IdentityStore): Promise<IdentityReport> {
  const [remembered, pending, history] = await Promise.all([store.get(target.name), store.pending(target.name), store.history(target.name, 20)]);
  return {
    target: target.name,
    pinned: { ...(target.hostKey ? { hostKey: target.hostKey } : {}), ...(target.knownHosts ? { knownHosts: target.knownHosts } : {}), ...(target.pin ? { certificatePin: target.pin } : {}) },
    ...(remembered ? { remembered } : {}),
    ...(pending ? { pending } : {}),
    history,
  };
}

export function identityLines(r: IdentityReport): string[] {
  const lines: string[] = [`Server identity of ${r.target}`];
  const p = r.pinned;
  if (p.hostKey === 'any') lines.push('pinned: nothing (hostKey: any: host keys are not checked; every check warns)');
  else if (p.hostKey) lines.push(`pinned host key: ${p.hostKey}`);
  if (p.knownHosts) lines.push(`pinned by known_hosts: ${p.knownHosts}`);
  if (p.certificatePin) lines.push(`certificate pin: ${p.certificatePin} (a change of ${p.certificatePin === 'spki' ? 'key' : 'issuer'} fails the check)`);
  const ssh = r.remembered?.ssh;
  const tls = r.remembered?.tls;
  if (!ssh && !tls) lines.push('remembered: nothing yet (remembered at the first successful check)');
  if (ssh) {
    lines.push(`remembered host keys (since ${r.remembered!.since}, last seen ${r.remembered!.seenAt}):`);
    for (const k of ssh.hostKeys) lines.push(`  ${k.type} ${k.fingerprint}${k.fingerprint === ssh.presented.fingerprint ? ' (presented)' : ''}`);
    lines.push(`  negotiated: kex ${ssh.kex ?? '?'}, host key ${ssh.hostKeyAlgorithm ?? '?'}, cipher ${ssh.cipher ?? '?'}${ssh.mac ? `, MAC ${ssh.mac}` : ''}`);
  }
  if (tls) {
    lines.push(`remembered certificate: ${tls.subject ?? '?'}${tls.subjectAltNames?.length ? ` (${tls.subjectAltNames.join(', ')})` : ''}`);
    lines.push(`  ${certLine(tls)}, valid from ${tls.validFrom?.slice(0, 10) ?? '?'}`);
    lines.push(`  fingerprint ${tls.fingerprint256}`);
    if (tls.chain?.length) lines.push(`  chain: ${tls.chain.map((c) => c.subject).join(' ← ')}`);
    lines.push(`  negotiated: ${tls.version ?? '?'} ${tls.cipher ?? ''}`.trimEnd());
  }
  if (r.pending) {
    const c = r.pending;
    lines.push(`CHANGE WAITING for a decision (since ${c.firstSeenAt}, last seen ${c.lastSeenAt}): ${c.old} → ${c.new}; ${c.what}${c.others ? `; ${c.others}` : ''}${c.suspiciousBy ? `; treated as suspicious by ${c.suspiciousBy}` : ''}`);
  }
  if (r.history.length) {
    lines.push('history (newest first):');
    for (const e of r.history) lines.push(`  ${e.at} ${e.kind}${e.by ? ` by ${e.by}` : ''}: ${e.text}`);
  }
  return lines;
}
