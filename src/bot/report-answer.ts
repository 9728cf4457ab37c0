// /ftp report <target> [7d|30d|90d|YYYY-MM]: the report in words (src/history/report-text.ts, the
// same as `ftpops report`) and its chart, drawn by the status chart's machinery, loaded lazily.
import type { ReportPeriod } from '../history/report-period.js';
import type { ReportReader } from '../history/report-reader.js';
import { reportLines } from '../history/report-text.js';
import { DAY_MS } from '../history/result-store.js';
import type { ReportMessage } from './messages.js';
import { richLines } from './rich.js';

export class ReportAnswers {
  constructor(private readonly reader: Pick<ReportReader, 'report'>) {}

  async forTarget(target: string, period: ReportPeriod, now = Date.now()): Promise<ReportMessage> {
    const r = await this.reader.report(target, period, now);
    const answer: ReportMessage = { kind: 'report', text: richLines(reportLines(r).map((line) => [line])) };
    if (r.checks) {
      const { renderSeriesChart } = await import('./status-chart.js');
      const hourly = period.to - period.from <= 7 * DAY_MS;
      const points = r.series.map((s) => ({ label: new Date(s.start).toISOString().slice(5, hourly ? 13 : 10).replace('T', ' '), availability: s.availability, p95: s.p95 }));
      answer.chart = { png: await renderSeriesChart(`${target} — ${period.label} (UTC, per ${hourly ? 'hour' : 'day'})`, points), filename: `${target}-${period.label}.png`, title: `${target} — ${period.label}` };
    }
    return answer;
  }
}
