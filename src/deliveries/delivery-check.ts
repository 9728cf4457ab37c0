// A delivery judged once, now, from a fresh listing and nothing else (no stored state, no logs):
// what `ftpops deliveries` prints where no bot or worker runs. A missing file's "why" can then
// only be "our side" (the listing failed) or "unknown".
import type { TargetConfig } from '../config/targets-file.js';
import type { ProbeEngine } from '../probes/probe-engine.js';
import type { ProbeRequest } from '../probes/probe.js';
import { type BoardRow, rowOf } from './delivery-board.js';
import { initialArrival, type Listed, stepArrival, stepPickup } from './delivery-evaluation.js';
import { explainMissing } from './delivery-evidence.js';
import { occurrencesAround, windowStart } from './delivery-schedule.js';
import { listFolder } from './folder-listing.js';

export async function judgeTargetNow(target: TargetConfig, engine: Pick<ProbeEngine, 'run'>, request: ProbeRequest, now: number): Promise<BoardRow[]> {
  const rows: BoardRow[] = [];
  for (const exp of target.deliveries ?? []) {
    const { report, files } = await listFolder(engine, request, exp.path, exp.match);
    const f = report.finding;
    const listed: Listed = f ? { at: now, ok: false, files: [], failure: { code: f.code, stage: f.stage, detail: f.title } } : { at: now, ok: true, files };
    if (exp.kind === 'pickup') {
      // Without memory, a file's age is its modify time.
      rows.push(rowOf(target.name, exp, stepPickup(exp, { kind: 'pickup', open: false, seen: {} }, listed, now).state, now));
      continue;
    }
    const { previous, next } = occurrencesAround(exp, now);
    const nextStart = next === undefined ? undefined : windowStart(exp, next);
    const due = next !== undefined && nextStart !== undefined && now >= nextStart ? next : previous ?? next;
    if (due === undefined) {
      rows.push(rowOf(target.name, exp, undefined, now));
      continue;
    }
    const start = windowStart(exp, due);
    const { state } = await stepArrival({
      exp: { ...exp, warnBefore: 0 },
      state: initialArrival(due, start),
      listed,
      now,
      explain: async (code, judged) => explainMissing({ exp, target: target.name, code, judged, listed, due, since: start, now, history: [], events: [] }).text,
    });
    rows.push(rowOf(target.name, exp, state, now, due));
  }
  return rows;
}
