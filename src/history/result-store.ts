// Where finished checks are kept, by time rather than by count:
// - raw results for 48 h (a sorted set per target scored by the check's start time), for the
//   24 h status, the runbooks' "did it fail since" and the recent ✓✗ line;
// - one hourly rollup per target and hour, kept 400 days: checks, passes, failures by finding
//   code, and fixed-bucket histograms of the check and per-stage times (latency-histogram.ts),
//   so availability and p50/p95 over any range are sums of rollups.
//
// Memory per target is bounded (measured in BENCHMARKS.md, `bench:scale`):
// - raw: at most RAW_MAX_ENTRIES results (48 h at a 30 s interval), each ≈ 250–280 bytes in
//   Redis (≈ 0.8 MB at 1 min); at intervals under 30 s the raw results cover less than 48 h
//   (status says what it covers);
// - rollups: at most 24 × 400 = 9,600 small hashes (HINCRBY counters, typically 8–20 fields,
//   ≈ 220–360 bytes each with key and expiry: 2–3.5 MB), each expiring 400 days after its hour.
// Written with HINCRBY in one MULTI with the raw result: any number of workers may record the
// same target at once without losing a count.
import type { Redis } from 'ioredis';
import { RedisKeys } from '../queue/redis-keys.js';
import { bucketOf, type Histogram } from './latency-histogram.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** Raw results are kept this long… */
export const RAW_RETENTION_MS = 48 * HOUR_MS;
/** …and never more than this many per target (48 h at a 30 s interval). */
export const RAW_MAX_ENTRIES = RAW_RETENTION_MS / 30_000;
/** Hourly rollups are kept this long. */
export const ROLLUP_RETENTION_MS = 400 * DAY_MS;

/** One finished check as kept in the raw history. */
export interface HistoryEntry {
  at: string;
  ok: boolean;
  code: string | null;
  durationMs: number;
  /** Stages that passed, and their time (ms). */
  stages: Record<string, number>;
}

/** One target's hour, summed. */
export interface HourRollup {
  hourStart: number;
  checks: number;
  passes: number;
  /** Failed checks by finding code. */
  failures: Record<string, number>;
  /** Whole-check time of passing checks. */
  total: Histogram;
  /** Per-stage time of passing checks. */
  stages: Record<string, Histogram>;
}

export class ResultStore {
  private readonly keys: RedisKeys;

  constructor(private readonly redis: Redis, prefix: string) {
    this.keys = new RedisKeys(prefix);
  }

  /** Keep one result: raw (trimmed to 48 h and RAW_MAX_ENTRIES) and in its hour's rollup. */
  async add(target: string, entry: HistoryEntry): Promise<void> {
    const at = Date.parse(entry.at);
    const hourStart = Math.floor(at / HOUR_MS) * HOUR_MS;
    const raw = this.keys.results(target);
    const rollup = this.keys.rollup(target, hourStart);
    const multi = this.redis
      .multi()
      .zadd(raw, at, JSON.stringify(entry))
      .zremrangebyscore(raw, '-inf', `(${at - RAW_RETENTION_MS}`)
      .zremrangebyrank(raw, 0, -(RAW_MAX_ENTRIES + 1))
      // Raw results of a target that stops being checked go too, after 48 h.
      .pexpire(raw, RAW_RETENTION_MS)
      .setnx(this.keys.firstCheck(target), String(at))
      .hincrby(rollup, 'n', 1);
    if (entry.ok) {
      multi.hincrby(rollup, 'ok', 1).hincrby(rollup, `t:${bucketOf(entry.durationMs)}`, 1);
      for (const [stage, ms] of Object.entries(entry.stages)) multi.hincrby(rollup, `s:${stage}:${bucketOf(ms)}`, 1);
    } else {
      multi.hincrby(rollup, `f:${entry.code ?? 'unknown'}`, 1);
    }
    multi.pexpireat(rollup, hourStart + HOUR_MS + ROLLUP_RETENTION_MS);
    await multi.exec();
  }

  /** The newest `max` raw results, newest first. */
  async latest(target: string, max: number): Promise<HistoryEntry[]> {
    return parse(await this.redis.zrevrange(this.keys.results(target), 0, max - 1));
  }

  /** Raw results since `from` (ms, inclusive), newest first. */
  async since(target: string, from: number): Promise<HistoryEntry[]> {
    return parse(await this.redis.zrevrangebyscore(this.keys.results(target), '+inf', from));
  }

  /** When the target was first checked (ms), if ever. */
  async firstCheckAt(target: string): Promise<number | undefined> {
    const raw = await this.redis.get(this.keys.firstCheck(target));
    return raw ? Number(raw) : undefined;
  }

  /** The hourly rollups of [from, to), oldest first; hours without checks are left out. */
  async rollups(target: string, from: number, to: number): Promise<HourRollup[]> {
    const hours: number[] = [];
    for (let h = Math.floor(from / HOUR_MS) * HOUR_MS; h < to; h += HOUR_MS) hours.push(h);
    const out: HourRollup[] = [];
    // 90 days are 2,160 hours: read them in pipelined slices, not one round trip each.
    for (let i = 0; i < hours.length; i += 500) {
      const slice = hours.slice(i, i + 500);
      const pipeline = this.redis.pipeline();
      for (const h of slice) pipeline.hgetall(this.keys.rollup(target, h));
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([err, fields], n) => {
        if (!err && fields && Object.keys(fields).length) out.push(rollupOf(slice[n]!, fields as Record<string, string>));
      });
    }
    return out;
  }
}

/** A rollup hash (n, ok, f:<code>, t:<bucket>, s:<stage>:<bucket>) → its meaning. */
export function rollupOf(hourStart: number, fields: Record<string, string>): HourRollup {
  const r: HourRollup = { hourStart, checks: Number(fields.n ?? 0), passes: Number(fields.ok ?? 0), failures: {}, total: {}, stages: {} };
  for (const [field, value] of Object.entries(fields)) {
    const count = Number(value);
    if (field.startsWith('f:')) r.failures[field.slice(2)] = count;
    else if (field.startsWith('t:')) r.total[Number(field.slice(2))] = count;
    else if (field.startsWith('s:')) {
      const cut = field.lastIndexOf(':');
      const stage = field.slice(2, cut);
      (r.stages[stage] ??= {})[Number(field.slice(cut + 1))] = count;
    }
  }
  return r;
}

function parse(raw: string[]): HistoryEntry[] {
  return raw.map((json) => JSON.parse(json) as HistoryEntry);
}
