// Runbook sessions in Redis: they survive restarts, and a transition is applied atomically
// (WATCH/MULTI on the session key), so two people clicking at once, or one person clicking
// twice, make exactly one transition; the other click gets a StaleActionError to answer with.
import type { Redis } from 'ioredis';
import type { Runbook } from './runbook.js';
import type { ChatPlatform } from '../bot/messages.js';
import { applyAction, type RunbookAction, type RunbookSession, StaleActionError } from './runbook-session.js';
import { RedisKeys } from '../queue/redis-keys.js';

const RETENTION_S = 30 * 24 * 3_600;

/** Where a session lives in chat; changes as step messages are posted, outside the versioned session. */
export interface RunbookPlace {
  platform: ChatPlatform;
  channel: string;
  threadId: string;
  /** The current step's message. */
  messageId: string;
  /** How many records the session had when this step's message was posted. */
  recordsFrom: number;
}

export class RunbookStore {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  private key(sessionId: string): string {
    return new RedisKeys(this.prefix).runbookSession(sessionId);
  }

  async create(sessionId: string, session: RunbookSession): Promise<void> {
    const created = await this.redis.set(this.key(sessionId), JSON.stringify(session), 'EX', RETENTION_S, 'NX');
    if (created !== 'OK') throw new Error(`runbook session ${sessionId} exists already`);
  }

  async get(sessionId: string): Promise<RunbookSession | undefined> {
    const raw = await this.redis.get(this.key(sessionId));
    return raw ? (JSON.parse(raw) as RunbookSession) : undefined;
  }

  async setPlace(sessionId: string, place: RunbookPlace): Promise<void> {
    await this.redis.set(new RedisKeys(this.prefix).runbookPlace(sessionId), JSON.stringify(place), 'EX', RETENTION_S);
  }

  async place(sessionId: string): Promise<RunbookPlace | undefined> {
    const raw = await this.redis.get(new RedisKeys(this.prefix).runbookPlace(sessionId));
    return raw ? (JSON.parse(raw) as RunbookPlace) : undefined;
  }

  /**
   * One open session per runbook per thread: claims the slot for `sessionId`, or returns the id
   * of the session already holding it (two clicks on "Open runbook" open one session).
   */
  async claimThread(channel: string, threadId: string, runbookId: string, sessionId: string): Promise<string | undefined> {
    const key = new RedisKeys(this.prefix).runbookOpen(channel, threadId, runbookId);
    for (let attempt = 0; attempt < 3; attempt++) {
      if ((await this.redis.set(key, sessionId, 'EX', RETENTION_S, 'NX')) === 'OK') return undefined;
      const holder = await this.redis.get(key);
      if (holder && (await this.get(holder))?.status === 'active') return holder;
      // The holder finished or expired: take the slot over, unless someone else just did.
      if (holder) await this.redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, key, holder);
    }
    throw new StaleActionError('someone else is opening this runbook right now; try again');
  }

  /** A verify step waits out its quiet period until `until`. */
  async waitQuiet(sessionId: string, until: number): Promise<void> {
    await this.redis.zadd(new RedisKeys(this.prefix).runbookQuiet(), until, sessionId);
  }

  /** Quiet periods that ended by `now`, each claimed by exactly one caller. */
  takeDueQuiet(now: number): Promise<string[]> {
    return this.takeDue(new RedisKeys(this.prefix).runbookQuiet(), now);
  }

  /**
   * A step's check (at this session version) must have answered by `dueAt`. If the bot died
   * between the click and queueing the check, the sweeper finds it here and runs it again.
   */
  async expectCheck(sessionId: string, version: number, dueAt: number): Promise<void> {
    await this.redis.zadd(new RedisKeys(this.prefix).runbookChecking(), dueAt, `${sessionId}:${version}`);
  }

  /** Checks overdue by `now`, as [sessionId, version], each claimed by exactly one caller. */
  async takeOverdueChecks(now: number): Promise<Array<[string, number]>> {
    return (await this.takeDue(new RedisKeys(this.prefix).runbookChecking(), now)).map((member) => {
      const at = member.lastIndexOf(':');
      return [member.slice(0, at), Number(member.slice(at + 1))];
    });
  }

  private async takeDue(key: string, now: number): Promise<string[]> {
    const due = await this.redis.zrangebyscore(key, '-inf', now, 'LIMIT', 0, 100);
    const mine: string[] = [];
    for (const member of due) if ((await this.redis.zrem(key, member)) === 1) mine.push(member);
    return mine;
  }

  /** Apply one action for the version the person saw. Throws StaleActionError when it no longer applies. */
  act(sessionId: string, runbook: Runbook, action: RunbookAction, by: string, at: number, version: number): Promise<RunbookSession> {
    // WATCH belongs to the connection: transactions from this process go one at a time.
    const next = this.queue.then(() => this.actNow(sessionId, runbook, action, by, at, version));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private queue: Promise<unknown> = Promise.resolve();

  private async actNow(sessionId: string, runbook: Runbook, action: RunbookAction, by: string, at: number, version: number): Promise<RunbookSession> {
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
