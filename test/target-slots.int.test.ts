// The per-target concurrency cap in real Redis: the semaphore itself from several connections, a
// killed holder's lease, idempotent release, a waiter's deadline, and the cap through two real
// BullMQ workers: twelve queued checks of one target never probe it more than twice at once,
// and a check of another target does not wait for them.
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { CHECK_JOB, CHECK_QUEUE, type CheckJobData, type CheckJobResult } from '../src/queue/check-job.js';
import { startCheckWorker } from '../src/queue/check-worker.js';
import { SlotWaitTimeout, TargetSlots } from '../src/queue/target-slots.js';
import { DEFAULT_STAGE_TIMEOUTS, type ProbeReport, type ProbeRequest, type StageListener } from '../src/probes/probe.js';

const URL = 'redis://127.0.0.1:6379';
const opened: Redis[] = [];
const prefixes: string[] = [];

function connection(): Redis {
  const r = new Redis(URL);
  opened.push(r);
  return r;
}

function uniquePrefix(): string {
  const prefix = `{ftpops-test-${randomBytes(4).toString('hex')}}`;
  prefixes.push(prefix);
  return prefix;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  const admin = new Redis(URL);
  for (const prefix of prefixes) {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
  }
  admin.disconnect();
  for (const r of opened) r.disconnect();
});

