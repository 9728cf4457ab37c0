// The life of one expected delivery, as a pure step: (state, listing, now) → (state, effects).
// Arrival: waiting → (heads-up: warned) → at the due time, missing or incomplete → arrived.
// Pickup: clear → stuck (a file stayed longer than `within`) → clear.
// Effects are the alert machine's (src/alerts/alert-machine.ts), so the existing poster carries
// them: the heads-up opens the thread as a warning, the deadline escalates it (or opens it as
// critical when there was no heads-up), the arrival resolves it, in the same thread.
import type { AlertEffect } from '../alerts/alert-machine.js';
import type { ArrivalExpectation, PickupExpectation } from './delivery-schema.js';
import type { KeptFile } from './folder-listing.js';
import { localClock } from './delivery-schedule.js';

/** Finding codes of expected deliveries (src/knowledge/data/findings.yaml). */
export type DeliveryCode = 'delivery.missing' | 'delivery.incomplete' | 'delivery.late' | 'delivery.not_picked_up';

export interface Listed {
  at: number;
  ok: boolean;
  files: KeptFile[];
  /** The listing's finding code when it failed (e.g. tcp.refused). */
  failure?: { code: string; stage: string; detail: string };
}

export interface ArrivalState {
  kind: 'arrival';
  due: number;
  windowStart: number;
  phase: 'waiting' | 'warned' | 'missing' | 'arrived';
  /** The thread is open (heads-up or deadline) and waits for a resolution. */
  open: boolean;
  /** The last listing at which the delivery was not complete. */
  lastShortAt?: number;
  /** Matching files seen, for stableFor: size and since when it has not changed. */
  sizes: Record<string, { size: number; since: number }>;
  arrived?: { at: number; files: number; bytes: number; lateMs: number };
  code?: DeliveryCode;
  why?: string;
  last?: { at: number; ok: boolean; files: number; bytes: number; failure?: string };
}

export interface PickupState {
  kind: 'pickup';
  open: boolean;
  /** File → when it was first seen (or its modify time, if earlier). */
  seen: Record<string, number>;
  openedAt?: number;
  last?: { at: number; ok: boolean; files: number; bytes: number; failure?: string };
}

export type DeliveryState = ArrivalState | PickupState;

export interface StepResult<S> {
  state: S;
  effects: AlertEffect[];
}

/** A kept state never grows past this many remembered files (a folder of 10,000 matches). */
const MAX_REMEMBERED = 2_000;

export function initialArrival(due: number, windowStart: number): ArrivalState {
  return { kind: 'arrival', due, windowStart, phase: 'waiting', open: false, sizes: {} };
}

export interface Judged {
  /** Files that count: in the window, big enough, no longer growing. */
  complete: KeptFile[];
  /** In the window but zero-byte, under minSize, or still growing. */
  short: KeptFile[];
  sizes: ArrivalState['sizes'];
}

export function judgeFiles(exp: ArrivalExpectation, state: ArrivalState, files: KeptFile[], now: number): Judged {
  const complete: KeptFile[] = [];
  const short: KeptFile[] = [];
  const sizes: ArrivalState['sizes'] = {};
  let remembered = 0;
  for (const f of files) {
    // A file older than the window is an earlier day's (a LIST date is to the minute: floor the window too).
    if (f.modifiedAt !== undefined && f.modifiedAt < Math.floor(state.windowStart / 60_000) * 60_000) continue;
    // Not modified for stableFor: complete, nothing to remember. Otherwise (no modify time, or a
    // recent one) the size must stay the same across listings for stableFor.
    const quiet = exp.stableFor === 0 || (f.modifiedAt !== undefined && now - f.modifiedAt >= exp.stableFor);
    const before = state.sizes[f.name];
    const since = before && before.size === f.size ? before.since : now;
    if (!quiet && remembered < MAX_REMEMBERED) {
      sizes[f.name] = { size: f.size, since };
      remembered += 1;
    }
    const stable = quiet || now - since >= exp.stableFor;
    (f.size >= exp.minSize && stable ? complete : short).push(f);
  }
  return { complete, short, sizes };
}

export interface ArrivalInput {
  exp: ArrivalExpectation;
  state: ArrivalState;
  listed: Listed;
  now: number;
  /** Why it is missing, from the evidence (asked only when needed). */
  explain: (code: DeliveryCode, judged: Judged) => Promise<string>;
}

