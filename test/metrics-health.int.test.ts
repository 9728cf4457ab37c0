// /metrics scraped and parsed by a real Prometheus text-format parser (prom2javascript: unlike
// parse-prometheus-text-format, it keeps the labels of histogram series), on the bot's port and on a
// worker's own (FTPOPS_METRICS_PORT); /healthz and /readyz while a Redis of the test's own is
// stopped and started again (never the shared one on 6379).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Readable } from 'node:stream';
import { getMetricsFromStream, type PromHistogramData, type PromData, type PromMetric } from 'prom2javascript';
import { startBot, type Running } from '../src/main.js';
import { startWorker } from '../src/worker.js';
import { loadTargetsFile } from '../src/config/targets-file.js';
import { FtpopsMetrics } from '../src/metrics/metrics.js';
import { healthRoutes } from '../src/http/health.js';
import { startHttpServer } from '../src/http/http-server.js';
import { startFaultFtpServer, type FaultFtpServer } from './support/fault-ftp-server.js';
import { freePort, uniquePrefix, writeConfig } from './support/bot-process.js';
import { startRedis, stopChild } from './support/private-redis.js';

let redisPort: number;
let redisDir: string;
let redis: ChildProcess;
let ftp: FaultFtpServer;
let bot: Running;
let worker: Running;
let botPort: number;
let workerPort: number;

beforeAll(async () => {
  redisPort = await freePort();
  redisDir = mkdtempSync(join(tmpdir(), 'ftpops-metrics-redis-'));
  redis = await startRedis(redisPort, redisDir);
  ftp = await startFaultFtpServer();
  const config = writeConfig(
    [
      'targets:',
      '  alpha:',
      `    url: ftp://u@127.0.0.1:${ftp.port}`,
      '    interval: 1s',
      '    ingest:',
      '      tokenEnv: ALPHA_INGEST_TOKEN',
      '      daemon: vsftpd',
      '',
    ].join('\n'),
  );
  botPort = await freePort();
  workerPort = await freePort();
  const env = {
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    FTPOPS_QUEUE_PREFIX: uniquePrefix(),
    FTPOPS_CONFIG: config,
    FTPOPS_METRICS_PORT: String(workerPort),
    FTPOPS_METRICS_HOST: '127.0.0.1',
    ALPHA_INGEST_TOKEN: 'ingest-secret',
  };
  const targets = loadTargetsFile(config, true);
  worker = await startWorker(env, targets);
  bot = await startBot(env, { config: targets, console: { host: '127.0.0.1', port: botPort } });
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await worker?.stop();
  await ftp?.close();
  if (redis) await stopChild(redis);
});

async function get(port: number, path: string): Promise<{ status: number; body: string; type: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { host: `127.0.0.1:${port}` } });
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' };
}

type Families = Record<string, PromMetric>;

async function parse(text: string): Promise<Families> {
  return getMetricsFromStream(Readable.from([text]));
}

async function scrape(port: number): Promise<Families> {
  const res = await get(port, '/metrics');
  expect(res.status).toBe(200);
  expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(res.body);
}

const samples = (f: Families, name: string) => (f[name]?.data ?? []) as PromData[];
const series = (f: Families, name: string) => (f[name]?.data ?? []) as PromHistogramData[];

