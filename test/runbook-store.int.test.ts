// Runbook sessions in real Redis: a double click from two bot replicas makes one transition,
// and a new store (a restarted bot) continues the same session.
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadRunbooks } from '../src/runbooks/runbook.js';
import { actionsFor, type RunbookAction, StaleActionError, startSession } from '../src/runbooks/runbook-session.js';
import { RunbookStore } from '../src/runbooks/runbook-store.js';

const runbook = loadRunbooks([fileURLToPath(new URL('../src/knowledge/runbooks', import.meta.url))]).get('too-many-connections')!;
const prefix = `{ftpops-test-${randomBytes(4).toString('hex')}}`;
const connections = [new Redis('redis://127.0.0.1:6379'), new Redis('redis://127.0.0.1:6379')];

afterAll(async () => {
  const keys = await connections[0]!.keys(`${prefix}*`);
  if (keys.length) await connections[0]!.del(...keys);
  for (const c of connections) c.disconnect();
});

describe('runbook sessions in Redis', () => {
  it('a double click across two replicas is one transition; a restarted bot continues', async () => {
    const [a, b] = connections.map((c) => new RunbookStore(c, prefix));
    const session = startSession(runbook, 'prod-ftp', 0);
    await a!.create('s1', session);
    expect(actionsFor(runbook, session)[0]).toBe('run-check');
    const action: RunbookAction = { type: 'run-check', plan: { rounds: 1, quietMs: 0 } };
    const results = await Promise.allSettled([a!.act('s1', runbook, action, 'U1', 1, session.version), b!.act('s1', runbook, action, 'U2', 1, session.version)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(StaleActionError);
    const restarted = new RunbookStore(new Redis('redis://127.0.0.1:6379'), prefix);
    const stored = await restarted.get('s1');
    expect(stored?.records).toHaveLength(1);
    expect(stored?.version).toBe(2);
    (restarted as unknown as { redis: Redis }).redis.disconnect();
  });
});
