// OpenSSH known_hosts files (sshd(8), SSH_KNOWN_HOSTS FILE FORMAT): read as a target's pin, and
// written by `ftpops identity export`. A line is "[marker] patterns keytype base64-key [comment]";
// a pattern is a host, "[host]:port" for a port other than 22, a wildcard (* ?), a negation (!),
// or a hashed entry "|1|base64(salt)|base64(HMAC-SHA1(salt, host-or-[host]:port))" (HashKnownHosts).
import { createHash, createHmac } from 'node:crypto';
import type { HostKeyId } from '../probes/probe.js';

export interface KnownHostsEntry {
  patterns: string;
  marker?: string;
  key: HostKeyId;
}

export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const words = line.split(/\s+/);
    const marker = words[0]!.startsWith('@') ? words.shift() : undefined;
    const [patterns, type, blob] = words;
    if (!patterns || !type || !blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) continue;
    const key = Buffer.from(blob, 'base64');
    entries.push({ patterns, ...(marker ? { marker } : {}), key: { type, fingerprint: `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`, key: blob } });
  }
  return entries;
}

/** The name known_hosts uses for a host and port: "host" on 22, "[host]:port" otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The keys a known_hosts text accepts for this host and port (revoked keys and CA lines left out). */
export function keysFor(text: string, host: string, port: number): HostKeyId[] {
  const name = knownHostsName(host, port);
  return parseKnownHosts(text)
    .filter((e) => e.marker === undefined && matches(e.patterns, name))
    .map((e) => e.key);
}

function matches(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) return hashedMatches(patterns, name);
  let hit = false;
  for (const pattern of patterns.split(',')) {
    const negated = pattern.startsWith('!');
    if (wildcard(negated ? pattern.slice(1) : pattern, name)) {
      if (negated) return false;
      hit = true;
    }
  }
  return hit;
}

function hashedMatches(entry: string, name: string): boolean {
  const [, , salt, hash] = entry.split('|');
  if (!salt || !hash) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
}

function wildcard(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

/** One known_hosts line per key with its blob; keys remembered without one are left out. */
export function knownHostsLines(host: string, port: number, keys: HostKeyId[], comment?: string): string[] {
  return keys.filter((k) => k.key).map((k) => `${knownHostsName(host, port)} ${k.type} ${k.key}${comment ? ` ${comment}` : ''}`);
}
