// The server-log events of each target, kept briefly as evidence for a missing delivery: who
// logged in or failed to, and which files went where. Fed by the log ingestion (POST /ingest,
// followed files); read by the delivery evaluation on the worker. A capped list per target, plus
// when logs last arrived at all (to tell "the partner did not connect" from "no logs are connected").
import type { Redis } from 'ioredis';
import type { LogEvent } from '../ingest/log-event.js';
import { RedisKeys } from '../queue/redis-keys.js';
import { SftpUploads } from './sftp-uploads.js';

/** Per target: enough for a busy day of logins and transfers; older evidence is dropped. */
export const KEPT_EVENTS = 5_000;
const KEPT_FOR_S = 3 * 86_400;

export interface StoredEvent extends LogEvent {
  /** When it happened: the line's own time, or when it was received. */
  time: number;
}

export class PartnerEvents {
  private readonly keys: RedisKeys;
  private readonly sftp = new SftpUploads();

  constructor(private readonly redis: Redis, prefix: string) {
    this.keys = new RedisKeys(prefix);
  }

  async record(target: string, events: readonly LogEvent[], receivedAt: number): Promise<void> {
    const multi = this.redis.multi().set(this.keys.ingestSeen(target), String(receivedAt), 'EX', KEPT_FOR_S);
    const kept = this.sftp.fold(target, events).map((e) => {
      const at = e.at ? Date.parse(e.at.endsWith('Z') || /[+-]\d\d:\d\d$/.test(e.at) ? e.at : `${e.at}Z`) : NaN;
      return JSON.stringify({ ...e, time: Number.isFinite(at) ? at : receivedAt } satisfies StoredEvent);
    });
    if (kept.length) {
      const key = this.keys.ingestEvents(target);
      multi.lpush(key, ...kept).ltrim(key, 0, KEPT_EVENTS - 1).expire(key, KEPT_FOR_S);
    }
    await multi.exec();
  }

  /** Events of a target at or after `since`, oldest first. */
  async since(target: string, since: number): Promise<StoredEvent[]> {
    const raw = await this.redis.lrange(this.keys.ingestEvents(target), 0, KEPT_EVENTS - 1);
    return raw
      .map((json) => JSON.parse(json) as StoredEvent)
      .filter((e) => e.time >= since)
      .sort((a, b) => a.time - b.time);
  }

  /** When lines last came in for this target (any line, known or not); undefined: never, or long ago. */
  async lastIngestAt(target: string): Promise<number | undefined> {
    const raw = await this.redis.get(this.keys.ingestSeen(target));
    return raw ? Number(raw) : undefined;
  }
}
