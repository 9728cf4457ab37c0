// Redis connections for the queue. Bot and workers talk only through Redis (BullMQ over ioredis).
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisSettings {
  url: string;
  /** Key prefix of every queue key. On Redis Cluster wrap it in braces ("{ftpops}") so that all
   * of a queue's keys hash to one slot, as BullMQ's Lua scripts require. */
  prefix: string;
}

export function redisSettings(env: NodeJS.ProcessEnv = process.env): RedisSettings {
  return { url: env.REDIS_URL || 'redis://127.0.0.1:6379', prefix: env.FTPOPS_QUEUE_PREFIX || 'ftpops' };
}

/**
 * `blocking`: for BullMQ Workers and QueueEvents, which must wait forever (maxRetriesPerRequest null).
 * `command`: for the bot's adds and lookups, which must fail fast when Redis is away instead of
 * queueing commands in memory, so the person who asked hears about it within Slack's 3 s.
 */
export function createRedis(url: string, kind: 'blocking' | 'command'): Redis {
  const options: RedisOptions =
    kind === 'blocking'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 };
  const redis = new Redis(url, { ...options, retryStrategy: (times) => Math.min(times * 200, 2_000), lazyConnect: false });
  // Connection errors are reported where a command fails; an unhandled 'error' would crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/** The URL as shown to people: never with a password. */
export function describeRedisUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_m, auth: string) => (auth.includes(':') ? '//***@' : `//${auth}@`));
}

/**
 * Wait (briefly) until a fail-fast connection is usable: a command connection refuses commands
 * while it is still connecting, which must not read as "Redis unreachable" right after start-up
 * or a reconnect.
 */
export function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`not connected after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