async function eventually<T>(what: string, find: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find().catch(() => undefined);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('/metrics', () => {
  it('the worker: check durations per target and stage, results by code, scheduler lag, queue, Redis round trip', async () => {
    // Scheduled every second: wait for a few checks.
    const families = await eventually('three scheduled checks in the worker metrics', async () => {
      const f = await scrape(workerPort);
      const ok = samples(f, 'ftpops_check_results_total').find((m) => m.labels.target === 'alpha' && m.labels.code === 'ok');
      return (ok?.value ?? 0) >= 3 ? f : undefined;
    });
    expect(families.ftpops_check_duration_seconds!.type).toBe('histogram');
    const durations = series(families, 'ftpops_check_duration_seconds');
    const stages = new Set(durations.filter((m) => m.labels.target === 'alpha').map((m) => m.labels.stage));
    expect([...stages]).toEqual(expect.arrayContaining(['total', 'connect', 'greet', 'login']));
    const total = durations.find((m) => m.labels.target === 'alpha' && m.labels.stage === 'total')!;
    expect(total.count).toBeGreaterThanOrEqual(3);
    expect(total.buckets['+Inf']).toBe(total.count);
    expect(families.ftpops_scheduler_lag_seconds!.type).toBe('histogram');
    expect(series(families, 'ftpops_scheduler_lag_seconds')[0]!.count).toBeGreaterThanOrEqual(1);
    // Every check of a configured target was recorded (history and alerts), and timed.
    expect(series(families, 'ftpops_result_record_seconds')[0]!.count).toBeGreaterThanOrEqual(3);
    expect(samples(families, 'ftpops_queue_jobs').map((m) => m.labels.state).sort()).toEqual(['active', 'delayed', 'failed', 'waiting']);
    const rtt = samples(families, 'ftpops_redis_rtt_seconds')[0]!.value;
    expect(rtt).toBeGreaterThan(0);
    expect(rtt).toBeLessThan(1);
    // Process metrics (CPU, memory) come along, prefixed.
    expect(families.ftpops_process_cpu_seconds_total?.type).toBe('counter');
  });

  it('the bot: open incidents per class, ingested lines per target, chat errors; no label from user input', async () => {
    const ingest = await fetch(`http://127.0.0.1:${botPort}/ingest/alpha`, {
      method: 'POST',
      headers: { authorization: 'Bearer ingest-secret', 'content-type': 'text/plain', host: `127.0.0.1:${botPort}` },
      body: 'Sun Nov 22 10:00:00 2026 [pid 2] [bob] FAIL LOGIN: Client "192.0.2.7"\nnot a log line at all\n',
    });
    expect(ingest.status).toBe(202);
    // Someone probing the ingest route with made-up target names: no label for them.
    await fetch(`http://127.0.0.1:${botPort}/ingest/evil%22name`, { method: 'POST', headers: { host: `127.0.0.1:${botPort}` }, body: 'x' });
    const families = await scrape(botPort);
    const lines = samples(families, 'ftpops_ingested_lines_total');
    expect(lines.find((m) => m.labels.target === 'alpha' && m.labels.result === 'unknown')?.value).toBe(1);
    expect(lines.find((m) => m.labels.target === 'alpha' && m.labels.result === 'parsed')?.value).toBe(1);
    expect(lines.every((m) => m.labels.target === 'alpha')).toBe(true);
    expect(samples(families, 'ftpops_open_incidents').map((m) => m.labels.class).sort()).toEqual(['auth', 'capacity', 'cert_expiry', 'latency', 'reset', 'tls', 'unreachable']);
    expect(families.ftpops_chat_api_errors_total?.type).toBe('counter');
    expect(families.ftpops_chat_api_retries_total?.type).toBe('counter');
  });

  it('ad-hoc URL checks count under target="adhoc"; FTPOPS_METRICS_PER_TARGET=0 folds targets into "all"', async () => {
    const m = new FtpopsMetrics();
    const report = { target: 'ftp://user:pw@203.0.113.9/', ok: false, durationMs: 12, finding: { code: 'tcp.refused' }, stages: [{ name: 'connect', status: 'failed', durationMs: 12 }] };
    m.observeReport(report, false);
    m.configure({ FTPOPS_METRICS_PER_TARGET: '0' }).observeReport({ ...report, target: 'alpha' }, true);
    // prom-client's event-loop gauges read "Nan" until their first sample (Prometheus takes it; this parser does not).
    await new Promise((r) => setTimeout(r, 300));
    const families = await parse((await m.text()).body);
    const targets = samples(families, 'ftpops_check_results_total').map((s) => s.labels.target).sort();
    expect(targets).toEqual(['adhoc', 'all']);
  });
  it('with FTPOPS_METRICS_TOKEN: only a scraper with the bearer token reads it (401 otherwise); health stays open', async () => {
    const server = await startHttpServer({ host: '127.0.0.1', port: 0, routes: healthRoutes(() => [], new FtpopsMetrics(), 'scrape-secret') });
    try {
      const read = async (authorization?: string) => {
        const res = await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: authorization ? { authorization } : {} });
        return { status: res.status, body: await res.text(), challenge: res.headers.get('www-authenticate') };
      };
      const none = await read();
      expect(none.status).toBe(401);
      expect(none.challenge).toBe('Bearer');
      expect(none.body).not.toMatch(/ftpops_/);
      expect((await read('Bearer scrape-secreT')).status).toBe(401);
      expect((await read('Basic c2NyYXBlLXNlY3JldA==')).status).toBe(401);
      // prom-client's event-loop gauges read "Nan" until their first sample (as in the test above).
      await new Promise((r) => setTimeout(r, 300));
      const ok = await read('Bearer scrape-secret');
      expect(ok.status).toBe(200);
      expect(Object.keys(await parse(ok.body))).toContain('ftpops_check_results_total');
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe('/healthz and /readyz', () => {
  it('ready while Redis answers; not ready while it is stopped (healthz still alive); ready again when it returns', async () => {
    for (const port of [botPort, workerPort]) {
      const ready = await get(port, '/readyz');
      expect(ready.status, ready.body).toBe(200);
      expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready', checks: { redis: 'ok', queue: 'ok' } });
    }
    expect(JSON.parse((await get(botPort, '/readyz')).body).checks['chat:console']).toBe('ok');

    await stopChild(redis);
    for (const port of [botPort, workerPort]) {
      const down = await eventually('/readyz to fail', async () => {
        const r = await get(port, '/readyz');
        return r.status === 503 ? r : undefined;
      }, 10_000);
      const body = JSON.parse(down.body) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe('not ready');
      expect(body.checks.redis).not.toBe('ok');
      expect((await get(port, '/healthz')).status).toBe(200);
    }

    redis = await startRedis(redisPort, redisDir);
    for (const port of [botPort, workerPort]) {
      await eventually('/readyz to recover', async () => ((await get(port, '/readyz')).status === 200 ? true : undefined), 15_000);
    }
  }, 60_000);
});
