// The periods a report covers: the last 7, 30 or 90 days up to now, or a calendar month (UTC).
export interface ReportPeriod {
  /** As the person typed it: "30d", "2026-11". */
  label: string;
  from: number;
  /** Exclusive; for a period still running, now. */
  to: number;
}

export const PERIOD_WORDS = '7d, 30d, 90d or a month (YYYY-MM)';

/** "7d" | "30d" | "90d" | "YYYY-MM" → the period, or undefined for anything else. */
export function parseReportPeriod(text: string | undefined, now: number): ReportPeriod | undefined {
  const word = (text ?? '30d').trim().toLowerCase();
  const days = /^(7|30|90)d$/.exec(word);
  // From a whole hour: rollups are hourly, so the period is exactly what they add up to.
  if (days) return { label: word, from: Math.floor((now - Number(days[1]) * 86_400_000) / 3_600_000) * 3_600_000, to: now };
  const month = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(word);
  if (!month) return undefined;
  const from = Date.UTC(Number(month[1]), Number(month[2]) - 1, 1);
  const end = Date.UTC(Number(month[1]), Number(month[2]), 1);
  // A month that has not begun has nothing to say; one under way ends now.
  if (from > now) return undefined;
  return { label: word, from, to: Math.min(end, now) };
}
