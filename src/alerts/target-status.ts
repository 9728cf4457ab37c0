// /ftp status: a target's health from its check history and open incidents. Pure over the data
// it is given; the chat side fetches and shows it.
import type { HistoryEntry } from './check-results.js';
import { RAW_MAX_ENTRIES } from '../history/result-store.js';

export interface OpenIncident {
  alert: string;
  severity: string;
  detail: string;
  firstSeenAt: number;
  ackedBy?: string;
}

export interface StageTimes {
  p50: number;
  p95: number;
}

export interface TargetStatus {
  target: string;
  last?: HistoryEntry;
  /**
   * The period the figures below really cover (ms): the last 24 h, or less when the target was
   * first checked less than 24 h ago (`young`) or, at intervals under 30 s, when the raw results
   * kept (RAW_MAX_ENTRIES) reach back less far (`capped`).
   */
  period: { from: number; to: number; young: boolean; capped: boolean };
  /** Checks and availability over that period (null without checks). */
  checks24h: number;
  availability24h: number | null;
  /** p50/p95 per stage over the last 24 h, passing checks only. */
  stages: Record<string, StageTimes>;
  total: StageTimes | null;
  incidents: OpenIncident[];
  mutedUntil?: number;
}

const DAY_MS = 24 * 3_600_000;

/**
 * `history`: raw results, newest first (all of the last 24 h that are kept); `firstCheckAt`: when
 * the target was first checked, if known.
 */
export function targetStatus(target: string, history: HistoryEntry[], incidents: OpenIncident[], now: number, mutedUntil?: number, firstCheckAt?: number): TargetStatus {
  const recent = history.filter((h) => now - Date.parse(h.at) <= DAY_MS);
  const oldest = recent.length ? Date.parse(recent[recent.length - 1]!.at) : undefined;
  const young = firstCheckAt !== undefined && firstCheckAt > now - DAY_MS;
  const capped = history.length >= RAW_MAX_ENTRIES && oldest !== undefined && oldest > now - DAY_MS;
  const from = Math.max(now - DAY_MS, young ? firstCheckAt : -Infinity, capped ? oldest : -Infinity);
  const passing = recent.filter((h) => h.ok);
  const stageNames = [...new Set(passing.flatMap((h) => Object.keys(h.stages)))];
  const stages = Object.fromEntries(stageNames.map((name) => [name, percentiles(passing.map((h) => h.stages[name]).filter((v): v is number => v !== undefined))]));
  return {
    target,
    ...(history[0] ? { last: history[0] } : {}),
    period: { from, to: now, young, capped },
    checks24h: recent.length,
    availability24h: recent.length ? passing.length / recent.length : null,
    stages,
    total: passing.length ? percentiles(passing.map((h) => h.durationMs)) : null,
    incidents,
    ...(mutedUntil ? { mutedUntil } : {}),
  };
}

/** Hourly buckets over the last 24 h, oldest first: availability (%) and p95 check time (ms). */
export function hourlySeries(history: HistoryEntry[], now: number): Array<{ hourStart: number; availability: number | null; p95: number | null }> {
  const start = Math.floor((now - DAY_MS) / 3_600_000) * 3_600_000 + 3_600_000;
  return Array.from({ length: 24 }, (_, i) => {
    const from = start + i * 3_600_000;
    const inHour = history.filter((h) => {
      const t = Date.parse(h.at);
      return t >= from && t < from + 3_600_000;
    });
    const ok = inHour.filter((h) => h.ok);
    return {
      hourStart: from,
      availability: inHour.length ? (100 * ok.length) / inHour.length : null,
      p95: ok.length ? percentiles(ok.map((h) => h.durationMs)).p95 : null,
    };
  });
}

function percentiles(values: number[]): StageTimes {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95) };
}
