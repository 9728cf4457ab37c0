// The Grafana dashboard and the Prometheus examples in docs/ are built on metrics that exist:
// every ftpops_* name they query is one this code exports.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FtpopsMetrics } from '../src/metrics/metrics.js';

async function exported(): Promise<Set<string>> {
  const m = new FtpopsMetrics();
  m.watchQueue(async () => ({ waiting: 0, active: 0, failed: 0, delayed: 0 }));
  m.watchIncidents(async () => ({}));
  m.watchRedis(async () => 0.2);
  const names = new Set<string>();
  for (const line of (await m.text()).body.split('\n')) {
    const match = /^# TYPE (\S+) (\S+)/.exec(line);
    if (!match) continue;
    names.add(match[1]!);
    if (match[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${match[1]}${suffix}`);
  }
  return names;
}

describe('docs use real metric names', () => {
  it.each(['docs/grafana-dashboard.json', 'docs/metrics.md', 'README.md'])('%s', async (file) => {
    const names = await exported();
    const used = new Set(readFileSync(file, 'utf8').match(/\bftpops_[a-z_]+[a-z]\b/g) ?? []);
    expect(used.size).toBeGreaterThan(0);
    // Families named in prose with a trailing "*" ("ftpops_process_*") are prefixes.
    const unknown = [...used].filter((n) => !names.has(n) && ![...names].some((e) => e.startsWith(`${n}_`)));
    expect(unknown).toEqual([]);
  });

  it('the dashboard is valid JSON with panels that all have a query', () => {
    const d = JSON.parse(readFileSync('docs/grafana-dashboard.json', 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    expect(d.panels.length).toBeGreaterThanOrEqual(10);
    for (const p of d.panels) expect(p.targets.every((t) => /ftpops_/.test(t.expr)), p.title).toBe(true);
  });
});
