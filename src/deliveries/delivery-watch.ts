// One evaluation of a target's expected deliveries: list each folder through the probe engine,
// step each expectation (src/deliveries/delivery-evaluation.ts) against the clock it is given,
// explain what is missing from the evidence, commit state and effects, refresh the board.
// Run by the worker on a BullMQ job scheduler (src/queue/delivery-jobs.ts); tests call it with
// their own clock.
import type { HistoryEntry } from '../alerts/check-results.js';
import type { OutboxEntry } from '../alerts/incidents.js';
import type { TargetConfig } from '../config/targets-file.js';
import type { ProbeEngine } from '../probes/probe-engine.js';
import type { ProbeRequest } from '../probes/probe.js';
import { type BoardRow, rowOf } from './delivery-board.js';
import { type ArrivalState, type Listed, type PickupState, initialArrival, stepArrival, stepPickup } from './delivery-evaluation.js';
import { explainMissing } from './delivery-evidence.js';
import type { DeliveryExpectation } from './delivery-schema.js';
import { localDate, occurrencesAround, windowStart } from './delivery-schedule.js';
import type { DeliveryStore } from './delivery-store.js';
import { listFolder } from './folder-listing.js';
import type { PartnerEvents } from './partner-events.js';

export interface DeliveryWatchOptions {
  engine: Pick<ProbeEngine, 'run'>;
  store: DeliveryStore;
  events: Pick<PartnerEvents, 'since' | 'lastIngestAt'>;
  history: (target: string) => Promise<HistoryEntry[]>;
  /** The target's request with its secrets (the worker's resolveRequest). */
  requestFor: (target: string) => ProbeRequest | Promise<ProbeRequest>;
  now?: () => number;
}

export interface DeliveryRun {
  effects: OutboxEntry[];
  rows: BoardRow[];
}

/** The expectations of a target, as validated at load (durations in ms, sizes in bytes, defaults applied). */
export function expectationsOf(target: TargetConfig): DeliveryExpectation[] {
  return target.deliveries ?? [];
}

export class DeliveryWatch {
  private readonly now: () => number;
  /** WATCH is per connection: one evaluation at a time on ours. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: DeliveryWatchOptions) {
    this.now = options.now ?? Date.now;
  }

  evaluate(target: TargetConfig): Promise<DeliveryRun> {
    const next = this.chain.then(() => this.evaluateNow(target));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async evaluateNow(target: TargetConfig): Promise<DeliveryRun> {
    const effects: OutboxEntry[] = [];
    const rows: BoardRow[] = [];
    for (const exp of expectationsOf(target)) {
      const now = this.now();
      const listed = await this.list(target.name, exp, now);
      if (exp.kind === 'pickup') {
        const read = await this.options.store.load<PickupState>(target.name, exp.name, 'pickup');
        const { state, effects: found } = stepPickup(exp, read ?? { kind: 'pickup', open: false, seen: {} }, listed, now);
        effects.push(...((await this.options.store.commit(target.name, exp.name, 'pickup', `delivery:${exp.name}`, read, state, found)) || []));
        rows.push(rowOf(target.name, exp, state, now));
        continue;
      }
      const { previous, next } = occurrencesAround(exp, now);
      const nextStart = next === undefined ? undefined : windowStart(exp, next);
      // The previous due time is evaluated until it has been judged at its deadline and the next
      // window has begun; the next one as soon as its window has begun (for the heads-up).
      const due: number[] = [];
      let shown: ArrivalState | undefined;
      let shownDue = next;
      if (previous !== undefined) {
        const prevState = await this.options.store.load<ArrivalState>(target.name, exp.name, String(previous));
        // A due time whose window ended before it was ever looked at (a new expectation, a worker
        // that was down all day) is not judged after the fact.
        const unsettled = prevState !== undefined && (prevState.phase === 'waiting' || prevState.phase === 'warned');
        if (nextStart === undefined || now < nextStart || unsettled) due.push(previous);
        if (nextStart === undefined || now < nextStart) shownDue = previous;
      }
      if (next !== undefined && nextStart !== undefined && now >= nextStart) due.push(next);
      for (const d of due) {
        const key = String(d);
        const read = await this.options.store.load<ArrivalState>(target.name, exp.name, key);
        const start = windowStart(exp, d);
        const { state, effects: found } = await stepArrival({
          exp,
          state: read ?? initialArrival(d, start),
          listed,
          now,
          explain: async (code, judged) => {
            const [history, events, lastIngestAt] = await Promise.all([
              this.options.history(target.name).catch(() => []),
              this.options.events.since(target.name, start).catch(() => []),
              this.options.events.lastIngestAt(target.name).catch(() => undefined),
            ]);
            return explainMissing({ exp, target: target.name, code, judged, listed, due: d, since: start, now, history, events, ...(lastIngestAt !== undefined ? { lastIngestAt } : {}) }).text;
          },
        });
        const origin = `delivery:${exp.name}@${localDate(d, exp.timezone)}` as const;
        const committed = await this.options.store.commit(target.name, exp.name, key, origin, read, state, found);
        effects.push(...(committed || []));
        if (d === shownDue) shown = state;
      }
      rows.push(rowOf(target.name, exp, shown, now, shownDue));
    }
    await this.options.store.saveRows(target.name, rows);
    return { effects, rows };
  }

  private async list(target: string, exp: DeliveryExpectation, now: number): Promise<Listed> {
    let request: ProbeRequest;
    try {
      request = await this.options.requestFor(target);
    } catch (err) {
      return { at: now, ok: false, files: [], failure: { code: 'config', stage: 'resolve', detail: (err as Error).message } };
    }
    const { report, files } = await listFolder(this.options.engine, request, exp.path, exp.match);
    if (report.ok) return { at: now, ok: true, files };
    const f = report.finding!;
    return { at: now, ok: false, files: [], failure: { code: f.code, stage: f.stage, detail: f.reply ? [f.reply.code, f.reply.text].filter((p) => p !== undefined && p !== '').join(' ') : f.title } };
  }
}
