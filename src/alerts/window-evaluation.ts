// Pure evaluation of counted windows against thresholds (docs/domain.md, What a burst means and Thresholds): failure rate,
// resets per attempt, brute force from one source, and spikes above the trailing baseline. Says
// the shape of a login-failure burst: one source with many users is brute force, one user from
// many sources a changed credential, everyone the auth backend.
import type { AlertClass } from './alert-classes.js';
import type { Evaluation, Severity } from './alert-machine.js';

export interface ClassCounts {
  total: number;
  failed: number;
  /** Failures per source address and per user name. */
  sources: Record<string, number>;
  users: Record<string, number>;
}

export interface Thresholds {
  failureRateWarning: number;
  failureRateCritical: number;
  resetRate: number;
  bruteForceFailures: number;
  spikeFactor: number;
  spikeMinimum: number;
  /** Failures below this never alert on rate alone (2 of 3 attempts is noise, not an outage). */
  minimumFailures: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  failureRateWarning: 0.05,
  failureRateCritical: 0.15,
  resetRate: 0.005,
  bruteForceFailures: 5,
  spikeFactor: 5,
  spikeMinimum: 10,
  minimumFailures: 3,
};

export type Shape = 'brute_force' | 'credential_change' | 'backend' | 'single';

export function shapeOf(counts: ClassCounts): Shape {
  const sources = Object.keys(counts.sources).length;
  const users = Object.keys(counts.users).length;
  if (sources <= 2 && users >= 3) return 'brute_force';
  if (users === 1 && sources >= 2) return 'credential_change';
  if (users >= 3 && sources >= 3) return 'backend';
  return 'single';
}

const SHAPE_WORDS: Record<Shape, string> = {
  brute_force: 'one source trying many users: brute force',
  credential_change: 'one user failing from several sources: a changed credential',
  backend: 'many users from many sources: the auth backend',
  single: 'one user from one source',
};

/**
 * One class's window (last few minutes) against its thresholds and against its own trailing
 * baseline (failures per window over the past hour).
 */
export function evaluateClass(cls: AlertClass, window: ClassCounts, baselineFailuresPerWindow: number, t: Thresholds, at: number): Evaluation {
  const rate = window.total > 0 ? window.failed / window.total : 0;
  const topSource = top(window.sources);
  let breach: Severity | null = null;
  const reasons: string[] = [];
  if (window.failed >= t.minimumFailures) {
    const limit = cls === 'reset' ? t.resetRate : t.failureRateWarning;
    if (rate >= t.failureRateCritical && cls !== 'reset') breach = 'critical';
    else if (rate > limit) breach = 'warning';
    if (breach) reasons.push(`${window.failed} of ${window.total} failed (${(rate * 100).toFixed(1)} %)`);
  }
  if (cls === 'auth' && topSource && topSource[1] >= t.bruteForceFailures) {
    breach = breach ?? 'warning';
    reasons.push(`${topSource[1]} failed logins from ${topSource[0]}`);
  }
  if (window.failed >= t.spikeMinimum && window.failed >= t.spikeFactor * Math.max(baselineFailuresPerWindow, 1)) {
    breach = 'critical';
    reasons.push(`${window.failed} failures against a usual ${baselineFailuresPerWindow.toFixed(1)}`);
  }
  const shape = cls === 'auth' && window.failed > 0 ? `; ${SHAPE_WORDS[shapeOf(window)]}` : '';
  const detail = breach ? `${reasons.join('; ')}${shape}` : `${window.failed} of ${window.total} failed`;
  return { at, breach, detail };
}

function top(counts: Record<string, number>): [string, number] | undefined {
  let best: [string, number] | undefined;
  for (const [k, v] of Object.entries(counts)) if (!best || v > best[1]) best = [k, v];
  return best;
}
