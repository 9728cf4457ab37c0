// /ftp status [target]: gathers history, open incidents and mutes from Redis and says them in
// words (and, for one target, a chart). Chat-neutral text; the platform posts it.
import type { CheckResults } from '../alerts/check-results.js';
import { hourlySeries, type OpenIncident, type TargetStatus, targetStatus } from '../alerts/target-status.js';
import { renderStatusChart } from './status-chart.js';

export interface StatusAnswer {
  text: string;
  chart?: { png: Buffer; filename: string; title: string };
}

export class StatusAnswers {
  constructor(
    private readonly results: CheckResults,
    private readonly alerts: { openIncidents(target: string): Promise<OpenIncident[]>; mutedUntil(target: string): Promise<number | undefined> },
  ) {}

  async forTargets(targets: string[], now = Date.now()): Promise<StatusAnswer> {
    const lines: string[] = [];
    for (const target of targets) {
      const s = await this.status(target, now);
      const mark = s.incidents.length ? '🔴' : s.last ? (s.last.ok ? '🟢' : '🟠') : '⚪';
      lines.push(`${mark} \`${target}\` ${availability(s)}${s.incidents.length ? ` · ${s.incidents.length} open incident(s)` : ''}${s.mutedUntil ? ' · muted' : ''}`);
    }
    return { text: lines.length ? lines.join('\n') : 'no targets are configured for this channel' };
  }

  async forTarget(target: string, now = Date.now()): Promise<StatusAnswer> {
    const s = await this.status(target, now);
    const history = await this.results.history(target);
    const lines = [
      `*${target}* — ${s.last ? `last check ${s.last.ok ? 'passed' : `failed: \`${s.last.code}\``} at ${s.last.at}` : 'not checked yet'}`,
      `availability 24 h: ${availability(s)}`,
      s.total ? `check time 24 h: p50 ${Math.round(s.total.p50)} ms, p95 ${Math.round(s.total.p95)} ms` : '',
      ...Object.entries(s.stages).map(([name, t]) => `• \`${name}\` p50 ${Math.round(t.p50)} ms, p95 ${Math.round(t.p95)} ms`),
      s.incidents.length ? `open incidents: ${s.incidents.map((i) => `${i.alert.split(':').slice(1).join('/')} (${i.severity}${i.ackedBy ? `, acknowledged by <@${i.ackedBy}>` : ''})`).join('; ')}` : 'no open incidents',
      s.mutedUntil ? `muted until ${new Date(s.mutedUntil).toISOString()}` : '',
      `recent: ${history.slice(0, 10).map((h) => (h.ok ? '✓' : '✗')).join('') || '—'}`,
    ].filter(Boolean);
    const answer: StatusAnswer = { text: lines.join('\n') };
    if (history.length) {
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
