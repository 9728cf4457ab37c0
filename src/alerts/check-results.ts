// What a finished check leaves behind: a result in the target's history (raw for 48 h, hourly
// rollups for 400 days: src/history/result-store.ts) and one evaluation per alert class. Consecutive failed checks of a class open an
// incident; consecutive good ones resolve it (the alert machine's hysteresis).
import type { Redis } from 'ioredis';
import type { ProbeReport } from '../probes/probe.js';
import { ALERT_CLASSES, type AlertClass, CLASS_OF_FINDING } from './alert-classes.js';
import type { AlertPolicy, Evaluation } from './alert-machine.js';
import type { IncidentStore, OutboxEntry } from './incidents.js';
import { type CheckThresholds, KnowledgeBase } from '../knowledge/knowledge-base.js';
import { type HistoryEntry, ResultStore } from '../history/result-store.js';

export type { HistoryEntry } from '../history/result-store.js';

/** How many recent results history() reads by default. */
export const HISTORY_LENGTH = 500;

export class CheckResults {
  constructor(
    redis: Redis,
    prefix: string,
    private readonly incidents: IncidentStore,
    private readonly policyFor: (target: string) => AlertPolicy,
    /** The limits a passing check can still breach: the knowledge base's, shared with the warnings. */
    private readonly thresholds: CheckThresholds = KnowledgeBase.load().checks,
  ) {
    this.store = new ResultStore(redis, prefix);
  }

  readonly store: ResultStore;

  /** Transactions (WATCH) are per connection: record one report at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  record(report: ProbeReport): Promise<OutboxEntry[]> {
    const next = this.queue.then(() => this.recordNow(report));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async recordNow(report: ProbeReport): Promise<OutboxEntry[]> {
    const entry: HistoryEntry = {
      at: report.startedAt,
      ok: report.ok,
      code: report.finding?.code ?? null,
      durationMs: tenth(report.durationMs),
      stages: Object.fromEntries(report.stages.filter((s) => s.status === 'ok').map((s) => [s.name, tenth(s.durationMs)])),
    };
    await this.store.add(report.target, entry);
    const at = Date.parse(report.startedAt);
    const failedClass = report.finding ? CLASS_OF_FINDING[report.finding.code] : undefined;
    const conditions = conditionsOf(report, this.thresholds);
    const effects: OutboxEntry[] = [];
    for (const cls of ALERT_CLASSES) {
      const failed = cls === failedClass;
      const condition = conditions[cls];
      const evaluation: Evaluation = failed
        ? {
            at,
            // Warning, so that it takes `fireAfter` consecutive failed checks to open an incident.
            breach: 'warning',
            // SSH replies have no code: no stray space where an FTP reply code would be.
            detail: `${report.finding!.code} at ${report.finding!.stage}${report.finding!.reply ? `: ${[report.finding!.reply.code, report.finding!.reply.text].filter((p) => p !== undefined && p !== '').join(' ')}` : ''}`,
          }
        : condition
          ? { at, ...condition }
          : { at, breach: null, detail: 'check passed' };
      effects.push(...(await this.incidents.apply(report.target, cls, 'check', evaluation, at, this.policyFor(report.target))));
    }
    return effects;
  }

  /** The newest results, newest first. */
  history(target: string, max = HISTORY_LENGTH): Promise<HistoryEntry[]> {
    return this.store.latest(target, max);
  }
}

/** Times kept to a tenth of a millisecond: shorter raw entries, nothing lost that matters. */
function tenth(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/**
 * Conditions a passing check can still breach: certificate expiry and connect time, at the
 * knowledge base's thresholds (data/checks.yaml; docs/domain.md). Classes with nothing to say
 * are left out.
 */
function conditionsOf(report: ProbeReport, t: CheckThresholds): Partial<Record<AlertClass, Omit<Evaluation, 'at'>>> {
  const out: Partial<Record<AlertClass, Omit<Evaluation, 'at'>>> = {};
  const days = report.facts.tls?.daysLeft;
  if (days !== undefined) {
    out.cert_expiry = days <= t.certExpiringCriticalDays
      ? { breach: 'critical', detail: `certificate expires in ${days} days (${report.facts.tls?.validTo?.slice(0, 10)})` }
      : days <= t.certExpiringDays
        ? { breach: 'warning', detail: `certificate expires in ${days} days (${report.facts.tls?.validTo?.slice(0, 10)})` }
        : { breach: null, detail: `certificate valid for ${days} more days` };
  }
  const connect = report.stages.find((s) => s.name === 'connect' && s.status === 'ok')?.durationMs;
  if (connect !== undefined) {
    out.latency = connect >= t.slowConnectCriticalMs
      ? { breach: 'critical', detail: `TCP connect took ${Math.round(connect)} ms` }
      : connect >= t.slowConnectMs
        ? { breach: 'warning', detail: `TCP connect took ${Math.round(connect)} ms` }
        : { breach: null, detail: `TCP connect ${Math.round(connect)} ms` };
  }
  return out;
}
