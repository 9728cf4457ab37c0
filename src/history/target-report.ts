// A target's report over a period, from its hourly rollups and incident episodes: availability,
// downtime, incidents and MTTR, the top findings, p50/p95 per stage, and a series for the chart.
// Pure over the data it is given (result-store.ts and incident-log.ts read it), so a test can
// hand it months of history written as if over days.
import type { IncidentEpisode } from './incident-log.js';
import { type Histogram, mergeInto, quantileMs } from './latency-histogram.js';
import type { ReportPeriod } from './report-period.js';
import { DAY_MS, HOUR_MS, type HourRollup } from './result-store.js';

/** Classes whose incidents mean the service failed people (not a warning about a certificate or slowness). */
export const DOWNTIME_CLASSES: readonly string[] = ['auth', 'capacity', 'reset', 'unreachable', 'tls'];

export interface ReportIncident extends IncidentEpisode {
  /** Until its end, or now when still open (ms). */
  durationMs: number;
}

export interface TargetReport {
  target: string;
  period: ReportPeriod;
  /** When data begins within the period: later than its start for a younger target. */
  dataFrom: number | null;
  checks: number;
  passes: number;
  /** Percent of checks that passed; null without checks. */
  availability: number | null;
  /**
   * Minutes within the period covered by an incident of a downtime class raised by the checks
   * (overlapping incidents counted once).
   */
  downtimeMinutes: number;
  incidents: ReportIncident[];
  /** Mean time to resolve the incidents that ended within the period; null when none did. */
  mttrMs: number | null;
  topFindings: Array<{ code: string; count: number }>;
  /** p50/p95 (ms) of passing checks, whole and per stage. */
  total: { p50: number; p95: number } | null;
  stages: Record<string, { p50: number; p95: number }>;
  /** Availability and p95 per hour (periods up to 7 days) or per day, oldest first. */
  series: Array<{ start: number; availability: number | null; p95: number | null }>;
}

export function targetReport(target: string, period: ReportPeriod, rollups: HourRollup[], episodes: IncidentEpisode[], now: number): TargetReport {
  const inPeriod = rollups.filter((r) => r.hourStart + HOUR_MS > period.from && r.hourStart < period.to);
  const checks = sum(inPeriod.map((r) => r.checks));
  const passes = sum(inPeriod.map((r) => r.passes));
  const failures: Record<string, number> = {};
  const total: Histogram = {};
  const stages: Record<string, Histogram> = {};
  for (const r of inPeriod) {
    for (const [code, n] of Object.entries(r.failures)) failures[code] = (failures[code] ?? 0) + n;
    mergeInto(total, r.total);
    for (const [stage, h] of Object.entries(r.stages)) mergeInto((stages[stage] ??= {}), h);
  }
  const incidents = episodes
    .filter((e) => e.start < period.to && (e.end ?? now) >= period.from)
    .map((e) => ({ ...e, durationMs: (e.end ?? now) - e.start }));
  const resolved = incidents.filter((e) => e.end !== undefined && e.end >= period.from && e.end < period.to);
  const step = period.to - period.from <= 7 * DAY_MS ? HOUR_MS : DAY_MS;
  return {
    target,
    period,
    dataFrom: inPeriod.length ? Math.max(period.from, inPeriod[0]!.hourStart) : null,
    checks,
    passes,
    availability: checks ? (100 * passes) / checks : null,
    downtimeMinutes: Math.round(downtimeMs(incidents.filter((e) => e.origin === 'check' && DOWNTIME_CLASSES.includes(e.class)), period, now) / 60_000),
    incidents,
    mttrMs: resolved.length ? sum(resolved.map((e) => e.durationMs)) / resolved.length : null,
    topFindings: Object.entries(failures).map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)).slice(0, 5),
    total: percentiles(total),
    stages: Object.fromEntries(Object.entries(stages).flatMap(([stage, h]) => {
      const p = percentiles(h);
      return p ? [[stage, p]] : [];
    })),
    series: seriesOf(inPeriod, period, step),
  };
}

/** The union of the incidents' spans, clipped to the period (and to now). */
function downtimeMs(incidents: IncidentEpisode[], period: ReportPeriod, now: number): number {
  const spans = incidents
    .map((e) => [Math.max(period.from, e.start), Math.min(period.to, e.end ?? now)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of spans) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

function seriesOf(rollups: HourRollup[], period: ReportPeriod, step: number): TargetReport['series'] {
  const first = Math.floor(period.from / step) * step;
  const out: TargetReport['series'] = [];
  for (let start = first; start < period.to; start += step) {
    const slice = rollups.filter((r) => r.hourStart >= start && r.hourStart < start + step);
    const checks = sum(slice.map((r) => r.checks));
    const merged = slice.reduce<Histogram>((h, r) => mergeInto(h, r.total), {});
    out.push({ start, availability: checks ? (100 * sum(slice.map((r) => r.passes))) / checks : null, p95: quantileMs(merged, 0.95) });
  }
  return out;
}

function percentiles(h: Histogram): { p50: number; p95: number } | null {
  const p50 = quantileMs(h, 0.5);
  const p95 = quantileMs(h, 0.95);
  return p50 === null || p95 === null ? null : { p50, p95 };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
