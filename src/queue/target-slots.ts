// A per-target cap on concurrent checks across every worker: the bot must never be the cause of the
// 421 "too many connections" it diagnoses. BullMQ's group limits are a Pro feature, so this is a
// small counting semaphore in Redis: one sorted set per target (`<prefix>:slots:<target>`), member =
// a holder id, score = when the holder's lease runs out (Redis server time, so workers' clocks do
// not matter). Acquiring drops expired holders first, so the slot of a worker killed mid-check
// frees itself after its lease; release removes the member and may be called any number of times.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisKeys } from './redis-keys.js';

/** What the check worker needs; TargetSlots is the Redis one. */
export interface TargetSlotGate {
  /** Wait for a slot of `target`; resolves with the holder id to release. Throws SlotWaitTimeout. */
  acquire(target: string, options: { leaseMs: number; waitMs: number }): Promise<string>;
  /** Give the slot back. Idempotent; a lease that already ran out is a no-op. */
  release(target: string, holder: string): Promise<void>;
}

/** At most this many checks of one target run at once unless the cap function says otherwise. */
export const DEFAULT_TARGET_CAP = 2;

/** No slot came free before the deadline. The message is meant for people. */
export class SlotWaitTimeout extends Error {
  constructor(
    readonly target: string,
    readonly cap: number,
    readonly waitedMs: number,
  ) {
    super(
      `gave up after waiting ${waitedMs < 10_000 ? (waitedMs / 1000).toFixed(1) : Math.round(waitedMs / 1000)} s: ${cap} check${cap === 1 ? '' : 's'} of '${target}' already running ` +
        `(at most ${cap} at once, so that the checks themselves cannot cause 421 too many connections)`,
    );
    this.name = 'SlotWaitTimeout';
  }
}

export interface TargetSlotsOptions {
  /** Per-target cap; anything but a positive whole number reads as DEFAULT_TARGET_CAP. */
  cap?: (target: string) => number;
  /** Poll backoff bounds while waiting (each wait is jittered between them). */
  pollMinMs?: number;
  pollMaxMs?: number;
}

// KEYS[1] the target's set; ARGV: holder, cap, leaseMs. Returns {1 = acquired / 0 = full, holders}.
// Server time via TIME is fine in a script that writes afterwards (effect replication, Redis ≥ 5).
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local n = redis.call('ZCARD', KEYS[1])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false then
  if n >= tonumber(ARGV[2]) then return {0, n} end
  n = n + 1
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end
return {1, n}
`;

type AcquireCommand = (key: string, holder: string, cap: number, leaseMs: number) => Promise<[number, number]>;

export class TargetSlots implements TargetSlotGate {
  private readonly cap: (target: string) => number;
  private readonly pollMinMs: number;
  private readonly pollMaxMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    options: TargetSlotsOptions = {},
  ) {
    this.cap = options.cap ?? (() => DEFAULT_TARGET_CAP);
    this.pollMinMs = options.pollMinMs ?? 50;
    this.pollMaxMs = Math.max(this.pollMinMs, options.pollMaxMs ?? 200);
    const r = redis as Redis & { ftpopsSlotAcquire?: AcquireCommand };
    if (!r.ftpopsSlotAcquire) redis.defineCommand('ftpopsSlotAcquire', { numberOfKeys: 1, lua: ACQUIRE });
  }

  /** The set of a target's holders. The prefix may carry a {hash tag}; one key per call either way. */
  key(target: string): string {
    return new RedisKeys(this.prefix).slots(target);
  }

  capOf(target: string): number {
    const cap = this.cap(target);
    return Number.isInteger(cap) && cap > 0 ? cap : DEFAULT_TARGET_CAP;
  }

  /** One attempt: true when `holder` now holds a slot (again: retrying with the same id extends it). */
  async tryAcquire(target: string, holder: string, leaseMs: number): Promise<boolean> {
    const run = (this.redis as Redis & { ftpopsSlotAcquire: AcquireCommand }).ftpopsSlotAcquire;
    const [ok] = await run.call(this.redis, this.key(target), holder, this.capOf(target), Math.max(1, Math.round(leaseMs)));
    return ok === 1;
  }

  async acquire(target: string, options: { leaseMs: number; waitMs: number }): Promise<string> {
    const holder = randomUUID();
    const started = Date.now();
    const deadline = started + Math.max(0, options.waitMs);
    for (let attempt = 0; ; attempt++) {
      if (await this.tryAcquire(target, holder, options.leaseMs)) return holder;
      const left = deadline - Date.now();
      if (left <= 0) throw new SlotWaitTimeout(target, this.capOf(target), Date.now() - started);
      // Backoff grows from pollMinMs to pollMaxMs, jittered so that waiters on many workers spread out.
      const ceiling = Math.min(this.pollMaxMs, this.pollMinMs * 2 ** (attempt + 1));
      const pause = this.pollMinMs + Math.random() * (ceiling - this.pollMinMs);
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    }
  }

  async release(target: string, holder: string): Promise<void> {
    await this.redis.zrem(this.key(target), holder);
  }
}
