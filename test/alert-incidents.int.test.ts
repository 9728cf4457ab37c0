// Several evaluators (bot replicas) applying the same evaluations at once: each transition
// happens once, and each effect lands in the outbox once.
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { IncidentStore } from '../src/alerts/incidents.js';
import type { Evaluation } from '../src/alerts/alert-machine.js';
import { CheckResults } from '../src/alerts/check-results.js';
import type { ProbeReport } from '../src/probes/probe.js';

const prefix = `{ftpops-test-${randomBytes(4).toString('hex')}}`;
// One connection per replica: WATCH is per connection.
const replicas = Array.from({ length: 3 }, () => new Redis('redis://127.0.0.1:6379'));
const stores = replicas.map((r) => new IncidentStore(r, prefix));
const policy = { fireAfter: 2, resolveAfter: 3, remindEveryMs: 0 };

afterAll(async () => {
  const keys = await replicas[0]!.keys(`${prefix}*`);
  if (keys.length) await replicas[0]!.del(...keys);
  for (const r of replicas) r.disconnect();
});

describe('incidents across replicas', () => {
  it('one open and one resolve, however many replicas apply each slot', async () => {
    const breaches: Array<Evaluation['breach']> = ['warning', 'warning', 'critical', null, null, null];
    const committed: string[] = [];
    for (const [slot, breach] of breaches.entries()) {
      const evaluation: Evaluation = { at: slot * 60_000, breach, detail: `slot ${slot}` };
      const results = await Promise.all(stores.map((s) => s.apply('site-a', 'auth', 'logs', evaluation, slot, policy)));
      // Exactly one replica commits each slot's effects.
      expect(results.filter((r) => r.length > 0).length).toBeLessThanOrEqual(1);
      committed.push(...results.flat().map((e) => e.effect.type));
    }
    expect(committed).toEqual(['open', 'escalate', 'resolve']);
    const outbox = await stores[0]!.takeEffects();
    expect(outbox.map((e) => e.effect.type)).toEqual(['open', 'escalate', 'resolve']);
    expect(new Set(outbox.map((e) => e.id)).size).toBe(3);
    expect(await stores[1]!.takeEffects()).toEqual([]);
  });

  it('state survives a "restart": a new store on a new connection continues where the old left', async () => {
    await stores[0]!.apply('site-b', 'capacity', 'logs', { at: 0, breach: 'warning', detail: 'a' }, 1, policy);
    const connection = new Redis('redis://127.0.0.1:6379');
    replicas.push(connection);
    const fresh = new IncidentStore(connection, prefix);
    const effects = await fresh.apply('site-b', 'capacity', 'logs', { at: 60_000, breach: 'warning', detail: 'b' }, 2, policy);
    expect(effects.map((e) => e.effect.type)).toEqual(['open']);
    expect((await fresh.state('site-b', 'capacity')).status).toBe('firing');
  });

  it('flapping evaluations in Redis: one open, no spam, no early resolve', async () => {
    const effects: string[] = [];
    for (let slot = 0; slot < 30; slot++) {
      const breach = slot % 3 === 2 ? null : 'warning';
      const results = await Promise.all(stores.map((s) => s.apply('site-c', 'reset', 'logs', { at: slot * 1000, breach, detail: 'same' }, slot, policy)));
      effects.push(...results.flat().map((e) => e.effect.type));
    }
    expect(effects).toEqual(['open']);
  });

  it('a passing check with a certificate a week from expiry opens a critical cert_expiry alert at once', async () => {
    const connection = new Redis('redis://127.0.0.1:6379');
    replicas.push(connection);
    const results = new CheckResults(connection, prefix, new IncidentStore(connection, prefix), () => policy);
    const report = (daysLeft: number, connectMs: number): ProbeReport => ({
      target: 'site-d', url: 'ftpes://h:21', protocol: 'ftpes', ok: true, startedAt: new Date(Date.UTC(2026, 10, 22, 12, 0, 10 - daysLeft)).toISOString(), durationMs: 50,
      stages: [{ name: 'connect', status: 'ok', durationMs: connectMs }], finding: null, warnings: [],
      facts: { tls: { daysLeft, validTo: '2026-11-29T00:00:00.000Z' } },
    });
    const first = await results.record(report(6, 20));
    expect(first.map((e) => [e.class, e.effect.type])).toEqual([['cert_expiry', 'open']]);
    expect(first[0]!.effect).toMatchObject({ severity: 'critical', detail: 'certificate expires in 6 days (2026-11-29)' });
    const slow = await results.record(report(5, 3_500));
    expect(slow.map((e) => e.class)).not.toContain('latency'); // a warning waits for a second slow check
    const slower = await results.record(report(4, 3_600));
    expect(slower.map((e) => [e.class, e.effect.type])).toContainEqual(['latency', 'open']);
    expect((await results.history('site-d')).length).toBe(3);
  });
});
