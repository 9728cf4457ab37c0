// Applies the alert machine to the state kept in Redis, atomically and once per evaluation slot,
// however many bots evaluate at the same time: optimistic transactions (WATCH/MULTI) on the
// alert's state key, and the slot recorded in the state so a second evaluator of the same slot
// changes nothing. The effects of a transition are appended to the alert's outbox in the same
// transaction, so they exist exactly once and survive a crash between deciding and posting.
import type { Redis } from 'ioredis';
import { type AlertEffect, type AlertPolicy, type AlertState, type Evaluation, INITIAL_ALERT_STATE, transition } from './alert-machine.js';
import type { AlertClass } from './alert-classes.js';
import { RedisKeys } from '../queue/redis-keys.js';
import { logEpisodes } from '../history/incident-log.js';

export interface StoredAlert extends AlertState {
  /** The evaluation slot last applied (e.g. floor(now / evaluation interval)). */
  slot?: number;
  /** Increments with every effect, so each outbox entry has a stable id. */
  seq: number;
}

/**
 * Where the evaluations of an alert come from: scheduled checks, server log lines, or one
 * expected delivery ("delivery:<name>@<local date>", or "delivery:<name>" for a pickup folder):
 * each origin is its own incident thread.
 */
export type AlertOrigin = 'check' | 'logs' | `delivery:${string}`;

export interface OutboxEntry {
  id: string;
  target: string;
  class: AlertClass;
  origin: AlertOrigin;
  effect: AlertEffect;
  /** Chat platforms that already carried this effect out (an entry retried for another one). */
  done?: string[];
}

const MAX_ATTEMPTS = 20;

export class IncidentStore {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  private stateKey(target: string, cls: AlertClass, origin: AlertOrigin): string {
    return new RedisKeys(this.prefix).incident(target, origin, cls);
  }

  get outboxKey(): string {
    return new RedisKeys(this.prefix).alertOutbox();
  }

  async state(target: string, cls: AlertClass, origin: AlertOrigin = 'logs'): Promise<StoredAlert> {
    const raw = await this.redis.get(this.stateKey(target, cls, origin));
    return raw ? (JSON.parse(raw) as StoredAlert) : { ...INITIAL_ALERT_STATE, seq: 0 };
  }

  /**
   * Apply one evaluation for one slot. Returns the effects this call committed (empty when
   * another evaluator already applied the slot, or nothing changed).
   */
  async apply(target: string, cls: AlertClass, origin: AlertOrigin, evaluation: Evaluation, slot: number, policy: AlertPolicy): Promise<OutboxEntry[]> {
    const key = this.stateKey(target, cls, origin);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      await this.redis.watch(key);
      const raw = await this.redis.get(key);
      const current: StoredAlert = raw ? (JSON.parse(raw) as StoredAlert) : { ...INITIAL_ALERT_STATE, seq: 0 };
      if (current.slot !== undefined && current.slot >= slot) {
        await this.redis.unwatch();
        return [];
      }
      const { state, effects } = transition(current, evaluation, policy);
      const entries = effects.map((effect, i): OutboxEntry => ({ id: `${target}:${origin}:${cls}:${current.seq + i + 1}`, target, class: cls, origin, effect }));
      const next: StoredAlert = { ...state, slot, seq: current.seq + effects.length };
      const multi = this.redis.multi().set(key, JSON.stringify(next));
      if (entries.length) multi.rpush(this.outboxKey, ...entries.map((e) => JSON.stringify(e)));
      // The episode log for reports (src/history/incident-log.ts), in the same transaction.
      logEpisodes(multi, this.prefix, target, cls, origin, effects, current.firstSeenAt, evaluation.at);
      const committed = await multi.exec();
      if (committed) return entries;
      // Another evaluator changed the state between WATCH and EXEC: read it again.
    }
    throw new Error(`alert ${target}/${cls}: too much contention`);
  }

  /** Take up to `max` effects off the outbox, oldest first (each is returned to one caller only). */
  async takeEffects(max = 100): Promise<OutboxEntry[]> {
    const raw = await this.redis.lpop(this.outboxKey, max);
    return (raw ?? []).map((json) => JSON.parse(json) as OutboxEntry);
  }

  /** Put effects back (at the end) when they could not be carried out yet. */
  async returnEffects(entries: OutboxEntry[]): Promise<void> {
    if (entries.length) await this.redis.rpush(this.outboxKey, ...entries.map((e) => JSON.stringify(e)));
  }
}
