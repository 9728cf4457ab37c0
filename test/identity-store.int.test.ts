// The identity store on the real Redis: a change seen by two checks at once is posted once, with
// the id its buttons carry; of two admins accepting at once, one wins; history keeps who and when.
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { IdentityStore } from '../src/identity/identity-store.js';
import { uniquePrefix } from './support/bot-process.js';

const redis = new Redis('redis://127.0.0.1:6379');
const prefix = uniquePrefix();
const store = new IdentityStore(redis, prefix);
const now = new Date('2026-12-02T06:00:00.000Z');
const change = (fp: string) => ({ target: 't1', kind: 'ssh' as const, against: 'remembered' as const, old: 'ssh-ed25519 SHA256:old', new: `ssh-ed25519 ${fp}`, what: 'same key type, new key', observed: { ssh: { presented: { type: 'ssh-ed25519', fingerprint: fp }, hostKeys: [{ type: 'ssh-ed25519', fingerprint: fp }] } } });

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('IdentityStore', () => {
  it('five checks seeing the same change at once: one is fresh, all name the same id', async () => {
    const seen = await Promise.all(Array.from({ length: 5 }, () => store.sawChange(change('SHA256:new1'), now)));
    expect(seen.filter((s) => s.fresh)).toHaveLength(1);
    expect(new Set(seen.map((s) => s.change.id)).size).toBe(1);
    expect((await store.pending('t1'))?.id).toBe(seen[0]!.change.id);
  });

  it('a newer change replaces the waiting one and is fresh again', async () => {
    const first = (await store.pending('t1'))!;
    const next = await store.sawChange(change('SHA256:new2'), new Date(now.getTime() + 60_000));
    expect(next.fresh).toBe(true);
    expect(next.change.id).not.toBe(first.id);
  });

  it('two admins accepting at once: one wins, the remembered key is the new one, history says who', async () => {
    const id = (await store.pending('t1'))!.id;
    const results = await Promise.all([store.accept('t1', id, 'U0ANN', now), store.accept('t1', id, 'U0BOB', now)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await store.get('t1'))?.ssh?.presented.fingerprint).toBe('SHA256:new2');
    expect(await store.pending('t1')).toBeUndefined();
    const accepted = (await store.history('t1')).filter((e) => e.kind === 'accepted');
    expect(accepted).toHaveLength(1);
    expect(['U0ANN', 'U0BOB']).toContain(accepted[0]!.by);
  });

  it('a change against a pin in the config file cannot be accepted here', async () => {
    const { change: pinned } = await store.sawChange({ ...change('SHA256:new3'), against: 'pin' }, now);
    expect(await store.accept('t1', pinned.id, 'U0ANN', now)).toBeUndefined();
    expect((await store.pending('t1'))?.id).toBe(pinned.id);
  });
});
