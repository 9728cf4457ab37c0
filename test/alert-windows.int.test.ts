// Windows in real Redis, evaluated against the thresholds of shared DOMAIN.md §4.
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { WindowStore } from '../src/alerts/windows.js';
import { DEFAULT_THRESHOLDS, evaluateClass, shapeOf } from '../src/alerts/window-evaluation.js';
import type { CountedEvent } from '../src/alerts/alert-classes.js';

const redis = new Redis('redis://127.0.0.1:6379');
const prefix = `{ftpops-test-${randomBytes(4).toString('hex')}}`;
const store = new WindowStore(redis, prefix);
const NOW = Date.UTC(2026, 10, 22, 12, 0, 30);

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const login = (failed: boolean, user: string, source: string): CountedEvent => ({ class: 'auth', failed, user, source });

describe('windows', () => {
  it('counts a 530 burst from one address as brute force, critical against a quiet baseline', async () => {
    // A quiet hour: a few good logins a minute, one typo now and then.
    for (let m = 10; m < 60; m += 5) {
      await store.record('site-a', [login(true, 'alice', '198.51.100.7'), ...Array.from({ length: 20 }, () => login(false, 'alice', '198.51.100.7'))], NOW - m * 60_000);
    }
    // Now: 40 failures from one address over many user names.
    const burst = Array.from({ length: 40 }, (_, i) => login(true, `user${i % 8}`, '203.0.113.5'));
    await store.record('site-a', [...burst, ...Array.from({ length: 10 }, () => login(false, 'alice', '198.51.100.7'))], NOW);
    const { window, baselineFailures } = await store.read('site-a', NOW);
    expect(window.auth).toMatchObject({ total: 50, failed: 40 });
    expect(window.auth.sources['203.0.113.5']).toBe(40);
    expect(shapeOf(window.auth)).toBe('brute_force');
    const evaluation = evaluateClass('auth', window.auth, baselineFailures.auth, DEFAULT_THRESHOLDS, NOW);
    expect(evaluation.breach).toBe('critical');
    expect(evaluation.detail).toMatch(/40 failed logins from 203\.0\.113\.5/);
    expect(evaluation.detail).toMatch(/brute force/);
  });

  it('one user failing from its partners\' addresses reads as a changed credential', async () => {
    const events = ['192.0.2.1', '192.0.2.2', '192.0.2.3'].flatMap((source) => [login(true, 'acme-sync', source), login(true, 'acme-sync', source)]);
    await store.record('site-b', events, NOW);
    const { window } = await store.read('site-b', NOW);
    expect(shapeOf(window.auth)).toBe('credential_change');
  });

  it('stays quiet within thresholds and keeps targets apart', async () => {
    await store.record('site-c', [login(true, 'bob', '192.0.2.9'), ...Array.from({ length: 99 }, () => login(false, 'bob', '192.0.2.9'))], NOW);
    const { window, baselineFailures } = await store.read('site-c', NOW);
    expect(evaluateClass('auth', window.auth, baselineFailures.auth, DEFAULT_THRESHOLDS, NOW).breach).toBeNull();
    expect((await store.read('site-d', NOW)).window.auth.total).toBe(0);
  });

  it('flags resets above 0.5 % of attempts', async () => {
    const resets: CountedEvent[] = [...Array.from({ length: 4 }, () => ({ class: 'reset' as const, failed: true })), ...Array.from({ length: 296 }, () => ({ class: 'reset' as const, failed: false }))];
    await store.record('site-e', resets, NOW);
    const { window, baselineFailures } = await store.read('site-e', NOW);
    expect(evaluateClass('reset', window.reset, baselineFailures.reset, DEFAULT_THRESHOLDS, NOW).breach).toBe('warning');
  });
});
