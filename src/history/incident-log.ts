// Every incident's episode (class, origin, severity, start, end), kept for the reports: the alert
// state in Redis only knows the incident now open, not last month's. Written in the same MULTI
// as the alert's transition (alerts/incidents.ts), so an episode exists exactly when its
// open/resolve effects do. Also the set of incidents open right now, for the metrics.
// Memory: one hash field (≈ 120 bytes) per incident per target; episodes older than 400 days are
// dropped when a report reads them.
import type { ChainableCommander, Redis } from 'ioredis';
import type { AlertEffect } from '../alerts/alert-machine.js';
import { RedisKeys } from '../queue/redis-keys.js';
import { ROLLUP_RETENTION_MS } from './result-store.js';

export interface IncidentEpisode {
  class: string;
  origin: string;
  severity: string;
  start: number;
  /** Absent while it is open. */
  end?: number;
}

/**
 * Add to `multi` what the effects of one transition mean for the log. `firstSeenAt` is the
 * incident's start as the alert state knew it before the transition (for resolve/escalate).
 */
export function logEpisodes(multi: ChainableCommander, prefix: string, target: string, cls: string, origin: string, effects: AlertEffect[], firstSeenAt: number | undefined, at: number): void {
  const keys = new RedisKeys(prefix);
  const openField = `${target}|${origin}|${cls}`;
  for (const effect of effects) {
    if (effect.type === 'open') {
      const episode: IncidentEpisode = { class: cls, origin, severity: effect.severity, start: effect.firstSeenAt };
      multi.hset(keys.incidentLog(target), `${origin}:${cls}:${effect.firstSeenAt}`, JSON.stringify(episode));
      multi.hset(keys.openIncidents(), openField, cls);
    } else if (effect.type === 'escalate' && firstSeenAt !== undefined) {
      const episode: IncidentEpisode = { class: cls, origin, severity: effect.to, start: firstSeenAt };
      multi.hset(keys.incidentLog(target), `${origin}:${cls}:${firstSeenAt}`, JSON.stringify(episode));
    } else if (effect.type === 'resolve' && firstSeenAt !== undefined) {
      const episode: IncidentEpisode = { class: cls, origin, severity: effect.severity, start: firstSeenAt, end: at };
      multi.hset(keys.incidentLog(target), `${origin}:${cls}:${firstSeenAt}`, JSON.stringify(episode));
      multi.hdel(keys.openIncidents(), openField);
    }
  }
}

export class IncidentLog {
  private readonly keys: RedisKeys;

  constructor(private readonly redis: Redis, prefix: string) {
    this.keys = new RedisKeys(prefix);
  }

  /** Episodes that overlap [from, to), oldest first. Drops those past the retention on the way. */
  async overlapping(target: string, from: number, to: number, now: number): Promise<IncidentEpisode[]> {
    const all = await this.redis.hgetall(this.keys.incidentLog(target));
    const stale: string[] = [];
    const out: IncidentEpisode[] = [];
    for (const [field, json] of Object.entries(all)) {
      const e = JSON.parse(json) as IncidentEpisode;
      if (e.end !== undefined && e.end < now - ROLLUP_RETENTION_MS) stale.push(field);
      else if (e.start < to && (e.end ?? now) >= from) out.push(e);
    }
    if (stale.length) await this.redis.hdel(this.keys.incidentLog(target), ...stale);
    return out.sort((a, b) => a.start - b.start);
  }

  /** Open incidents per class, across all targets. */
  async openByClass(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const cls of Object.values(await this.redis.hgetall(this.keys.openIncidents()))) counts[cls] = (counts[cls] ?? 0) + 1;
    return counts;
  }
}
