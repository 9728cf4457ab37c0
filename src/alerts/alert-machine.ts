// The life of one alert (a target and a class such as auth/530 or capacity/421) as a small pure
// state machine: ok → pending → firing → resolved (→ ok). It is fed one evaluation at a time
// (is the class over a threshold now, and how badly) and answers with the new state and the
// effects the chat side must carry out. Hysteresis both ways: a warning fires after `fireAfter`
// consecutive breaches (a critical one at once), resolving needs `resolveAfter` consecutive good
// evaluations, so a flapping signal neither spams nor closes an incident too early (shared
// docs/domain.md, Thresholds).

export type Severity = 'warning' | 'critical';

export interface AlertPolicy {
  /** Consecutive breaching evaluations before a warning fires; a critical breach fires at once. */
  fireAfter: number;
  /** Consecutive good evaluations before a firing alert resolves. */
  resolveAfter: number;
  /** A firing alert says "still firing" in its thread this often (ms); 0 = never. */
  remindEveryMs: number;
}

export const DEFAULT_ALERT_POLICY: AlertPolicy = { fireAfter: 2, resolveAfter: 3, remindEveryMs: 60 * 60_000 };

export interface Evaluation {
  at: number;
  /** null: within thresholds. */
  breach: Severity | null;
  /** One line on what was seen (counts, shape), carried into the effects. */
  detail: string;
}

export type AlertStatus = 'ok' | 'pending' | 'firing';

export interface AlertState {
  status: AlertStatus;
  severity?: Severity;
  breaches: number;
  goods: number;
  firstSeenAt?: number;
  firedAt?: number;
  lastNoticeAt?: number;
  detail?: string;
}

export const INITIAL_ALERT_STATE: AlertState = { status: 'ok', breaches: 0, goods: 0 };

export type AlertEffect =
  | { type: 'open'; severity: Severity; firstSeenAt: number; detail: string }
  | { type: 'escalate'; from: Severity; to: Severity; detail: string }
  | { type: 'ease'; from: Severity; to: Severity; detail: string }
  | { type: 'remind'; severity: Severity; firingForMs: number; detail: string }
  | { type: 'update'; severity: Severity; detail: string }
  | { type: 'resolve'; severity: Severity; durationMs: number; detail: string };

const RANK: Record<Severity, number> = { warning: 1, critical: 2 };

export function transition(state: AlertState, e: Evaluation, policy: AlertPolicy): { state: AlertState; effects: AlertEffect[] } {
  if (e.breach) return onBreach(state, e, e.breach, policy);
  return onGood(state, e, policy);
}

function onBreach(state: AlertState, e: Evaluation, severity: Severity, policy: AlertPolicy): { state: AlertState; effects: AlertEffect[] } {
  const breaches = state.breaches + 1;
  const firstSeenAt = state.firstSeenAt ?? e.at;
  if (state.status !== 'firing') {
    // A clear outage is said at once; a warning waits to be confirmed.
    if (breaches < policy.fireAfter && severity !== 'critical') {
      return { state: { status: 'pending', severity: max(state.severity, severity), breaches, goods: 0, firstSeenAt, detail: e.detail }, effects: [] };
    }
    const opened = max(state.severity, severity);
    return {
      state: { status: 'firing', severity: opened, breaches, goods: 0, firstSeenAt, firedAt: e.at, lastNoticeAt: e.at, detail: e.detail },
      effects: [{ type: 'open', severity: opened, firstSeenAt, detail: e.detail }],
    };
  }
  const current = state.severity ?? severity;
  const next: AlertState = { ...state, breaches, goods: 0, detail: e.detail, severity: severity };
  if (RANK[severity] > RANK[current]) {
    return { state: { ...next, lastNoticeAt: e.at }, effects: [{ type: 'escalate', from: current, to: severity, detail: e.detail }] };
  }
  if (RANK[severity] < RANK[current]) {
    // Easing is worth an edit of the root, not a thread reply of its own.
    return { state: next, effects: [{ type: 'ease', from: current, to: severity, detail: e.detail }] };
  }
  if (policy.remindEveryMs > 0 && e.at - (state.lastNoticeAt ?? e.at) >= policy.remindEveryMs) {
    return {
      state: { ...next, lastNoticeAt: e.at },
      effects: [{ type: 'remind', severity, firingForMs: e.at - (state.firedAt ?? e.at), detail: e.detail }],
    };
  }
  return { state: next, effects: e.detail !== state.detail ? [{ type: 'update', severity, detail: e.detail }] : [] };
}

function onGood(state: AlertState, e: Evaluation, policy: AlertPolicy): { state: AlertState; effects: AlertEffect[] } {
  if (state.status === 'ok') return { state, effects: [] };
  if (state.status === 'pending') return { state: INITIAL_ALERT_STATE, effects: [] };
  const goods = state.goods + 1;
  if (goods < policy.resolveAfter) return { state: { ...state, goods, breaches: 0 }, effects: [] };
  return {
    state: INITIAL_ALERT_STATE,
    effects: [{ type: 'resolve', severity: state.severity ?? 'warning', durationMs: e.at - (state.firstSeenAt ?? e.at), detail: e.detail }],
  };
}

function max(a: Severity | undefined, b: Severity): Severity {
  return a && RANK[a] > RANK[b] ? a : b;
}
