// Every command and button passes here before anything runs: the person's role (access.ts) and
// their rate (at most N commands a minute each, counted in Redis so that every bot replica
// shares the count). A refusal is answered to the person only, and logged.
import type { Redis } from 'ioredis';
import { log } from '../log.js';
import { AccessPolicy, type Principal, type Role } from './access.js';
import type { AccessSettings } from '../config/targets-file.js';

const DEFAULT_PER_MINUTE = 30;

export class ChatGate {
  constructor(
    private readonly access: () => AccessSettings | undefined,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  policy(): AccessPolicy {
    return new AccessPolicy(this.access());
  }

  /**
   * Undefined when the person may go ahead; otherwise the one line to tell them. Commands and the
   * buttons that start work (a check, a runbook) count against the rate; stepping through a
   * runbook's instructions or acknowledging does not.
   */
  async admit(who: Principal, what: string, need: Role, counted = true): Promise<string | undefined> {
    const refusal = this.policy().refuse(who, need) ?? (counted ? await this.overRate(who) : undefined);
    if (refusal) log.warn({ event: 'refused', platform: who.platform, user: who.user, command: what, need, why: refusal }, 'command refused');
    return refusal;
  }

  private async overRate(who: Principal): Promise<string | undefined> {
    if (who.platform === 'console') return undefined;
    const perMinute = this.access()?.commandsPerMinute ?? DEFAULT_PER_MINUTE;
    const minute = Math.floor(this.now() / 60_000);
    const key = `${this.prefix}:rate:${who.platform}:${who.user}:${minute}`;
    try {
      const [[, count]] = (await this.redis.multi().incr(key).expire(key, 90).exec()) as [[Error | null, number]];
      if (count <= perMinute) return undefined;
    } catch {
      // Redis away: the command will say so itself; counting must not add a second failure.
      return undefined;
    }
    const wait = 60 - Math.floor((this.now() / 1000) % 60);
    return `slow down: at most ${perMinute} commands a minute each (try again in ${wait} s)`;
  }
}