describe('target slots (Redis semaphore)', () => {
  it('cap 2: ten acquirers over three connections never hold more than 2 slots; all ten run', async () => {
    const prefix = uniquePrefix();
    const gates = [connection(), connection(), connection()].map((r) => new TargetSlots(r, prefix, { cap: (t) => (t === 'prod-ftp' ? 2 : 5) }));
    const sampler = connection();
    const key = gates[0]!.key('prod-ftp');
    let inside = 0;
    let maxInside = 0;
    let maxInRedis = 0;
    let sampling = true;
    const sampled = (async () => {
      while (sampling) {
        maxInRedis = Math.max(maxInRedis, await sampler.zcard(key));
        await sleep(2);
      }
    })();
    const ran: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const gate = gates[i % 3]!;
        const holder = await gate.acquire('prod-ftp', { leaseMs: 10_000, waitMs: 20_000 });
        inside++;
        maxInside = Math.max(maxInside, inside);
        await sleep(60 + Math.random() * 60);
        inside--;
        await gate.release('prod-ftp', holder);
        ran.push(i);
      }),
    );
    sampling = false;
    await sampled;
    expect(ran.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(maxInside).toBe(2);
    expect(maxInRedis).toBeLessThanOrEqual(2);
    expect(maxInRedis).toBeGreaterThan(0);
    expect(await sampler.exists(key)).toBe(0); // empty set: the key is gone
  });

  it('a holder that never releases (a killed worker) frees its slot when its lease runs out', async () => {
    const prefix = uniquePrefix();
    const killed = new TargetSlots(connection(), prefix, { cap: () => 1 });
    const other = connection();
    const survivor = new TargetSlots(other, prefix, { cap: () => 1 });
    await killed.acquire('t', { leaseMs: 400, waitMs: 0 });
    // While the lease runs, the slot is taken; the key expires no earlier than its holders.
    expect(await survivor.tryAcquire('t', 'probe', 10_000)).toBe(false);
    const pttl = await other.pttl(survivor.key('t'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(400);
    const started = Date.now();
    const holder = await survivor.acquire('t', { leaseMs: 10_000, waitMs: 5_000 });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(2_000);
    await survivor.release('t', holder);
  });

  it('release is idempotent and never frees somebody else’s slot', async () => {
    const prefix = uniquePrefix();
    const redis = connection();
    const slots = new TargetSlots(redis, prefix, { cap: () => 1 });
    await slots.release('never-held', 'nobody'); // no key at all: fine
    const a = await slots.acquire('t', { leaseMs: 10_000, waitMs: 0 });
    await slots.release('t', a);
    await slots.release('t', a);
    const b = await slots.acquire('t', { leaseMs: 10_000, waitMs: 0 });
    await slots.release('t', a); // A's late third release: B keeps the slot
    expect(await redis.zrange(slots.key('t'), 0, -1)).toEqual([b]);
    await expect(slots.acquire('t', { leaseMs: 10_000, waitMs: 0 })).rejects.toBeInstanceOf(SlotWaitTimeout);
    // Acquiring again with the same holder id (a retry after a lost reply) keeps one slot, not two.
    expect(await slots.tryAcquire('t', b, 10_000)).toBe(true);
    expect(await redis.zcard(slots.key('t'))).toBe(1);
    await slots.release('t', b);
    expect(await redis.exists(slots.key('t'))).toBe(0);
  });

  it('a waiter gives up at its deadline with a clear error', async () => {
    const prefix = uniquePrefix();
    const slots = new TargetSlots(connection(), prefix, { cap: () => 2 });
    await slots.acquire('partner-ftp', { leaseMs: 10_000, waitMs: 0 });
    await slots.acquire('partner-ftp', { leaseMs: 10_000, waitMs: 0 });
    const started = Date.now();
    const err = await slots.acquire('partner-ftp', { leaseMs: 10_000, waitMs: 400 }).catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect(err).toBeInstanceOf(SlotWaitTimeout);
    expect((err as Error).message).toMatch(/^gave up after waiting 0\.\d s: 2 checks of 'partner-ftp' already running \(at most 2 at once, .*421/);
    expect(waited).toBeGreaterThanOrEqual(390);
    expect(waited).toBeLessThan(1_500);
    // Another target has slots of its own.
    await slots.release('other', await slots.acquire('other', { leaseMs: 1_000, waitMs: 0 }));
  });
});

describe('target slots through the BullMQ check worker', () => {
  it('two workers × concurrency 4, 12 checks of one target: at most 2 at once; another target is not held up', async () => {
    const prefix = uniquePrefix();
    const running = new Map<string, number>();
    const maxRunning = new Map<string, number>();
    const spans: Array<{ target: string; start: number; end: number }> = [];
    // Our ProbeEngine interface, faked: records concurrent runs per target and sleeps 200 ms.
    const engine = {
      async run(req: ProbeRequest, onStage?: StageListener): Promise<ProbeReport> {
        const start = Date.now();
        const now = (running.get(req.target) ?? 0) + 1;
        running.set(req.target, now);
        maxRunning.set(req.target, Math.max(maxRunning.get(req.target) ?? 0, now));
        onStage?.({ name: 'connect', status: 'ok', durationMs: 1 });
        await sleep(200);
        running.set(req.target, running.get(req.target)! - 1);
        spans.push({ target: req.target, start, end: Date.now() });
        return { target: req.target, url: `ftp://${req.host}:${req.port}`, protocol: req.protocol, ok: true, startedAt: new Date(start).toISOString(), durationMs: 200, stages: [], finding: null, warnings: [], facts: { host: req.host, port: req.port } };
      },
    };
    const resolveRequest = (target: string): ProbeRequest => ({ target, protocol: 'ftp', host: '127.0.0.1', port: 21, write: false, insecure: false, timeoutMs: 10_000, stageTimeouts: DEFAULT_STAGE_TIMEOUTS });
    const workers = [0, 1].map(() =>
      startCheckWorker({
        redis: { url: URL, prefix },
        engine,
        resolveRequest,
        concurrency: 4,
        lockMs: 30_000,
        targetSlots: new TargetSlots(connection(), prefix, { cap: () => 2 }),
      }),
    );
    const queueRedis = connection();
    const queue = new Queue<CheckJobData, CheckJobResult>(CHECK_QUEUE, { connection: queueRedis, prefix });
    try {
      await Promise.all(workers.map((w) => w.waitUntilReady()));
      for (let i = 0; i < 12; i++) await queue.add(CHECK_JOB, { target: 'busy-ftp' }, { jobId: `busy-${i}` });
      await queue.add(CHECK_JOB, { target: 'other-ftp' }, { jobId: 'other-0' });
      const deadline = Date.now() + 20_000;
      while ((await queue.getJobCounts('completed')).completed! < 13) {
        if (Date.now() > deadline) throw new Error(`not done: ${JSON.stringify(await queue.getJobCounts())}`);
        await sleep(50);
      }
      const results = await Promise.all(Array.from({ length: 12 }, async (_, i) => (await queue.getJob(`busy-${i}`))!.returnvalue));
      expect(results.every((r) => r.kind === 'report')).toBe(true);
      expect(spans.filter((s) => s.target === 'busy-ftp')).toHaveLength(12);
      expect(maxRunning.get('busy-ftp')).toBe(2);
      // The other target's check ran while busy-ftp still had checks queued or running.
      const other = spans.find((s) => s.target === 'other-ftp')!;
      const busyEnd = Math.max(...spans.filter((s) => s.target === 'busy-ftp').map((s) => s.end));
      expect(other.end).toBeLessThan(busyEnd);
      // 12 checks, 2 at a time, 200 ms each: at least 6 rounds.
      const busyStart = Math.min(...spans.filter((s) => s.target === 'busy-ftp').map((s) => s.start));
      expect(busyEnd - busyStart).toBeGreaterThanOrEqual(1_150);
      expect(await queueRedis.exists(`${prefix}:slots:busy-ftp`)).toBe(0);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    }
  });

  it('a check that cannot get a slot in time ends as an error result, without probing', async () => {
    const prefix = uniquePrefix();
    const held = new TargetSlots(connection(), prefix, { cap: () => 1 });
    await held.acquire('stuck-ftp', { leaseMs: 30_000, waitMs: 0 });
    let probed = 0;
    const worker = startCheckWorker({
      redis: { url: URL, prefix },
      engine: { run: async () => { probed++; throw new Error('must not run'); } },
      resolveRequest: (target) => ({ target, protocol: 'ftp', host: '127.0.0.1', port: 21, write: false, insecure: false, timeoutMs: 10_000, stageTimeouts: DEFAULT_STAGE_TIMEOUTS }),
      concurrency: 1,
      lockMs: 30_000,
      targetSlots: new TargetSlots(connection(), prefix, { cap: () => 1 }),
      slotWaitMs: 300,
    });
    const queue = new Queue<CheckJobData, CheckJobResult>(CHECK_QUEUE, { connection: connection(), prefix });
    try {
      await worker.waitUntilReady();
      await queue.add(CHECK_JOB, { target: 'stuck-ftp' }, { jobId: 'stuck-0' });
      const deadline = Date.now() + 10_000;
      while ((await queue.getJobCounts('completed')).completed! < 1) {
        if (Date.now() > deadline) throw new Error(`not done: ${JSON.stringify(await queue.getJobCounts())}`);
        await sleep(50);
      }
      const result = (await queue.getJob('stuck-0'))!.returnvalue;
      expect(result).toEqual({ kind: 'error', message: expect.stringMatching(/^gave up after waiting 0\.\d s: 1 check of 'stuck-ftp' already running/) });
      expect(probed).toBe(0);
    } finally {
      await worker.close();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    }
  });
});
