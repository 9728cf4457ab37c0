// The pure parts of the history: histogram buckets and quantiles, report periods, downtime.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bucketOf, bucketUpperMs, mergeInto, quantileMs, type Histogram } from '../src/history/latency-histogram.js';
import { parseReportPeriod } from '../src/history/report-period.js';
import { targetReport } from '../src/history/target-report.js';

const NOW = Date.parse('2026-12-02T06:10:00Z');

describe('latency histogram', () => {
  it('a value falls in the bucket whose bounds hold it', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.2, max: 100_000, noNaN: true }), (ms) => {
        const b = bucketOf(ms);
        expect(ms).toBeLessThanOrEqual(bucketUpperMs(b) * (1 + 1e-12));
        expect(ms).toBeGreaterThan(bucketUpperMs(b - 1) * (1 - 1e-12));
      }),
    );
  });

  it('quantiles of merged histograms are within a √2 step of the exact ones', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.double({ min: 0.5, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 50 }), { minLength: 1, maxLength: 10 }), (hours) => {
        const merged: Histogram = {};
        for (const values of hours) {
          const h: Histogram = {};
          for (const v of values) h[bucketOf(v)] = (h[bucketOf(v)] ?? 0) + 1;
          mergeInto(merged, h);
        }
        const all = hours.flat().sort((a, b) => a - b);
        for (const p of [0.5, 0.95]) {
          const exact = all[Math.min(all.length - 1, Math.floor(p * all.length))]!;
          const estimate = quantileMs(merged, p)!;
          expect(estimate / exact).toBeGreaterThan(1 / Math.SQRT2 - 1e-9);
          expect(estimate / exact).toBeLessThan(Math.SQRT2 + 1e-9);
        }
      }),
    );
  });

  it('an empty histogram has no quantile', () => {
    expect(quantileMs({}, 0.95)).toBeNull();
  });
});

describe('report periods', () => {
  it.each([
    ['7d', '2026-11-25T06:00:00.000Z', '2026-12-02T06:10:00.000Z'],
    ['30d', '2026-11-02T06:00:00.000Z', '2026-12-02T06:10:00.000Z'],
    ['90d', '2026-09-03T06:00:00.000Z', '2026-12-02T06:10:00.000Z'],
    ['2026-11', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['2026-12', '2026-12-01T00:00:00.000Z', '2026-12-02T06:10:00.000Z'],
    ['2024-02', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
  ])('%s → %s … %s', (text, from, to) => {
    const p = parseReportPeriod(text, NOW)!;
    expect([new Date(p.from).toISOString(), new Date(p.to).toISOString()]).toEqual([from, to]);
  });

  it.each(['8d', '2027-01', '2026-13', '26-11', '30', '', 'yesterday'])('%j is no period', (text) => {
    expect(parseReportPeriod(text, NOW)).toBeUndefined();
  });
});

describe('downtime', () => {
  const period = { label: 'x', from: 0, to: 10 * 3_600_000 };
  it('overlapping incidents count once; warnings about certificates and latency do not count; clipped to the period', () => {
    const r = targetReport('t', period, [], [
      { class: 'unreachable', origin: 'check', severity: 'critical', start: -3_600_000, end: 3_600_000 },
      { class: 'auth', origin: 'check', severity: 'warning', start: 1_800_000, end: 2 * 3_600_000 },
      { class: 'latency', origin: 'check', severity: 'warning', start: 4 * 3_600_000, end: 5 * 3_600_000 },
      { class: 'auth', origin: 'logs', severity: 'warning', start: 6 * 3_600_000, end: 7 * 3_600_000 },
      { class: 'tls', origin: 'check', severity: 'critical', start: 9 * 3_600_000 },
    ], 9.5 * 3_600_000);
    expect(r.downtimeMinutes).toBe(120 + 30);
    expect(r.incidents).toHaveLength(5);
    // MTTR: of those that ended in the period (the open one has not).
    expect(r.mttrMs).toBe(((2 + 1.5 + 1 + 1) * 3_600_000) / 4);
  });
});
