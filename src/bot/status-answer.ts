// /ftp status [target]: gathers history, open incidents and mutes from Redis and says them in
// words (and, for one target, a chart). Chat-neutral text; the platform posts it.
import type { CheckResults } from '../alerts/check-results.js';
import { DAY_MS, RAW_MAX_ENTRIES } from '../history/result-store.js';
import { hourlySeries, type OpenIncident, type TargetStatus, targetStatus } from '../alerts/target-status.js';
import type { StatusMessage } from './messages.js';
import { replies } from './replies.js';
import { type Rich, rich, richLines } from './rich.js';

export class StatusAnswers {
  constructor(
    private readonly results: CheckResults,
    private readonly alerts: { openIncidents(target: string): Promise<OpenIncident[]>; mutedUntil(target: string): Promise<number | undefined> },
    /** Server identity: a renewal or a change waiting for a decision, in one line. */
    private readonly identity?: { statusNote(target: string): Promise<string | undefined> },
  ) {}

  async forTargets(targets: string[], now = Date.now()): Promise<StatusMessage> {
    const lines: Rich[] = [];
    for (const target of targets) {
      const s = await this.status(target, now);
      const mark = s.incidents.length ? '🔴' : s.last ? (s.last.ok ? '🟢' : '🟠') : '⚪';
      lines.push(rich`${mark} ${{ code: target }} ${availability(s)} (${shortPeriod(s, now)})${s.incidents.length ? ` · ${s.incidents.length} open incident(s)` : ''}${s.mutedUntil ? ' · muted' : ''}`);
    }
    return { kind: 'status', text: lines.length ? richLines(lines) : replies.noTargetsHere() };
  }

  async forTarget(target: string, now = Date.now()): Promise<StatusMessage> {
    const s = await this.status(target, now);
    const history = await this.results.store.since(target, now - DAY_MS);
    const incidents: Rich = s.incidents.flatMap((i, n) => [
      ...(n ? ['; '] : []),
      `${i.alert.split(':').slice(1).join('/')} (${i.severity}`,
      ...(i.ackedBy ? [', acknowledged by ', { user: i.ackedBy }] : []),
      ')',
    ]);
    const lines: Rich[] = [
      rich`${{ strong: target }} — ${s.last ? (s.last.ok ? `last check passed at ${s.last.at}` : rich`last check failed: ${{ code: s.last.code ?? '' }} at ${s.last.at}`) : 'not checked yet'}`,
      [`${periodWords(s, now)}: availability ${availability(s)}`],
      s.total ? [`check time: p50 ${Math.round(s.total.p50)} ms, p95 ${Math.round(s.total.p95)} ms`] : [],
      ...Object.entries(s.stages).map(([name, t]) => rich`• ${{ code: name }} p50 ${String(Math.round(t.p50))} ms, p95 ${String(Math.round(t.p95))} ms`),
      s.incidents.length ? ['open incidents: ', ...incidents] : ['no open incidents'],
      s.mutedUntil ? [`muted until ${new Date(s.mutedUntil).toISOString()}`] : [],
      [(await this.identity?.statusNote(target).catch(() => undefined)) ?? ''].filter(Boolean),
      [`recent: ${history.slice(0, 10).map((h) => (h.ok ? '✓' : '✗')).join('') || '—'}`],
    ].filter((line) => line.length > 0);
    const answer: StatusMessage = { kind: 'status', text: richLines(lines) };
    if (history.length) {
      // Chart.js and the canvas are loaded on the first chart, not with the bot.
      const { renderStatusChart } = await import('./status-chart.js');
      answer.chart = { png: await renderStatusChart(target, hourlySeries(history, now)), filename: `${target}-24h.png`, title: `${target} — last 24 h` };
    }
    return answer;
  }

  private async status(target: string, now: number): Promise<TargetStatus> {
    const [history, incidents, mutedUntil, firstCheckAt] = await Promise.all([
      this.results.store.since(target, now - DAY_MS),
      this.alerts.openIncidents(target),
      this.alerts.mutedUntil(target),
      this.results.store.firstCheckAt(target),
    ]);
    return targetStatus(target, history, incidents, now, mutedUntil, firstCheckAt);
  }
}

/** The period the figures cover, said plainly: never "24 h" when it is less. */
export function periodWords(s: TargetStatus, now: number): string {
  const since = new Date(s.period.from).toISOString().slice(0, 16).replace('T', ' ');
  if (s.period.young) return `since the first check ${spokenSpan(now - s.period.from)} ago (${since} UTC; younger than 24 h)`;
  if (s.period.capped) return `last ${spokenSpan(now - s.period.from)} only (since ${since} UTC: at this interval only the newest ${RAW_MAX_ENTRIES} results are kept)`;
  return `last 24 h (since ${since} UTC)`;
}

function shortPeriod(s: TargetStatus, now: number): string {
  if (s.period.young) return `${spokenSpan(now - s.period.from)}, since the first check`;
  if (s.period.capped) return `last ${spokenSpan(now - s.period.from)} only`;
  return '24 h';
}

function spokenSpan(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function availability(s: TargetStatus): string {
  return s.availability24h === null ? 'no checks in that period' : `${(s.availability24h * 100).toFixed(2)} % of ${s.checks24h} checks`;
}
