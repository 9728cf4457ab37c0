// History written as if over days, without waiting: finished checks at the times a schedule
// would have run them, recorded through the production paths (ResultStore for the steady part,
// CheckResults, which also feeds the incidents, around outages).
import type { CheckResults } from '../../src/alerts/check-results.js';
import type { ProbeReport } from '../../src/probes/probe.js';
import { sftpHealthy, authFailed } from './sample-reports.js';

export interface Outage {
  from: number;
  to: number;
  code: string;
  stage: 'connect' | 'login';
}

/** A check started at `at`: healthy (connect 5 ms, login 40 ms), or failing as the outage says. */
export function reportAt(target: string, at: number, outage?: Outage): ProbeReport {
  if (!outage) {
    return {
      ...sftpHealthy,
      target,
      startedAt: new Date(at).toISOString(),
      durationMs: 100,
      stages: [
        { name: 'connect', status: 'ok', durationMs: 5 },
        { name: 'login', status: 'ok', durationMs: 40 },
      ],
    };
  }
  return {
    ...sftpHealthy,
    target,
    ok: false,
    startedAt: new Date(at).toISOString(),
    durationMs: 3,
    stages: [{ name: outage.stage, status: 'failed', durationMs: 3 }],
    finding: { ...authFailed, code: outage.code, stage: outage.stage, reply: null },
  };
}

/**
 * Every `intervalMs` from `from` to `to` (exclusive). Checks within 15 minutes of an outage go
 * through CheckResults.record (incidents open and resolve as they would); the rest only through
 * the result store (the alert state would not change: ok stays ok).
 */
export async function writeHistory(results: CheckResults, target: string, from: number, to: number, intervalMs: number, outages: Outage[] = [], allRecorded = false): Promise<number> {
  let count = 0;
  const batch: Array<Promise<unknown>> = [];
  for (let at = from; at < to; at += intervalMs) {
    const outage = outages.find((o) => at >= o.from && at < o.to);
    const near = allRecorded || outages.some((o) => at >= o.from - 15 * 60_000 && at < o.to + 15 * 60_000);
    const report = reportAt(target, at, outage);
    if (near) {
      await Promise.all(batch.splice(0));
      await results.record(report);
    } else {
      batch.push(results.store.add(target, { at: report.startedAt, ok: report.ok, code: report.finding?.code ?? null, durationMs: report.durationMs, stages: Object.fromEntries(report.stages.filter((s) => s.status === 'ok').map((s) => [s.name, s.durationMs])) }));
      if (batch.length >= 200) await Promise.all(batch.splice(0));
    }
    count += 1;
  }
  await Promise.all(batch);
  return count;
}
