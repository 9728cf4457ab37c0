// A report in words (chat and terminal), and as JSON or CSV for the command line. One wording,
// so Slack, Discord, the console and `ftpops report` say the same thing.
import type { TargetReport } from './target-report.js';

export function reportLines(r: TargetReport): string[] {
  const lines = [`${r.target} — report for ${r.period.label}: ${day(r.period.from)} → ${day(r.period.to)} UTC`];
  if (!r.checks) return [...lines, 'no checks recorded in this period'];
  if (r.dataFrom !== null && r.dataFrom > r.period.from + 3_600_000) lines.push(`data only from ${minute(r.dataFrom)} UTC (the target is younger than the period, or was not checked before)`);
  lines.push(`availability ${r.availability!.toFixed(3)} % (${r.passes} of ${r.checks} checks passed)`);
  lines.push(`downtime ${r.downtimeMinutes} min · ${r.incidents.length} incident(s) · MTTR ${r.mttrMs === null ? '—' : duration(r.mttrMs)}`);
  for (const i of r.incidents.slice(0, 10)) {
    lines.push(`• ${i.class} (${i.origin}, ${i.severity}) ${minute(i.start)} → ${i.end === undefined ? 'still open' : minute(i.end)}: ${duration(i.durationMs)}`);
  }
  if (r.incidents.length > 10) lines.push(`… and ${r.incidents.length - 10} more`);
  if (r.topFindings.length) lines.push(`top findings: ${r.topFindings.map((f) => `${f.code} × ${f.count}`).join(', ')}`);
  if (r.total) lines.push(`check time p50 ${ms(r.total.p50)}, p95 ${ms(r.total.p95)}`);
  for (const [stage, p] of Object.entries(r.stages)) lines.push(`• ${stage} p95 ${ms(p.p95)} (p50 ${ms(p.p50)})`);
  return lines;
}

export function reportJson(r: TargetReport): string {
  return JSON.stringify({ ...r, period: { ...r.period, from: iso(r.period.from), to: iso(r.period.to) }, dataFrom: r.dataFrom === null ? null : iso(r.dataFrom), incidents: r.incidents.map((i) => ({ ...i, start: iso(i.start), end: i.end === undefined ? null : iso(i.end) })), series: r.series.map((s) => ({ ...s, start: iso(s.start) })) }, null, 2);
}

/** One metric per row, then one row per incident and per finding: easy to paste into a sheet. */
export function reportCsv(r: TargetReport): string {
  const rows: Array<Array<string | number | null>> = [
    ['metric', 'value', 'detail'],
    ['target', r.target, ''],
    ['period', r.period.label, `${iso(r.period.from)}/${iso(r.period.to)}`],
    ['checks', r.checks, ''],
    ['passes', r.passes, ''],
    ['availability_percent', r.availability === null ? '' : r.availability.toFixed(4), ''],
    ['downtime_minutes', r.downtimeMinutes, ''],
    ['incidents', r.incidents.length, ''],
    ['mttr_minutes', r.mttrMs === null ? '' : (r.mttrMs / 60_000).toFixed(1), ''],
    ['p95_ms', r.total ? r.total.p95.toFixed(1) : '', 'check'],
    ...Object.entries(r.stages).map(([stage, p]) => ['p95_ms', p.p95.toFixed(1), stage]),
    ...r.topFindings.map((f) => ['finding', f.count, f.code]),
    ...r.incidents.map((i) => ['incident_minutes', (i.durationMs / 60_000).toFixed(1), `${i.class} ${i.origin} ${i.severity} ${iso(i.start)}/${i.end === undefined ? 'open' : iso(i.end)}`]),
  ];
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
}

function csvCell(v: string | number | null): string {
  const s = String(v ?? '');
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function day(ms: number): string {
  return iso(ms).slice(0, 10);
}

function minute(ms: number): string {
  return iso(ms).slice(0, 16).replace('T', ' ');
}

function ms(value: number): string {
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

function duration(msValue: number): string {
  const minutes = Math.round(msValue / 60_000);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
