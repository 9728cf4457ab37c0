// Per-target, per-class sliding windows in Redis: one hash per target and minute, counting
// attempts and failures per class and, for failures, per source and user. Events are summed in
// memory first, so a batch of thousands of log lines costs one round trip.
import type { Redis } from 'ioredis';
import { ALERT_CLASSES, type AlertClass, type CountedEvent } from './alert-classes.js';
import type { ClassCounts } from './window-evaluation.js';
import { RedisKeys } from '../queue/redis-keys.js';

const BUCKET_MS = 60_000;

export interface WindowSpan {
  windowMinutes: number;
  baselineMinutes: number;
}

export const DEFAULT_SPAN: WindowSpan = { windowMinutes: 5, baselineMinutes: 60 };

export interface WindowRead {
  window: Record<AlertClass, ClassCounts>;
  /** Mean failures per window-length over the baseline period before the window. */
  baselineFailures: Record<AlertClass, number>;
}

export class WindowStore {
  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly span: WindowSpan = DEFAULT_SPAN) {}

  private key(target: string, bucket: number): string {
    return new RedisKeys(this.prefix).window(target, bucket);
  }

  async record(target: string, events: readonly CountedEvent[], at: number): Promise<void> {
    if (!events.length) return;
    const fields = new Map<string, number>();
    const add = (field: string) => fields.set(field, (fields.get(field) ?? 0) + 1);
    for (const e of events) {
      add(`${e.class}:t`);
      if (!e.failed) continue;
      add(`${e.class}:f`);
      if (e.source) add(`${e.class}:s:${e.source}`);
      if (e.user) add(`${e.class}:u:${e.user}`);
    }
    const key = this.key(target, Math.floor(at / BUCKET_MS));
    const multi = this.redis.multi();
    for (const [field, n] of fields) multi.hincrby(key, field, n);
    multi.pexpire(key, (this.span.windowMinutes + this.span.baselineMinutes + 5) * BUCKET_MS);
    await multi.exec();
  }

  async read(target: string, now: number): Promise<WindowRead> {
    const current = Math.floor(now / BUCKET_MS);
    const count = this.span.windowMinutes + this.span.baselineMinutes;
    const pipeline = this.redis.pipeline();
    for (let i = 0; i < count; i++) pipeline.hgetall(this.key(target, current - i));
    const results = (await pipeline.exec()) ?? [];
    const window = emptyCounts();
    const baseline = emptyCounts();
    results.forEach(([, value], i) => {
      const into = i < this.span.windowMinutes ? window : baseline;
      addHash(into, (value ?? {}) as Record<string, string>);
    });
    const periods = this.span.baselineMinutes / this.span.windowMinutes;
    const baselineFailures = Object.fromEntries(ALERT_CLASSES.map((c) => [c, baseline[c].failed / periods])) as Record<AlertClass, number>;
    return { window, baselineFailures };
  }
}

function emptyCounts(): Record<AlertClass, ClassCounts> {
  return Object.fromEntries(ALERT_CLASSES.map((c) => [c, { total: 0, failed: 0, sources: {}, users: {} }])) as Record<AlertClass, ClassCounts>;
}

function addHash(into: Record<AlertClass, ClassCounts>, hash: Record<string, string>): void {
  for (const [field, raw] of Object.entries(hash)) {
    const n = Number(raw);
    const [cls, kind, ...rest] = field.split(':');
    const counts = into[cls as AlertClass];
    if (!counts) continue;
    if (kind === 't') counts.total += n;
    else if (kind === 'f') counts.failed += n;
    else if (kind === 's') counts.sources[rest.join(':')] = (counts.sources[rest.join(':')] ?? 0) + n;
    else if (kind === 'u') counts.users[rest.join(':')] = (counts.users[rest.join(':')] ?? 0) + n;
  }
}
