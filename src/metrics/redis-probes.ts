// What a process checks of Redis for readiness and the metrics: a PING round trip and the
// queue's job counts, on a fail-fast connection (a command never waits in memory for a
// reconnect, so a stopped Redis reads as "not ready" at once, and a restarted one as ready
// again within the reconnect delay).
import type { Redis } from 'ioredis';
import type { ReadinessCheck } from '../http/health.js';
import type { QueueCounts } from './metrics.js';

export async function pingMs(redis: Redis): Promise<number> {
  const started = performance.now();
  const answer = await redis.ping();
  if (answer !== 'PONG') throw new Error(`Redis answered ${String(answer).slice(0, 40)}`);
  return performance.now() - started;
}

export function redisReadiness(redis: Redis): ReadinessCheck {
  return { name: 'redis', check: async () => void (await pingMs(redis)) };
}

export function queueReadiness(counts: () => Promise<QueueCounts>): ReadinessCheck {
  return { name: 'queue', check: async () => void (await counts()) };
}
