// History that tells the truth: raw results for 48 h, hourly rollups for long periods, status
// that says what it covers, reports right at 30 s, 1 min and 5 min intervals. History is written
// as if over days (test/support/history-writer.ts) and read with an injected clock.
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { CheckResults } from '../src/alerts/check-results.js';
import { IncidentStore } from '../src/alerts/incidents.js';
import { targetStatus } from '../src/alerts/target-status.js';
import { StatusAnswers } from '../src/bot/status-answer.js';
import { plainOf } from '../src/bot/rich.js';
import { ReportReader } from '../src/history/report-reader.js';
import { parseReportPeriod } from '../src/history/report-period.js';
import { reportLines } from '../src/history/report-text.js';
import { DAY_MS, HOUR_MS, RAW_MAX_ENTRIES, RAW_RETENTION_MS } from '../src/history/result-store.js';
import { IncidentLog } from '../src/history/incident-log.js';
import { RedisKeys } from '../src/queue/redis-keys.js';
import { uniquePrefix } from './support/bot-process.js';
import { writeHistory } from './support/history-writer.js';

const prefix = uniquePrefix();
const redis = new Redis('redis://127.0.0.1:6379');
const policy = { fireAfter: 2, resolveAfter: 3, remindEveryMs: 0 };
const results = new CheckResults(redis, prefix, new IncidentStore(redis, prefix), () => policy);
const reader = new ReportReader(redis, prefix);
const noAlerts = { openIncidents: async () => [], mutedUntil: async () => undefined };
// A fixed "now" in a past month, so a month report is complete: 2026-10-20 12:30 UTC.
const NOW = Date.parse('2026-10-20T12:30:00Z');

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe.each([
  ['30 s', 30_000],
  ['1 min', 60_000],
  ['5 min', 300_000],
])('at a %s interval', (_name, interval) => {
  const target = `site-${interval / 1000}s`;
  // Three days of checks ending now; a 2 h outage (tcp.refused) on the second day.
  const from = NOW - 3 * DAY_MS;
  const outage = { from: NOW - 40 * HOUR_MS, to: NOW - 38 * HOUR_MS, code: 'tcp.refused', stage: 'connect' as const };
  let written = 0;

  it('keeps raw results for 48 h, not by count', async () => {
    written = await writeHistory(results, target, from, NOW, interval, [outage]);
    const raw = await results.store.since(target, 0);
    const expected = Math.min(RAW_MAX_ENTRIES, RAW_RETENTION_MS / interval) + 1;
    expect(raw.length).toBeGreaterThanOrEqual(expected - 1);
    expect(raw.length).toBeLessThanOrEqual(expected);
    expect(Date.parse(raw.at(-1)!.at)).toBeGreaterThanOrEqual(NOW - RAW_RETENTION_MS - interval);
    // The outage (38–40 h ago) is still in the raw results; the first day is not.
    expect(raw.some((h) => h.code === 'tcp.refused')).toBe(true);
  });

  it('status covers the full 24 h and says so', async () => {
    const history = await results.store.since(target, NOW - DAY_MS);
    const s = targetStatus(target, history, [], NOW, undefined, await results.store.firstCheckAt(target));
    expect(s.period).toMatchObject({ from: NOW - DAY_MS, young: false, capped: false });
    // Every check of the last 24 h, not the last 500 results.
    expect(s.checks24h).toBe(DAY_MS / interval);
    expect(s.availability24h).toBe(1);
    const answer = await new StatusAnswers(results, noAlerts).forTarget(target, NOW);
    expect(plainOf(answer.text)).toMatch(/last 24 h \(since 2026-10-19 12:30 UTC\): availability 100\.00 % of \d+ checks/);
    expect(answer.chart?.png.length).toBeGreaterThan(1_000);
  });

  it('the 7-day report: availability, downtime, the incident, MTTR, findings and p95 per stage', async () => {
    const r = await reader.report(target, parseReportPeriod('7d', NOW)!, NOW);
    const failed = (2 * HOUR_MS) / interval;
    expect(r.checks).toBe(written);
    expect(r.passes).toBe(written - failed);
    expect(r.availability).toBeCloseTo((100 * (written - failed)) / written, 6);
    expect(r.topFindings).toEqual([{ code: 'tcp.refused', count: failed }]);
    // One unreachable incident: from the first failed check to the third good one after it.
    const unreachable = r.incidents.filter((i) => i.class === 'unreachable');
    expect(unreachable).toHaveLength(1);
    expect(unreachable[0]).toMatchObject({ origin: 'check', start: outage.from, end: outage.to + 2 * interval });
    expect(r.downtimeMinutes).toBe(Math.round((2 * HOUR_MS + 2 * interval) / 60_000));
    expect(r.mttrMs).toBe(2 * HOUR_MS + 2 * interval);
    // Rollup histograms: within a √2 bucket of the true 5 ms, 40 ms and 100 ms.
    expect(r.stages.connect!.p95).toBeGreaterThan(5 / 1.42);
    expect(r.stages.connect!.p95).toBeLessThan(5 * 1.42);
    expect(r.stages.login!.p95).toBeGreaterThan(40 / 1.42);
    expect(r.stages.login!.p95).toBeLessThan(40 * 1.42);
    expect(r.total!.p50).toBeGreaterThan(100 / 1.42);
    expect(r.total!.p50).toBeLessThan(100 * 1.42);
    // Younger than the period: the report says from when it has data.
    expect(r.dataFrom).toBe(Math.floor(from / HOUR_MS) * HOUR_MS);
    expect(reportLines(r).join('\n')).toMatch(/data only from 2026-10-17 12:00 UTC/);
    expect(reportLines(r).join('\n')).toMatch(/• unreachable \(check, warning\) 2026-10-18 20:30 → 2026-10-18 22:\d\d: 2 h \d+ min/);
  });

  it('the month report equals the sum of its rollups', async () => {
    const r = await reader.report(target, parseReportPeriod('2026-10', NOW)!, NOW);
    expect(r.checks).toBe(written);
    expect(r.series).toHaveLength(20);
    expect(r.series.at(-1)!.availability).toBe(100);
    expect(r.series.find((s) => s.availability !== null && s.availability < 100)!.start).toBe(Date.parse('2026-10-18T00:00:00Z'));
  });
});

