// /ftp status: numbers from the history, and the chart as a real PNG.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hourlySeries, targetStatus } from '../src/alerts/target-status.js';
import { renderStatusChart } from '../src/bot/status-chart.js';
import type { HistoryEntry } from '../src/alerts/check-results.js';

const NOW = Date.parse('2026-11-22T12:30:00Z');
// A check every 10 minutes for 24 h; the 03:00 hour failed; times grow a little in the afternoon.
const history: HistoryEntry[] = Array.from({ length: 144 }, (_, i) => {
  const at = NOW - i * 600_000;
  const hour = new Date(at).getUTCHours();
  const ok = hour !== 3;
  return { at: new Date(at).toISOString(), ok, code: ok ? null : 'auth.failed', durationMs: 30 + (hour % 12) * 2, stages: ok ? { connect: 2, login: 10 + (i % 5), list: 4 } : { connect: 2 } };
});

describe('status', () => {
  it('availability and stage percentiles over 24 h', () => {
    const status = targetStatus('prod-sftp', history, [{ alert: 'prod-sftp:check:auth', severity: 'warning', detail: 'auth.failed', firstSeenAt: NOW - 60_000 }], NOW);
    expect(status.checks24h).toBe(144);
    expect(status.availability24h).toBeCloseTo(138 / 144, 5);
    expect(status.stages.login).toEqual({ p50: 12, p95: 14 });
    expect(status.last?.at).toBe(new Date(NOW).toISOString());
    expect(status.incidents).toHaveLength(1);
  });

  it('draws a chart that is a real, non-trivial PNG', async () => {
    const series = hourlySeries(history, NOW);
    expect(series).toHaveLength(24);
    expect(series.find((s) => new Date(s.hourStart).getUTCHours() === 3)?.availability).toBe(0);
    const png = await renderStatusChart('prod-sftp', series);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(900); // IHDR width
    expect(png.readUInt32BE(20)).toBe(320); // IHDR height
    expect(png.length).toBeGreaterThan(10_000);
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/status-chart.png', png);
  });
});
