// The identity store on Redis: per target the remembered identity, at most one change waiting for
// a decision (the latest sighting of it), the history of what changed and who decided what, and
// an outbox of changes for the bot to post (each taken by exactly one bot).
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisKeys } from '../queue/redis-keys.js';
import type { ServerIdentity, SshIdentity, TlsIdentity } from './server-identity.js';

/** How many history entries a target keeps. */
const HISTORY_LENGTH = 200;

export type IdentityEventKind = 'first-seen' | 'key-changed' | 'keys-updated' | 'cert-changed' | 'renewed' | 'accepted' | 'suspicious' | 'downgrade';

export interface IdentityEvent {
  at: string;
  kind: IdentityEventKind;
  /** Who decided (a chat user id), for accepted / suspicious. */
  by?: string;
  text: string;
}

/** A changed identity that failed the check, waiting for an admin to accept it (or not). */
export interface PendingChange {
  id: string;
  target: string;
  kind: 'ssh' | 'tls';
  /** Against what: a key remembered by ftpops (acceptable in chat) or a pin in the config file. */
  against: 'remembered' | 'pin';
  firstSeenAt: string;
  lastSeenAt: string;
  /** One line each: "ssh-ed25519 SHA256:…", "issuer CN=Test CA, spki sha256/…". */
  old: string;
  new: string;
  /** The key type changed (ed25519 → rsa), or the certificate's issuer/key (what changed, in words). */
  what: string;
  /** For SSH: how the server's other keys fared. */
  others?: string;
  /** What is remembered once accepted. */
  observed: { ssh?: SshIdentity; tls?: TlsIdentity };
  suspiciousBy?: string;
}

export interface IdentityNotice {
  target: string;
  change: PendingChange;
}

export class IdentityStore {
  private readonly keys: RedisKeys;

  constructor(private readonly redis: Redis, prefix: string) {
    this.keys = new RedisKeys(prefix);
  }

  async get(target: string): Promise<ServerIdentity | undefined> {
    return parse<ServerIdentity>(await this.redis.get(this.keys.identity(target)));
  }

  async put(target: string, identity: ServerIdentity): Promise<void> {
    await this.redis.set(this.keys.identity(target), JSON.stringify(identity));
  }

  async pending(target: string): Promise<PendingChange | undefined> {
    return parse<PendingChange>(await this.redis.get(this.keys.identityPending(target)));
  }

  /**
   * Records a sighting of a changed identity. A new change (another new key than the one waiting)
   * is returned as `fresh` so that it is posted once; the same change seen again only moves its
   * lastSeenAt. Two checks of one target may see the same change at once (two slots per target):
   * the id is derived from the change itself and the first write wins (SET NX), so exactly one
   * of them posts it, and the buttons name the id that stays.
   */
  async sawChange(change: Omit<PendingChange, 'id' | 'firstSeenAt' | 'lastSeenAt'>, now: Date): Promise<{ change: PendingChange; fresh: boolean }> {
    const key = this.keys.identityPending(change.target);
    const at = now.toISOString();
    const id = createHash('sha256').update(`${change.target}\n${change.kind}\n${change.new}`).digest('hex').slice(0, 12);
    const next: PendingChange = { ...change, id, firstSeenAt: at, lastSeenAt: at };
    if ((await this.redis.set(key, JSON.stringify(next), 'NX')) === 'OK') return { change: next, fresh: true };
    const was = await this.pending(change.target);
    if (was && was.id === id) {
      const seen = { ...was, lastSeenAt: at, observed: change.observed, ...(change.others ? { others: change.others } : {}) };
      await this.redis.set(key, JSON.stringify(seen), 'XX');
      return { change: seen, fresh: false };
    }
    // Another change was waiting: this newer one replaces it.
    await this.redis.set(key, JSON.stringify(next));
    return { change: next, fresh: true };
  }

  /**
   * Accept the waiting change `id`: it becomes the remembered identity. Undefined when it is not
   * waiting (any more): of two admins clicking at once, the one whose DEL removed it wins.
   */
  async accept(target: string, id: string, by: string, now: Date): Promise<PendingChange | undefined> {
    const change = await this.pending(target);
    if (!change || change.id !== id || change.against !== 'remembered') return undefined;
    if ((await this.redis.del(this.keys.identityPending(target))) === 0) return undefined;
    const current = await this.get(target);
    const at = now.toISOString();
    const next: ServerIdentity = { ...(current ?? {}), since: at, seenAt: at, ...(change.observed.ssh && change.kind === 'ssh' ? { ssh: change.observed.ssh } : {}), ...(change.observed.tls && change.kind === 'tls' ? { tls: change.observed.tls } : {}) };
    await this.put(target, next);
    await this.addHistory(target, { at, kind: 'accepted', by, text: `accepted ${change.new} (was ${change.old})` });
    return change;
  }

  async markSuspicious(target: string, id: string, by: string, now: Date): Promise<PendingChange | undefined> {
    const change = await this.pending(target);
    if (!change || change.id !== id) return undefined;
    await this.redis.set(this.keys.identityPending(target), JSON.stringify({ ...change, suspiciousBy: by }));
    await this.addHistory(target, { at: now.toISOString(), kind: 'suspicious', by, text: `treated ${change.new} as suspicious` });
    return change;
  }

  /** Drop a waiting change that no longer applies (the server presents the old identity again). */
  async clearPending(target: string): Promise<void> {
    await this.redis.del(this.keys.identityPending(target));
  }

  async addHistory(target: string, event: IdentityEvent): Promise<void> {
    const key = this.keys.identityHistory(target);
    await this.redis.multi().lpush(key, JSON.stringify(event)).ltrim(key, 0, HISTORY_LENGTH - 1).exec();
  }

  /** Newest first. */
  async history(target: string, count = 20): Promise<IdentityEvent[]> {
    const raw = await this.redis.lrange(this.keys.identityHistory(target), 0, count - 1);
    return raw.flatMap((r) => parse<IdentityEvent>(r) ?? []);
  }

  async notify(notice: IdentityNotice): Promise<void> {
    await this.redis.rpush(this.keys.identityOutbox(), JSON.stringify(notice));
  }

  /** Up to `max` notices, each taken by exactly one caller. */
  async takeNotices(max: number): Promise<IdentityNotice[]> {
    const raw = (await this.redis.lpop(this.keys.identityOutbox(), max)) ?? [];
    return raw.flatMap((r) => parse<IdentityNotice>(r) ?? []);
  }

  async returnNotices(notices: IdentityNotice[]): Promise<void> {
    if (notices.length) await this.redis.lpush(this.keys.identityOutbox(), ...notices.reverse().map((n) => JSON.stringify(n)));
  }
}

function parse<T>(raw: string | null | undefined): T | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}
