// Runbook sessions in Redis: they survive restarts, and a transition is applied atomically
// (WATCH/MULTI on the session key), so two people clicking at once, or one person clicking
// twice, make exactly one transition; the other click gets a StaleActionError to answer with.
import type { Redis } from 'ioredis';
import type { Runbook } from './runbook.js';
import { applyAction, type RunbookAction, type RunbookSession, StaleActionError } from './runbook-session.js';

const RETENTION_S = 30 * 24 * 3_600;

export class RunbookStore {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  private key(sessionId: string): string {
    return `${this.prefix}:runbook:${sessionId}`;
  }

  async create(sessionId: string, session: RunbookSession): Promise<void> {
    const created = await this.redis.set(this.key(sessionId), JSON.stringify(session), 'EX', RETENTION_S, 'NX');
    if (created !== 'OK') throw new Error(`runbook session ${sessionId} exists already`);
  }

  async get(sessionId: string): Promise<RunbookSession | undefined> {
    const raw = await this.redis.get(this.key(sessionId));
    return raw ? (JSON.parse(raw) as RunbookSession) : undefined;
  }

  /** Apply one action for the version the person saw. Throws StaleActionError when it no longer applies. */
  async act(sessionId: string, runbook: Runbook, action: RunbookAction, by: string, at: number, version: number): Promise<RunbookSession> {
    const key = this.key(sessionId);
    for (let attempt = 0; attempt < 10; attempt++) {
      await this.redis.watch(key);
      const raw = await this.redis.get(key);
      if (!raw) {
        await this.redis.unwatch();
        throw new StaleActionError('this runbook session is gone (older than 30 days?)');
      }
      let next: RunbookSession;
      try {
        next = applyAction(runbook, JSON.parse(raw) as RunbookSession, action, by, at, version);
      } catch (err) {
        await this.redis.unwatch();
        throw err;
      }
      const committed = await this.redis.multi().set(key, JSON.stringify(next), 'EX', RETENTION_S).exec();
      if (committed) return next;
    }
    throw new StaleActionError('too many people clicking at once; try again');
  }
}
