// Server log lines → counted events → windows → evaluations → incidents (origin "logs").
// Lines are parsed and summed in memory; one Redis round trip per batch. Unknown lines are
// counted, never fatal.
import type { Redis } from 'ioredis';
import { parseLogLine } from './parse-line.js';
import type { LogEvent } from './log-event.js';
import type { CountedEvent } from '../alerts/alert-classes.js';
import { ALERT_CLASSES } from '../alerts/alert-classes.js';
import type { WindowStore } from '../alerts/windows.js';
import { type Thresholds, evaluateClass } from '../alerts/window-evaluation.js';
import type { AlertPolicy } from '../alerts/alert-machine.js';
import type { IncidentStore, OutboxEntry } from '../alerts/incidents.js';
import { RedisKeys } from '../queue/redis-keys.js';
import { processMetrics } from '../metrics/metrics.js';

export type Daemon = NonNullable<Parameters<typeof parseLogLine>[1]>;

/** How a log event counts: logins are the attempts every class is measured against. */
export function countedEvents(event: LogEvent): CountedEvent[] {
  const who = { ...(event.source ? { source: event.source } : {}), ...(event.user ? { user: event.user } : {}) };
  switch (event.kind) {
    case 'login_failed':
      return [{ class: 'auth', failed: true, ...who }, { class: 'capacity', failed: false }, { class: 'reset', failed: false }];
    case 'login_ok':
      return [{ class: 'auth', failed: false }, { class: 'capacity', failed: false }, { class: 'reset', failed: false }];
    case 'too_many_connections':
      return [{ class: 'capacity', failed: true, ...who }];
    case 'connection_reset':
    case 'connection_dropped':
      return [{ class: 'reset', failed: true, ...who }];
    default:
      return [];
  }
}

export interface IngestResult {
  lines: number;
  events: number;
  unknown: number;
}

export class LogAlerts {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly windows: WindowStore,
    private readonly incidents: IncidentStore,
    private readonly settingsFor: (target: string) => { thresholds: Thresholds; policy: AlertPolicy },
    private readonly evaluateEveryMs = 5_000,
    /** Keeps the parsed events as evidence (expected deliveries: src/deliveries/partner-events.ts). */
    private readonly keepEvents?: (target: string, events: LogEvent[], now: number) => Promise<void>,
  ) {}

  async ingest(target: string, lines: readonly string[], daemon: Daemon | undefined, now = Date.now()): Promise<IngestResult> {
    const counted: CountedEvent[] = [];
    let events = 0;
    let unknown = 0;
    const parsed: LogEvent[] = [];
    for (const line of lines) {
      if (!line.trim()) continue;
      const event = parseLogLine(line, daemon);
      if (!event) {
        unknown += 1;
        continue;
      }
      events += 1;
      parsed.push(event);
      counted.push(...countedEvents(event));
    }
    processMetrics().observeIngest(target, events, unknown);
    await this.windows.record(target, counted, now);
    // Evidence must not cost the alerts: a lost write only weakens a later "why".
    if (this.keepEvents && lines.length) await this.keepEvents(target, parsed, now).catch(() => undefined);
    if (unknown) await this.redis.hincrby(new RedisKeys(this.prefix).ingestUnknown(), target, unknown);
    // Evaluate at once: a burst is said within the second, not at the next tick.
    if (events) await this.evaluate(target, now).catch(() => undefined);
    return { lines: lines.length, events, unknown };
  }

  private timer: NodeJS.Timeout | undefined;

  /** Re-evaluate the targets every slot, so a burst that stops also resolves. One at a time: WATCH is per connection. */
  start(targets: () => string[]): void {
    let busy = false;
    this.timer = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        for (const target of targets()) await this.evaluate(target).catch(() => undefined);
      } finally {
        busy = false;
      }
    }, this.evaluateEveryMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Transactions (WATCH) are per connection: one evaluation at a time on ours. */
  private chain: Promise<unknown> = Promise.resolve();

  /** Evaluate every class of a target once per slot (any number of bots may call this). */
  evaluate(target: string, now = Date.now()): Promise<OutboxEntry[]> {
    const next = this.chain.then(() => this.evaluateNow(target, now));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async evaluateNow(target: string, now: number): Promise<OutboxEntry[]> {
    const { window, baselineFailures } = await this.windows.read(target, now);
    const slot = Math.floor(now / this.evaluateEveryMs);
    const { thresholds, policy } = this.settingsFor(target);
    const effects: OutboxEntry[] = [];
    for (const cls of ALERT_CLASSES) {
      const evaluation = evaluateClass(cls, window[cls], baselineFailures[cls], thresholds, now);
      effects.push(...(await this.incidents.apply(target, cls, 'logs', evaluation, slot, policy)));
    }
    return effects;
  }
}
