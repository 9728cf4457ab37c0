// What a server is: its SSH host keys and negotiated algorithms, or its TLS certificate, chain
// and negotiated version and cipher, as one check saw them; and the pure comparisons of a new
// sighting with the remembered one (a renewal, a changed key or issuer, a downgrade).
import type { HostKeyId, ProbeReport, TlsFacts } from '../probes/probe.js';

export interface SshIdentity {
  /** The key the server presented for the negotiated algorithm. */
  presented: HostKeyId;
  /** Every key the server holds, as far as known (hostkeys-00 after login, or the presented one). */
  hostKeys: HostKeyId[];
  kex?: string;
  hostKeyAlgorithm?: string;
  cipher?: string;
  mac?: string;
}

export interface TlsIdentity {
  fingerprint256: string;
  spki256?: string;
  subject?: string;
  subjectAltNames?: string[];
  issuer?: string;
  serial?: string;
  validFrom?: string;
  validTo?: string;
  chain?: TlsFacts['chain'];
  version?: string;
  cipher?: string;
}

export interface ServerIdentity {
  /** When this identity was first seen (kept across refreshes of the same identity). */
  since: string;
  /** The last check that saw it. */
  seenAt: string;
  ssh?: SshIdentity;
  tls?: TlsIdentity;
}

/** What a check saw, when it got far enough to see it (the secure stage), else undefined. */
export function observedIdentity(report: ProbeReport): { ssh?: SshIdentity; tls?: TlsIdentity } {
  const { ssh, tls } = report.facts;
  const out: { ssh?: SshIdentity; tls?: TlsIdentity } = {};
  if (ssh?.hostKeyFingerprint) {
    const presented: HostKeyId = { type: ssh.hostKeyType ?? ssh.hostKeyAlgorithm ?? 'unknown', fingerprint: ssh.hostKeyFingerprint };
    const proven = ssh.hostKeys?.length ? ssh.hostKeys : [...(ssh.otherKeys ?? [])];
    const hostKeys = proven.some((k) => k.fingerprint === presented.fingerprint) ? proven : [presented, ...proven];
    const presentedFull = hostKeys.find((k) => k.fingerprint === presented.fingerprint) ?? presented;
    out.ssh = { presented: presentedFull, hostKeys, ...pick(ssh, ['kex', 'hostKeyAlgorithm', 'cipher', 'mac']) };
  }
  if (tls?.fingerprint256) {
    out.tls = { fingerprint256: tls.fingerprint256, ...pick(tls, ['spki256', 'subject', 'subjectAltNames', 'issuer', 'serial', 'validFrom', 'validTo', 'chain', 'version', 'cipher']) };
  }
  return out;
}

function pick<T extends object, K extends keyof T>(from: T, keys: K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
  return out;
}

export type CertificateChange =
  | { kind: 'same' }
  /** Same subject, names and issuer; new serial and validity: routine. */
  | { kind: 'renewed'; validTo?: string }
  | { kind: 'changed'; issuerChanged: boolean; keyChanged: boolean; namesChanged: boolean };

export function compareCertificates(was: TlsIdentity, now: TlsIdentity): CertificateChange {
  if (was.fingerprint256 === now.fingerprint256) return { kind: 'same' };
  const issuerChanged = was.issuer !== now.issuer;
  const keyChanged = was.spki256 !== undefined && now.spki256 !== undefined && was.spki256 !== now.spki256;
  const namesChanged = was.subject !== now.subject || [...(was.subjectAltNames ?? [])].sort().join(',') !== [...(now.subjectAltNames ?? [])].sort().join(',');
  if (!issuerChanged && !namesChanged) return { kind: 'renewed', ...(now.validTo ? { validTo: now.validTo } : {}) };
  return { kind: 'changed', issuerChanged, keyChanged, namesChanged };
}

/** How the other keys of a server fared beside a changed one: a rebuild changes them all. */
export function otherKeysVerdict(was: HostKeyId[], changedType: string, seen: HostKeyId[] | undefined): string {
  const others = was.filter((k) => k.type !== changedType);
  if (!others.length) return 'the server had no other key remembered';
  if (!seen?.length) return `its other keys (${others.map((k) => k.type).join(', ')}) could not be read`;
  const changed = others.filter((k) => seen.some((s) => s.type === k.type && s.fingerprint !== k.fingerprint));
  const same = others.filter((k) => seen.some((s) => s.fingerprint === k.fingerprint));
  if (changed.length && !same.length) return `its other keys changed too (${changed.map((k) => k.type).join(', ')}): looks like a whole-server rebuild`;
  if (changed.length) return `some other keys changed too (${changed.map((k) => k.type).join(', ')}), ${same.map((k) => k.type).join(', ')} did not`;
  return `its other keys are unchanged (${same.map((k) => k.type).join(', ') || 'none read'}): only this key was swapped`;
}

// ------------------------------------------------------------------------------- downgrades

const TLS_RANK: Record<string, number> = { 'TLSv1': 1, 'TLSv1.1': 2, 'TLSv1.2': 3, 'TLSv1.3': 4 };

/** A cipher suite with CBC or a SHA-1 MAC (…_CBC_SHA, …-SHA): weaker than an AEAD suite. */
function weakTlsCipher(cipher: string | undefined): boolean {
  return cipher !== undefined && (/CBC/i.test(cipher) || /(_|-)SHA$/i.test(cipher));
}

const WEAK_SSH = (s: string | undefined) => s !== undefined && (/-cbc$|sha1|^ssh-rsa$|^ssh-dss$|md5|diffie-hellman-group1-|diffie-hellman-group14-sha1/i.test(s));

/** Each way the new session is weaker than the remembered one: "TLSv1.3 → TLSv1.2". */
export function tlsDowngrades(was: TlsIdentity | undefined, now: TlsIdentity | undefined): string[] {
  if (!was || !now) return [];
  const out: string[] = [];
  if ((TLS_RANK[now.version ?? ''] ?? 9) < (TLS_RANK[was.version ?? ''] ?? 0)) out.push(`version ${was.version} → ${now.version}`);
  if (weakTlsCipher(now.cipher) && !weakTlsCipher(was.cipher)) out.push(`cipher ${was.cipher} → ${now.cipher}`);
  return out;
}

export function sshDowngrades(was: SshIdentity | undefined, now: SshIdentity | undefined): string[] {
  if (!was || !now) return [];
  const out: string[] = [];
  for (const field of ['kex', 'hostKeyAlgorithm', 'cipher', 'mac'] as const) {
    if (WEAK_SSH(now[field]) && !WEAK_SSH(was[field])) out.push(`${field === 'hostKeyAlgorithm' ? 'host key algorithm' : field} ${was[field] ?? '(none)'} → ${now[field]}`);
  }
  return out;
}
