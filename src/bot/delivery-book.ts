// Who is waiting for which check: one record per chat message that must end as a summary.
// Kept in Redis so that any bot replica (or this one after a restart) can finish the job, and
// claimed atomically (HDEL returns 1 to exactly one caller) so each message gets exactly one
// final answer however many bots hear the result.
import type { Redis } from 'ioredis';
import { whenReady } from '../queue/redis-connection.js';
import type { ChatPlatform } from './messages.js';
import { RedisKeys } from '../queue/redis-keys.js';

export interface Delivery {
  /** Unique per request: the chat message it will update. */
  id: string;
  platform: ChatPlatform;
  channel: string;
  /** The platform's id of the progress message (Slack: ts). */
  messageId: string;
  target: string;
  /** When the requester must have an answer, whatever the queue does (epoch ms). */
  deadlineAt: number;
  /** The answer goes to this runbook session's check step rather than to a summary message. */
  runbook?: { session: string; version: number };
  /** Probe as this protocol instead of the target's own (see CheckJobData.protocol). */
  protocol?: 'ftp';
}

const RETENTION_S = 24 * 3_600;

// KEYS: the job's deliveries hash, the pending set. ARGV: delivery id, job id.
const CLAIM_SCRIPT = `
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('ZREM', KEYS[2], ARGV[2]) end
return removed`;

export class DeliveryBook {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  private key(jobId: string): string {
    return new RedisKeys(this.prefix).deliveries(jobId);
  }

  private get pendingKey(): string {
    return new RedisKeys(this.prefix).deliveriesPending();
  }

  async add(jobId: string, delivery: Delivery): Promise<void> {
    await whenReady(this.redis, 2_000);
    await this.redis
      .multi()
      .hset(this.key(jobId), delivery.id, JSON.stringify(delivery))
      .expire(this.key(jobId), RETENTION_S)
      .zadd(this.pendingKey, delivery.deadlineAt, jobId)
      .exec();
  }

  async list(jobId: string): Promise<Delivery[]> {
    const all = await this.redis.hgetall(this.key(jobId));
    return Object.values(all).map((json) => JSON.parse(json) as Delivery);
  }

  /**
   * True for exactly one caller per delivery. One script, so that a delivery added for the same
   * job at that moment cannot lose its place in the pending set (which the sweeper reads).
   */
  async claim(jobId: string, deliveryId: string): Promise<boolean> {
    const removed = await this.redis.eval(CLAIM_SCRIPT, 2, this.key(jobId), this.pendingKey, deliveryId, jobId);
    return removed === 1;
  }

  /** Job ids that still have someone waiting, with the earliest deadline among them. */
  async pending(): Promise<Array<{ jobId: string; deadlineAt: number }>> {
    const flat = await this.redis.zrange(this.pendingKey, 0, 999, 'WITHSCORES');
    const out: Array<{ jobId: string; deadlineAt: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ jobId: flat[i]!, deadlineAt: Number(flat[i + 1]) });
    return out;
  }
}
