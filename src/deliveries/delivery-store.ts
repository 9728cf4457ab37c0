// Where a delivery's state lives, and how its effects reach the alert outbox: the new state and
// the effects are written in one transaction (WATCH on the state key), so a second evaluator of
// the same moment changes nothing and an effect exists exactly once, as for the alert machine
// (src/alerts/incidents.ts). The board is a hash per target: one row per expectation.
import type { Redis } from 'ioredis';
import type { AlertEffect } from '../alerts/alert-machine.js';
import { DELIVERY_CLASS } from '../alerts/alert-classes.js';
import type { AlertOrigin, OutboxEntry } from '../alerts/incidents.js';
import { RedisKeys } from '../queue/redis-keys.js';
import type { DeliveryState } from './delivery-evaluation.js';
import type { BoardRow } from './delivery-board.js';

/** A day's state outlives the day: a late arrival after the weekend still finds its thread. */
const STATE_TTL_S = 10 * 86_400;

export class DeliveryStore {
  private readonly keys: RedisKeys;

  constructor(private readonly redis: Redis, prefix: string) {
    this.keys = new RedisKeys(prefix);
  }

  async load<S extends DeliveryState>(target: string, delivery: string, occurrence: string): Promise<S | undefined> {
    const raw = await this.redis.get(this.keys.deliveryState(target, delivery, occurrence));
    return raw ? (JSON.parse(raw) as S) : undefined;
  }

  /**
   * Save `next` and queue its effects, unless the state changed since `read` (another evaluator
   * got there first): then nothing is written and false is returned.
   */
  async commit(target: string, delivery: string, occurrence: string, origin: AlertOrigin, read: DeliveryState | undefined, next: DeliveryState, effects: AlertEffect[]): Promise<OutboxEntry[] | false> {
    const key = this.keys.deliveryState(target, delivery, occurrence);
    const seqKey = `${key}:seq`;
    await this.redis.watch(key);
    const raw = await this.redis.get(key);
    if ((raw ?? undefined) !== (read ? JSON.stringify(read) : undefined)) {
      await this.redis.unwatch();
      return false;
    }
    const seq = Number((await this.redis.get(seqKey)) ?? 0);
    const entries = effects.map((effect, i): OutboxEntry => ({ id: `${target}:${origin}:${DELIVERY_CLASS}:${seq + i + 1}`, target, class: DELIVERY_CLASS, origin, effect }));
    const multi = this.redis.multi().set(key, JSON.stringify(next), 'EX', STATE_TTL_S).set(seqKey, String(seq + entries.length), 'EX', STATE_TTL_S);
    if (entries.length) multi.rpush(this.keys.alertOutbox(), ...entries.map((e) => JSON.stringify(e)));
    return (await multi.exec()) ? entries : false;
  }

  async saveRows(target: string, rows: BoardRow[]): Promise<void> {
    const key = this.keys.deliveryBoard(target);
    const multi = this.redis.multi().del(key);
    if (rows.length) multi.hset(key, Object.fromEntries(rows.map((r) => [r.name, JSON.stringify(r)])));
    await multi.exec();
  }

  async rows(target: string): Promise<BoardRow[]> {
    const all = await this.redis.hgetall(this.keys.deliveryBoard(target));
    return Object.values(all).map((json) => JSON.parse(json) as BoardRow);
  }
}
