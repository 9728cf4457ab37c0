// /ftp status [target]: gathers history, open incidents and mutes from Redis and says them in
// words (and, for one target, a chart). Chat-neutral text; the platform posts it.
import type { CheckResults } from '../alerts/check-results.js';
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
      lines.push(rich`${mark} ${{ code: target }} ${availability(s)}${s.incidents.length ? ` · ${s.incidents.length} open incident(s)` : ''}${s.mutedUntil ? ' · muted' : ''}`);
    }
    return { kind: 'status', text: lines.length ? richLines(lines) : replies.noTargetsHere() };
  }

  async forTarget(target: string, now = Date.now()): Promise<StatusMessage> {
    const s = await this.status(target, now);
    const history = await this.results.history(target);
    const incidents: Rich = s.incidents.flatMap((i, n) => [
      ...(n ? ['; '] : []),
      `${i.alert.split(':').slice(1).join('/')} (${i.severity}`,
      ...(i.ackedBy ? [', acknowledged by ', { user: i.ackedBy }] : []),
      ')',
    ]);
    const lines: Rich[] = [
      rich`${{ strong: target }} — ${s.last ? (s.last.ok ? `last check passed at ${s.last.at}` : rich`last check failed: ${{ code: s.last.code ?? '' }} at ${s.last.at}`) : 'not checked yet'}`,
      [`availability 24 h: ${availability(s)}`],
      s.total ? [`check time 24 h: p50 ${Math.round(s.total.p50)} ms, p95 ${Math.round(s.total.p95)} ms`] : [],
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
    const [history, incidents, mutedUntil] = await Promise.all([this.results.history(target), this.alerts.openIncidents(target), this.alerts.mutedUntil(target)]);
    return targetStatus(target, history, incidents, now, mutedUntil);
  }
}

function availability(s: TargetStatus): string {
  return s.availability24h === null ? 'no checks in 24 h' : `${(s.availability24h * 100).toFixed(2)} % of ${s.checks24h} checks`;
}
