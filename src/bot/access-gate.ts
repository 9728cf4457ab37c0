// The rate half of access: at most N commands a minute per person, counted in Redis so that
// every bot replica shares the count. (Roles are access.ts; the router asks both.)
import type { Redis } from 'ioredis';
import type { Principal } from './access.js';
import { replies } from './replies.js';
import type { Rich } from './rich.js';
import { RedisKeys } from '../queue/redis-keys.js';

const DEFAULT_PER_MINUTE = 30;

export class RateGate {
  private readonly keys: RedisKeys;

  constructor(
    private readonly perMinute: () => number | undefined,
    private readonly redis: Redis,
    prefix: string,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = new RedisKeys(prefix);
  }

  /** A refusal when this person has used up this minute's commands; the console is never limited. */
  async overRate(who: Principal): Promise<Rich | undefined> {
    if (who.platform === 'console') return undefined;
    const perMinute = this.perMinute() ?? DEFAULT_PER_MINUTE;
    const minute = Math.floor(this.now() / 60_000);
    const key = this.keys.rate(who.platform, who.user, minute);
    try {
      const [[, count]] = (await this.redis.multi().incr(key).expire(key, 90).exec()) as [[Error | null, number]];
      if (count <= perMinute) return undefined;
    } catch {
      // Redis away: the command will say so itself; counting must not add a second failure.
      return undefined;
    }
    return replies.slowDown(perMinute, 60 - Math.floor((this.now() / 1000) % 60));
  }
}
