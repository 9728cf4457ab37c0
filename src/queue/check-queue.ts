// The bot side of the queue: adds check jobs (one shared run per target while one is in flight)
// and hears their progress and results.
import { Queue, QueueEvents } from 'bullmq';
import { CHECK_JOB, CHECK_QUEUE, type CheckJobData, type CheckJobResult, type CheckProgress } from './check-job.js';
import type { Redis } from 'ioredis';
import { createRedis, describeRedisUrl, type RedisSettings, whenReady } from './redis-connection.js';

/** Redis could not take the job; the message is meant for people. */
export class QueueUnavailableError extends Error {}

export interface CheckEvents {
  onProgress(jobId: string, progress: CheckProgress): void;
  onFinished(jobId: string, result: CheckJobResult): void;
}

const ADD_TIMEOUT_MS = 1_500;

export class CheckQueue {
  private readonly queue: Queue<CheckJobData, CheckJobResult>;
  private readonly connection: Redis;
  private events: QueueEvents | undefined;

  constructor(private readonly settings: RedisSettings) {
    this.connection = createRedis(settings.url, 'command');
    this.queue = new Queue(CHECK_QUEUE, { connection: this.connection, prefix: settings.prefix });
    this.queue.on('error', () => undefined);
  }

  /**
   * Queue a check of `target`, or join the run already waiting or active for it
   * (BullMQ deduplication, simple mode). Resolves with the job id.
   */
  async enqueue(target: string, variant: Pick<CheckJobData, 'protocol'> = {}): Promise<string> {
    const started = Date.now();
    try {
      await whenReady(this.connection, ADD_TIMEOUT_MS);
    } catch (err) {
      throw this.unavailable(err);
    }
    const data: CheckJobData = variant.protocol ? { target, protocol: variant.protocol } : { target };
    const add = this.queue.add(CHECK_JOB, data, {
      deduplication: { id: `check-${target}${variant.protocol ? `-as-${variant.protocol}` : ''}` },
      removeOnComplete: { age: 3_600, count: 1_000 },
      removeOnFail: { age: 24 * 3_600 },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer')), Math.max(200, ADD_TIMEOUT_MS - (Date.now() - started)));
    });
    try {
      const job = await Promise.race([add, timeout]);
      if (!job.id) throw new Error('no job id');
      return job.id;
    } catch (err) {
      add.catch(() => undefined);
      throw this.unavailable(err);
    } finally {
      clearTimeout(timer);
    }
  }

  private unavailable(err: unknown): QueueUnavailableError {
    return new QueueUnavailableError(`cannot queue the check: Redis unreachable at ${describeRedisUrl(this.settings.url)} (${(err as Error).message})`);
  }

  /**
   * One BullMQ job scheduler per target with an interval: a check per interval, however many
   * bots and workers run (upserting the same scheduler id is idempotent). Schedulers of targets
   * that no longer have an interval are removed.
   */
  async syncSchedules(intervals: Map<string, number>): Promise<void> {
    await whenReady(this.connection, 5_000);
    for (const [target, every] of intervals) {
      await this.queue.upsertJobScheduler(`schedule-${target}`, { every, offset: spreadOffset(target, every) }, { name: CHECK_JOB, data: { target, scheduled: true }, opts: SCHEDULED_JOB_OPTS });
    }
    for (const scheduler of await this.queue.getJobSchedulers()) {
      const target = scheduler.key.replace(/^schedule-/, '');
      if (!intervals.has(target)) await this.queue.removeJobScheduler(scheduler.key);
    }
  }

  /** Jobs by state, for the metrics and readiness (fails fast when Redis is away). */
  async counts(): Promise<{ waiting: number; active: number; failed: number; delayed: number }> {
    const c = await this.queue.getJobCounts('waiting', 'active', 'failed', 'delayed');
    return { waiting: c.waiting ?? 0, active: c.active ?? 0, failed: c.failed ?? 0, delayed: c.delayed ?? 0 };
  }

  /** The result of a finished job, or undefined while it is waiting or running (or gone). */
  async resultOf(jobId: string): Promise<{ state: string; result?: CheckJobResult; failedReason?: string }> {
    const job = await this.queue.getJob(jobId);
    if (!job) return { state: 'missing' };
    const state = await job.getState();
    if (state === 'completed') return { state, result: job.returnvalue };
    if (state === 'failed') return { state, failedReason: job.failedReason };
    return { state };
  }

  /** Subscribe to progress and results of every job (QueueEvents reads the queue's event stream). */
  listen(handlers: CheckEvents): void {
    const events = new QueueEvents(CHECK_QUEUE, { connection: createRedis(this.settings.url, 'blocking'), prefix: this.settings.prefix });
    events.on('error', () => undefined);
    events.on('progress', ({ jobId, data }) => handlers.onProgress(jobId, data as unknown as CheckProgress));
    events.on('completed', ({ jobId, returnvalue }) => handlers.onFinished(jobId, parseResult(returnvalue)));
    events.on('failed', ({ jobId, failedReason }) => handlers.onFinished(jobId, { kind: 'error', message: `the check failed on the worker: ${failedReason}` }));
    this.events = events;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events?.close(), this.queue.close()]);
  }
}

/**
 * A scheduled check's job is kept a while after it ends, not forever: BullMQ keeps finished jobs
 * unless told otherwise, which at 10,000 targets a minute is 14 million job hashes a day.
 */
const SCHEDULED_JOB_OPTS = { removeOnComplete: { age: 600, count: 1_000 }, removeOnFail: { age: 24 * 3_600, count: 1_000 } };

/**
 * Where in its interval a target's checks fall: a stable spread by name. Without it every
 * target with the same interval is due at the same instant (BullMQ aligns `every` to multiples
 * of it), and 1,000 targets at 1 min arrive as one burst a minute.
 */
export function spreadOffset(target: string, every: number): number {
  let hash = 2166136261;
  for (let i = 0; i < target.length; i++) hash = Math.imul(hash ^ target.charCodeAt(i), 16777619) >>> 0;
  return hash % every;
}

function parseResult(value: unknown): CheckJobResult {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  return parsed as CheckJobResult;
}