export async function stepArrival({ exp, state, listed, now, explain }: ArrivalInput): Promise<StepResult<ArrivalState>> {
  const zone = exp.timezone;
  const judged = listed.ok ? judgeFiles(exp, state, listed.files, now) : { complete: [], short: [], sizes: state.sizes };
  const bytes = judged.complete.reduce((n, f) => n + f.size, 0);
  const last = { at: now, ok: listed.ok, files: judged.complete.length, bytes, ...(listed.failure ? { failure: `${listed.failure.code} at ${listed.failure.stage}` } : {}) };
  const base: ArrivalState = { ...state, sizes: judged.sizes, last };
  if (state.phase === 'arrived') return { state: base, effects: [] };

  const due = localClock(state.due, zone);
  if (listed.ok && judged.complete.length >= exp.atLeast) {
    const at = arrivalTime(judged.complete, exp.atLeast, state.lastShortAt, now);
    const lateMs = Math.max(0, at - state.due);
    const arrived = { at, files: judged.complete.length, bytes, lateMs };
    const next: ArrivalState = { ...base, phase: 'arrived', open: false, arrived, ...(lateMs > 0 ? { code: 'delivery.late' as const } : {}) };
    if (!state.open) return { state: next, effects: [] };
    const detail = `arrived ${localClock(at, zone)}, ${lateMs > 0 ? `${minutes(lateMs)} late` : `on time (due ${due})`}, ${formatBytes(bytes)}${judged.complete.length > 1 ? ` in ${judged.complete.length} files` : ''}`;
    return { state: next, effects: [{ type: 'resolve', severity: state.phase === 'missing' ? 'critical' : 'warning', durationMs: now - (state.lastShortAt ?? now), detail }] };
  }

  const shortAt = { ...base, lastShortAt: now };
  if (now < state.due) {
    const inWarning = exp.warnBefore !== undefined && exp.warnBefore > 0 && now >= state.due - exp.warnBefore;
    // The heads-up is for "nothing yet": a file on its way (short) is not worth a warning.
    if (state.phase === 'waiting' && inWarning && listed.ok && judged.short.length === 0) {
      const detail = `heads-up: nothing matching ${exp.match} in ${exp.path} yet; due ${due} ${zone} (in ${minutes(state.due - now)})`;
      return { state: { ...shortAt, phase: 'warned', open: true }, effects: [{ type: 'open', severity: 'warning', firstSeenAt: now, detail }] };
    }
    return { state: shortAt, effects: [] };
  }

  // At or past the deadline, not complete.
  const code: DeliveryCode = judged.short.length ? 'delivery.incomplete' : 'delivery.missing';
  const why = await explain(code, judged);
  const detail = `${code}: ${headline(exp, code, judged, listed.ok)} (due ${due} ${zone}). Why: ${why}`;
  const missing: ArrivalState = { ...shortAt, phase: 'missing', open: true, code, why };
  if (state.phase === 'waiting') return { state: missing, effects: [{ type: 'open', severity: 'critical', firstSeenAt: now, detail }] };
  if (state.phase === 'warned') return { state: missing, effects: [{ type: 'escalate', from: 'warning', to: 'critical', detail }] };
  // Already missing: the root follows what is known now (a stopped server that came back, a log line).
  return { state: missing, effects: why !== state.why || code !== state.code ? [{ type: 'update', severity: 'critical', detail }] : [] };
}

function headline(exp: ArrivalExpectation, code: DeliveryCode, judged: Judged, listedOk: boolean): string {
  if (!listedOk) return `${exp.path} could not be listed`;
  if (code === 'delivery.incomplete') {
    const f = judged.short[0]!;
    return `${f.name} in ${exp.path} is ${f.size === 0 ? 'empty (0 bytes)' : f.size < exp.minSize ? `${formatBytes(f.size)}, under ${formatBytes(exp.minSize)}` : 'still growing'}${judged.short.length > 1 ? ` (+${judged.short.length - 1} more)` : ''}`;
  }
  const have = judged.complete.length;
  return have ? `${have} of ${exp.atLeast} files matching ${exp.match} in ${exp.path}` : `no file matching ${exp.match} in ${exp.path}`;
}

/**
 * When the delivery became complete: the modify time of the file that completed it, unless a
 * listing after that time did not count it (then it was not there, or not finished): first seen.
 */
function arrivalTime(complete: KeptFile[], atLeast: number, lastShortAt: number | undefined, now: number): number {
  let at: number;
  if (atLeast === 1) {
    // The usual case, without sorting a folder's worth of times.
    at = now;
    for (const f of complete) at = Math.min(at, f.modifiedAt ?? now);
  } else {
    const times = complete.map((f) => f.modifiedAt ?? now).sort((a, b) => a - b);
    at = Math.min(times[atLeast - 1] ?? now, now);
  }
  return lastShortAt !== undefined && at <= lastShortAt ? now : at;
}

export function stepPickup(exp: PickupExpectation, state: PickupState, listed: Listed, now: number): StepResult<PickupState> {
  const last = { at: now, ok: listed.ok, files: listed.files.length, bytes: listed.files.reduce((n, f) => n + f.size, 0), ...(listed.failure ? { failure: `${listed.failure.code} at ${listed.failure.stage}` } : {}) };
  if (!listed.ok) return { state: { ...state, last }, effects: [] };
  const seen: Record<string, number> = {};
  for (const f of listed.files.slice(0, MAX_REMEMBERED)) seen[f.name] = Math.min(state.seen[f.name] ?? now, f.modifiedAt ?? now);
  const overdue = Object.entries(seen).filter(([, t]) => now - t >= exp.within).sort((a, b) => a[1] - b[1]);
  const next: PickupState = { ...state, seen, last };
  if (overdue.length && !state.open) {
    const [name, t] = overdue[0]!;
    const detail = `delivery.not_picked_up: ${overdue.length} file${overdue.length > 1 ? 's' : ''} in ${exp.path} not picked up within ${minutes(exp.within)}; oldest ${name}, there since ${localClock(t, exp.timezone)} ${exp.timezone}`;
    return { state: { ...next, open: true, openedAt: now }, effects: [{ type: 'open', severity: 'critical', firstSeenAt: t, detail }] };
  }
  if (!overdue.length && state.open) {
    const detail = `picked up: no file matching ${exp.match} waits in ${exp.path} longer than ${minutes(exp.within)} any more`;
    return { state: { ...next, open: false }, effects: [{ type: 'resolve', severity: 'critical', durationMs: now - (state.openedAt ?? now), detail }] };
  }
  return { state: next, effects: [] };
}

export function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 1) return `${Math.max(1, Math.round(ms / 1_000))} s`;
  if (m < 120) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatBytes(n: number): string {
  if (n < 1_000) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  do {
    v /= 1_000;
    u++;
  } while (v >= 1_000 && u < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : v < 100 ? 1 : 0)} ${units[u]}`;
}
