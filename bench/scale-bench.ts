// Scale run (outside CI): N targets (default 1,000) scheduled every minute against the in-process
// demo FTP server, with a real `ftpops bot` (Slack over HTTP, against the fake Slack API) and a
// real `ftpops worker` as child processes, on Redis (127.0.0.1:6379 or --redis) under a key prefix
// of the run's own (removed at the end). Measured from the processes' own /metrics:
//  - checks per minute achieved vs scheduled, and what the failed ones failed with;
//  - scheduler lag p95 (how late a scheduled check started);
//  - bot and worker CPU (% of one core) and RSS;
//  - Redis memory per target: what the run left (BullMQ's scheduler and jobs, raw results,
//    rollups) by MEMORY USAGE, plus a simulated steady state written directly: 48 h of raw
//    results at 1 min and 400 days of hourly rollups for one target.
//
//   npx tsx bench/scale-bench.ts [--targets 1000] [--warmup-s 90] [--measure-s 180]
//        [--concurrency 16] [--redis redis://127.0.0.1:6379]
//
// Needs a build (dist/): the bot and worker run as `bin/ftpops`. Not a test: it measures;
// results go to BENCHMARKS.md by hand. The demo server runs in this process (so its CPU is
// neither the bot's nor the worker's).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { getMetricsFromStream, type PromData, type PromHistogramData, type PromMetrics } from 'prom2javascript';
import { startDemoServers } from '../src/demo/demo-servers.js';
import { RedisKeys } from '../src/queue/redis-keys.js';
import { HOUR_MS, ROLLUP_RETENTION_MS } from '../src/history/result-store.js';
import { startFakeSlackApi } from '../test/support/fake-slack-api.js';
import { BOT_TOKEN, SIGNING_SECRET, freePort } from '../test/support/bot-process.js';

const { values: args } = parseArgs({
  options: {
    targets: { type: 'string', default: '1000' },
    'warmup-s': { type: 'string', default: '90' },
    'measure-s': { type: 'string', default: '180' },
    concurrency: { type: 'string', default: '16' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});
const N = Number(args.targets);
const WARMUP_MS = Number(args['warmup-s']) * 1_000;
const MEASURE_MS = Number(args['measure-s']) * 1_000;
const BIN = fileURLToPath(new URL('../bin/ftpops', import.meta.url));
const prefix = `{ftpops-bench-${randomBytes(4).toString('hex')}}`;
const keys = new RedisKeys(prefix);
const redis = new Redis(args.redis);

function child(role: 'bot' | 'worker', env: NodeJS.ProcessEnv): { proc: ChildProcess; ready: Promise<void>; output: () => string } {
  let output = '';
  const proc = spawn(process.execPath, [BIN, role], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const ready = new Promise<void>((resolve, reject) => {
    proc.stderr?.on('data', (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
      if (/running/.test(output)) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`${role} exited with ${code}:\n${output}`)));
  });
  return { proc, ready, output: () => output };
}

async function scrape(port: number): Promise<PromMetrics> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return getMetricsFromStream(Readable.from([await res.text()]));
}

const values = (m: PromMetrics, name: string) => (m[name]?.data ?? []) as PromData[];
const histograms = (m: PromMetrics, name: string) => (m[name]?.data ?? []) as PromHistogramData[];
const total = (m: PromMetrics, name: string) => values(m, name).reduce((a, s) => a + s.value, 0);

/** p-quantile from the difference of two cumulative histograms (upper bucket bound). */
function quantileOfDelta(before: PromHistogramData | undefined, after: PromHistogramData | undefined, p: number): number | null {
  if (!after) return null;
  const bounds = Object.keys(after.buckets).sort((a, b) => (a === '+Inf' ? 1 : b === '+Inf' ? -1 : Number(a) - Number(b)));
  const count = after.count - (before?.count ?? 0);
  if (!count) return null;
  for (const le of bounds) {
    if (after.buckets[le]! - (before?.buckets[le] ?? 0) >= p * count) return le === '+Inf' ? Infinity : Number(le);
  }
  return null;
}

async function memoryOf(pattern: string): Promise<{ keys: number; bytes: number }> {
  let cursor = '0';
  let count = 0;
  let bytes = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 2_000);
    cursor = next;
    if (batch.length) {
      const pipeline = redis.pipeline();
      for (const key of batch) pipeline.memory('USAGE', key, 'SAMPLES', '0');
      for (const [err, used] of (await pipeline.exec()) ?? []) if (!err) bytes += Number(used ?? 0);
      count += batch.length;
    }
  } while (cursor !== '0');
  return { keys: count, bytes };
}

