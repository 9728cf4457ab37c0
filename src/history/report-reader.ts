// Reads what a report needs from Redis (rollups, incident episodes) and computes it. Used by the
// bot's /ftp report and by `ftpops report`; needs ioredis only (no BullMQ, no chat SDK).
import type { Redis } from 'ioredis';
import { IncidentLog } from './incident-log.js';
import type { ReportPeriod } from './report-period.js';
import { ResultStore } from './result-store.js';
import { type TargetReport, targetReport } from './target-report.js';

export class ReportReader {
  private readonly store: ResultStore;
  private readonly incidents: IncidentLog;

  constructor(redis: Redis, prefix: string) {
    this.store = new ResultStore(redis, prefix);
    this.incidents = new IncidentLog(redis, prefix);
  }

  async report(target: string, period: ReportPeriod, now = Date.now()): Promise<TargetReport> {
    const [rollups, episodes] = await Promise.all([this.store.rollups(target, period.from, period.to), this.incidents.overlapping(target, period.from, period.to, now)]);
    return targetReport(target, period, rollups, episodes, now);
  }
}