describe('honest status', () => {
  it('a target first checked 3 h ago says it is younger than 24 h', async () => {
    const target = 'young';
    await writeHistory(results, target, NOW - 3 * HOUR_MS, NOW, 60_000);
    const answer = await new StatusAnswers(results, noAlerts).forTarget(target, NOW);
    expect(plainOf(answer.text)).toMatch(/since the first check 3 h 0 min ago \(2026-10-20 09:30 UTC; younger than 24 h\): availability 100\.00 % of 180 checks/);
    const all = await new StatusAnswers(results, noAlerts).forTargets([target], NOW);
    expect(plainOf(all.text)).toMatch(/young 100\.00 % of 180 checks \(3 h 0 min, since the first check\)/);
  });

  it('at a 10 s interval, where the raw results reach back less than 24 h, says how far they do', async () => {
    const target = 'fast';
    await writeHistory(results, target, NOW - 26 * HOUR_MS, NOW, 10_000);
    const answer = await new StatusAnswers(results, noAlerts).forTarget(target, NOW);
    const minutes = Math.round(((RAW_MAX_ENTRIES - 1) * 10_000 + 10_000) / 60_000);
    expect(plainOf(answer.text)).toMatch(new RegExp(`last ${Math.floor(minutes / 60)} h ${minutes % 60} min only .*only the newest ${RAW_MAX_ENTRIES} results are kept.*: availability 100\\.00 % of ${RAW_MAX_ENTRIES} checks`));
    // The report of the same day, from the rollups (whole hours: from 12:00 yesterday), still has every check.
    const r = await reader.report(target, { label: '1d', from: NOW - DAY_MS - 30 * 60_000, to: NOW }, NOW);
    expect(r.checks).toBe((DAY_MS + 30 * 60_000) / 10_000);
  });

  it('rollups expire 400 days after their hour; raw results 48 h after the last check', async () => {
    const keys = new RedisKeys(prefix);
    const hour = Math.floor((NOW - HOUR_MS) / HOUR_MS) * HOUR_MS;
    const rollupTtl = await redis.pexpiretime(keys.rollup('young', hour));
    expect(rollupTtl).toBe(hour + HOUR_MS + 400 * DAY_MS);
    const rawTtl = await redis.pttl(keys.results('young'));
    expect(rawTtl).toBeGreaterThan(RAW_RETENTION_MS - 60_000);
  });

  it('open incidents are counted per class for the metrics, and leave the count when resolved', async () => {
    const log = new IncidentLog(redis, prefix);
    const target = 'flaky';
    const start = NOW - HOUR_MS;
    await writeHistory(results, target, start, start + 5 * 60_000, 60_000, [{ from: start, to: start + 5 * 60_000, code: 'auth.failed', stage: 'login' }]);
    expect((await log.openByClass()).auth).toBe(1);
    await writeHistory(results, target, start + 5 * 60_000, start + 10 * 60_000, 60_000, [], true);
    expect((await log.openByClass()).auth ?? 0).toBe(0);
  });
});