async function removeAll(): Promise<void> {
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5_000);
    cursor = next;
    if (batch.length) await redis.unlink(...batch);
  } while (cursor !== '0');
}

/** One target's steady state, written directly: 48 h of raw results at 1 min, 400 days of hourly rollups. */
async function simulatedSteadyState(sampleRaw: string, sampleRollup: Record<string, string>): Promise<{ rawBytes: number; rollupBytes: number; rollupKeys: number }> {
  const target = 'simulated-400d';
  const now = Date.now();
  const raw = keys.results(target);
  let pipeline = redis.pipeline();
  for (let i = 0; i < 2_880; i++) {
    const at = now - i * 60_000;
    pipeline.zadd(raw, at, sampleRaw.replace(/"at":"[^"]*"/, `"at":"${new Date(at).toISOString()}"`));
  }
  await pipeline.exec();
  const hours = ROLLUP_RETENTION_MS / HOUR_MS;
  const start = Math.floor(now / HOUR_MS) * HOUR_MS;
  for (let i = 0; i < hours; i += 1_000) {
    pipeline = redis.pipeline();
    for (let h = i; h < Math.min(hours, i + 1_000); h++) {
      const hourStart = start - h * HOUR_MS;
      const key = keys.rollup(target, hourStart);
      pipeline.hset(key, sampleRollup);
      pipeline.pexpireat(key, hourStart + HOUR_MS + ROLLUP_RETENTION_MS);
    }
    await pipeline.exec();
  }
  const rollups = await memoryOf(`${prefix}:rollup:${target}:*`);
  return { rawBytes: Number(await redis.memory('USAGE', raw, 'SAMPLES', '0')), rollupBytes: rollups.bytes, rollupKeys: rollups.keys };
}

async function main(): Promise<void> {
  const started = Date.now();
  const demo = await startDemoServers();
  const slack = await startFakeSlackApi();
  const ftp = demo.targets.find((t) => t.name === 'demo-ftp')!;
  const dir = mkdtempSync(join(tmpdir(), 'ftpops-scale-'));
  const config = join(dir, 'ftpops.yaml');
  const lines = ['targets:'];
  for (let i = 1; i <= N; i++) lines.push(`  t${String(i).padStart(5, '0')}:`, `    url: ${ftp.url}`, `    passwordEnv: ${ftp.passwordEnv}`, '    interval: 1m');
  writeFileSync(config, `${lines.join('\n')}\n`);
  const [botPort, workerPort] = [await freePort(), await freePort()];
  const common = {
    REDIS_URL: args.redis,
    FTPOPS_QUEUE_PREFIX: prefix,
    FTPOPS_CONFIG: config,
    // One "all" series instead of N: a per-target scrape of 10,000 targets is itself a load.
    FTPOPS_METRICS_PER_TARGET: '0',
    FTPOPS_LOG_LEVEL: 'warn',
    ...demo.passwordEnv,
  };
  const worker = child('worker', { ...common, FTPOPS_WORKER_CONCURRENCY: args.concurrency, FTPOPS_METRICS_PORT: String(workerPort), FTPOPS_METRICS_HOST: '127.0.0.1' });
  await worker.ready;
  const schedulingStarted = Date.now();
  const bot = child('bot', { ...common, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url, PORT: String(botPort), FTPOPS_HTTP_HOST: '127.0.0.1' });
  await bot.ready;
  const schedulingMs = Date.now() - schedulingStarted;
  console.error(`scale: ${N} targets scheduled in ${(schedulingMs / 1000).toFixed(1)} s (bot start included); warming up ${WARMUP_MS / 1000} s`);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  const t1 = Date.now();
  const [w1, b1] = await Promise.all([scrape(workerPort), scrape(botPort)]);
  const load1 = loadavg()[0]!;
  console.error(`scale: measuring ${MEASURE_MS / 1000} s`);
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  const t2 = Date.now();
  const [w2, b2] = await Promise.all([scrape(workerPort), scrape(botPort)]);
  const load2 = loadavg()[0]!;
  const minutes = (t2 - t1) / 60_000;
  const results = (m: PromMetrics) => values(m, 'ftpops_check_results_total');
  const byCode = new Map<string, number>();
  for (const s of results(w2)) byCode.set(s.labels.code!, s.value - (results(w1).find((b) => b.labels.code === s.labels.code)?.value ?? 0));
  const checks = [...byCode.values()].reduce((a, b) => a + b, 0);
  const cpu = (a: PromMetrics, b: PromMetrics) => (100 * (total(b, 'ftpops_process_cpu_seconds_total') - total(a, 'ftpops_process_cpu_seconds_total'))) / ((t2 - t1) / 1_000);
  const lag = (p: number) => quantileOfDelta(histograms(w1, 'ftpops_scheduler_lag_seconds')[0], histograms(w2, 'ftpops_scheduler_lag_seconds')[0], p);
  const checkP95 = quantileOfDelta(histograms(w1, 'ftpops_check_duration_seconds').find((h) => h.labels.stage === 'total'), histograms(w2, 'ftpops_check_duration_seconds').find((h) => h.labels.stage === 'total'), 0.95);
  const recordP = (p: number) => quantileOfDelta(histograms(w1, 'ftpops_result_record_seconds')[0], histograms(w2, 'ftpops_result_record_seconds')[0], p);
  const queue = Object.fromEntries(values(w2, 'ftpops_queue_jobs').map((s) => [s.labels.state, s.value]));

  bot.proc.kill('SIGTERM');
  worker.proc.kill('SIGTERM');
  await Promise.all([bot, worker].map((c) => new Promise((r) => (c.proc.exitCode !== null ? r(undefined) : c.proc.once('exit', r)))));

  // What the run left in Redis, per target, by kind of key.
  const left = {
    bullmq: await memoryOf(`${prefix}:checks:*`),
    raw: await memoryOf(`${prefix}:results:*`),
    rollups: await memoryOf(`${prefix}:rollup:*`),
    firstCheck: await memoryOf(`${prefix}:first-check:*`),
    all: await memoryOf(`${prefix}*`),
  };
  const sampleTarget = 't00001';
  const sampleRaw = (await redis.zrevrange(keys.results(sampleTarget), 0, 0))[0];
  const rollupKey = (await redis.keys(`${prefix}:rollup:${sampleTarget}:*`))[0];
  const sampleRollup = rollupKey ? await redis.hgetall(rollupKey) : {};
  // Scale the sample hour to a full hour at 1 min (60 checks) so the counters have their steady width.
  const fullHour = Object.fromEntries(Object.entries(sampleRollup).map(([k, v]) => [k, String(Math.round((Number(v) * 60) / Math.max(1, Number(sampleRollup.n ?? 1))))]));
  const steady = sampleRaw ? await simulatedSteadyState(sampleRaw, fullHour) : undefined;
  await removeAll();
  redis.disconnect();
  await slack.close();
  await demo.stop();

  const perTarget = (b: number) => Math.round(b / N);
  const summary = {
    targets: N,
    interval: '1m',
    workerConcurrency: Number(args.concurrency),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
    loadAverage1m: [Number(load1.toFixed(2)), Number(load2.toFixed(2))],
    schedulingSeconds: Number((schedulingMs / 1_000).toFixed(1)),
    warmupSeconds: WARMUP_MS / 1_000,
    measuredSeconds: Math.round((t2 - t1) / 1_000),
    checksPerMinute: { scheduled: N, achieved: Math.round(checks / minutes) },
    resultsByCode: Object.fromEntries(byCode),
    schedulerLagSeconds: { p50: lag(0.5), p95: lag(0.95), p99: lag(0.99) },
    checkDurationP95Seconds: checkP95,
    resultRecordSeconds: { p50: recordP(0.5), p95: recordP(0.95) },
    benchProcessCpuPercent: Math.round((100 * (process.cpuUsage().user + process.cpuUsage().system)) / 1e6 / ((Date.now() - started) / 1_000)),
    queueAtEnd: queue,
    cpuPercentOfOneCore: { bot: Math.round(cpu(b1, b2)), worker: Math.round(cpu(w1, w2)) },
    rssMiB: { bot: Math.round(total(b2, 'ftpops_process_resident_memory_bytes') / 2 ** 20), worker: Math.round(total(w2, 'ftpops_process_resident_memory_bytes') / 2 ** 20) },
    redisBytesPerTargetAfterRun: { bullmq: perTarget(left.bullmq.bytes), raw: perTarget(left.raw.bytes), rollups: perTarget(left.rollups.bytes), firstCheck: perTarget(left.firstCheck.bytes), all: perTarget(left.all.bytes) },
    redisBytesPerTargetSteady: steady
      ? {
          raw48hAt1m: steady.rawBytes,
          rollups400d: steady.rollupBytes,
          rollupKeys: steady.rollupKeys,
          bytesPerRollupHour: Math.round(steady.rollupBytes / steady.rollupKeys),
          totalWithBullmq: steady.rawBytes + steady.rollupBytes + perTarget(left.bullmq.bytes) + perTarget(left.firstCheck.bytes),
        }
      : null,
    wallSeconds: Math.round((Date.now() - started) / 1_000),
  };
  console.log(JSON.stringify(summary, null, 2));
}

main().catch(async (err: unknown) => {
  console.error(err);
  await removeAll().catch(() => undefined);
  process.exit(1);
});
