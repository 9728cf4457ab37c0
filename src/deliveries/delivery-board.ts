// Today's board: one row per expected delivery — expected, arrived (when, size), late, missing —
// the same rows for /ftp deliveries and `ftpops deliveries` (text or --json).
import type { DeliveryExpectation } from './delivery-schema.js';
import type { DeliveryState } from './delivery-evaluation.js';
import { formatBytes, minutes } from './delivery-evaluation.js';
import { localClock, localDate } from './delivery-schedule.js';

export type BoardStatus = 'expected' | 'arrived' | 'late' | 'missing' | 'incomplete' | 'not-due-today' | 'waiting-pickup' | 'not-picked-up' | 'unknown';

export interface BoardRow {
  target: string;
  name: string;
  kind: 'arrival' | 'pickup';
  path: string;
  match: string;
  status: BoardStatus;
  /** The due time (ISO) of the occurrence shown, and in the expectation's zone. */
  due?: string;
  dueLocal?: string;
  arrivedAt?: string;
  arrivedLocal?: string;
  bytes?: number;
  files?: number;
  lateMinutes?: number;
  why?: string;
  /** The last listing: when, and what failed if it did. */
  checkedAt?: string;
  listingFailed?: string;
}

export function rowOf(target: string, exp: DeliveryExpectation, state: DeliveryState | undefined, now: number, due?: number): BoardRow {
  const row: BoardRow = { target, name: exp.name, kind: exp.kind, path: exp.path, match: exp.match, status: 'unknown' };
  if (state?.last) {
    row.checkedAt = new Date(state.last.at).toISOString();
    if (state.last.failure) row.listingFailed = state.last.failure;
  }
  if (exp.kind === 'pickup') {
    row.status = state?.kind === 'pickup' && state.open ? 'not-picked-up' : 'waiting-pickup';
    if (state?.last) Object.assign(row, { files: state.last.files, bytes: state.last.bytes });
    return row;
  }
  const when = state?.kind === 'arrival' ? state.due : due;
  if (when === undefined) return { ...row, status: 'not-due-today' };
  row.due = new Date(when).toISOString();
  row.dueLocal = `${localDate(when, exp.timezone)} ${localClock(when, exp.timezone)} ${exp.timezone}`;
  if (localDate(when, exp.timezone) !== localDate(now, exp.timezone) && when > now) row.status = 'not-due-today';
  if (state?.kind !== 'arrival') return row.status === 'unknown' ? { ...row, status: 'expected' } : row;
  if (state.arrived) {
    Object.assign(row, {
      status: state.arrived.lateMs > 0 ? 'late' : 'arrived',
      arrivedAt: new Date(state.arrived.at).toISOString(),
      arrivedLocal: localClock(state.arrived.at, exp.timezone),
      bytes: state.arrived.bytes,
      files: state.arrived.files,
      ...(state.arrived.lateMs > 0 ? { lateMinutes: Math.round(state.arrived.lateMs / 60_000) } : {}),
    });
    return row;
  }
  if (state.phase === 'missing') return { ...row, status: state.code === 'delivery.incomplete' ? 'incomplete' : 'missing', ...(state.why ? { why: state.why } : {}) };
  return row.status === 'unknown' ? { ...row, status: 'expected' } : row;
}

const MARK: Record<BoardStatus, string> = {
  expected: '⏳',
  arrived: '✅',
  late: '🟡',
  missing: '🔴',
  incomplete: '🟠',
  'not-due-today': '·',
  'waiting-pickup': '✅',
  'not-picked-up': '🔴',
  unknown: '❔',
};

/** One line per row, for chat and the terminal. */
export function boardLine(r: BoardRow): string {
  const head = `${MARK[r.status]} ${r.target}/${r.name} (${r.path}/${r.match})`;
  const checked = r.listingFailed ? ` — last listing failed: ${r.listingFailed}` : '';
  switch (r.status) {
    case 'arrived':
      return `${head}: arrived ${r.arrivedLocal}, ${formatBytes(r.bytes ?? 0)} (due ${r.dueLocal})`;
    case 'late':
      return `${head}: arrived ${r.arrivedLocal}, ${minutes((r.lateMinutes ?? 0) * 60_000)} late, ${formatBytes(r.bytes ?? 0)} (due ${r.dueLocal})`;
    case 'missing':
    case 'incomplete':
      return `${head}: ${r.status.toUpperCase()} since ${r.dueLocal}${r.why ? ` — ${r.why}` : ''}${checked}`;
    case 'expected':
      return `${head}: expected by ${r.dueLocal}${checked}`;
    case 'not-due-today':
      return `${head}: not due today${r.dueLocal ? ` (next ${r.dueLocal})` : ''}`;
    case 'waiting-pickup':
      return `${head}: picked up in time (${r.files ?? 0} file${r.files === 1 ? '' : 's'} waiting)${checked}`;
    case 'not-picked-up':
      return `${head}: NOT PICKED UP (${r.files ?? 0} file${r.files === 1 ? '' : 's'} waiting)${checked}`;
    default:
      return `${head}: not evaluated yet${checked}`;
  }
}
