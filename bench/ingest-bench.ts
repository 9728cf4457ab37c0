// npm run bench:ingest — server log lines per second, parsed and counted on one core (real
// Redis for the counting), beside the bare parser alone; and the time from the first line of a
// 530 burst to the alert root posted in the fake Slack by `ftpops all`.
// Not a test: it measures. Results go to BENCHMARKS.md by hand.
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { Redis } from 'ioredis';
import { parseLogLine } from '../src/ingest/parse-line.js';
import { LogAlerts } from '../src/ingest/log-alerts.js';
import { WindowStore } from '../src/alerts/windows.js';
import { IncidentStore } from '../src/alerts/incidents.js';
import { DEFAULT_THRESHOLDS } from '../src/alerts/window-evaluation.js';
import { DEFAULT_ALERT_POLICY } from '../src/alerts/alert-machine.js';
import { startFakeSlackApi } from '../test/support/fake-slack-api.js';
import { BOT_TOKEN, RoleProcess, SIGNING_SECRET, freePort, uniquePrefix, writeConfig } from '../test/support/bot-process.js';

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const BATCH = 10_000;
const fixtures = ['sshd.log', 'vsftpd.log', 'pure-ftpd.log'].flatMap((f) =>
  readFileSync(new URL(`../test/fixtures/logs/${f}`, import.meta.url), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')),
);
const lines = Array.from({ length: LINES }, (_, i) => fixtures[i % fixtures.length]!);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// 1a. The parser alone.
const parseRates: number[] = [];
for (let round = 0; round < 3; round++) {
  const t = performance.now();
  let events = 0;
  for (const line of lines) if (parseLogLine(line)) events++;
  parseRates.push(LINES / ((performance.now() - t) / 1000));
  if (!events) throw new Error('nothing parsed');
}

// 1b. Parsed and counted into Redis windows, in batches as the ingest route receives them.
const redis = new Redis('redis://127.0.0.1:6379');
const prefix = uniquePrefix();
const logs = new LogAlerts(redis, prefix, new WindowStore(redis, prefix), new IncidentStore(redis, prefix), () => ({ thresholds: DEFAULT_THRESHOLDS, policy: DEFAULT_ALERT_POLICY }));
const countRates: number[] = [];
for (let round = 0; round < 3; round++) {
  const t = performance.now();
  for (let i = 0; i < LINES; i += BATCH) await logs.ingest('bench', lines.slice(i, i + BATCH), undefined);
  countRates.push(LINES / ((performance.now() - t) / 1000));
}
const keys = await redis.keys(`${prefix}*`);
if (keys.length) await redis.del(...keys);

// 2. First line of a burst → alert root in Slack, through `ftpops all` (evaluation every 1 s).
const fake = await startFakeSlackApi();
const port = await freePort();
const config = writeConfig('targets:\n  edge:\n    url: sftp://u@127.0.0.1:1\n    alertChannel: CBENCH\n    ingest: { tokenEnv: BENCH_TOKEN, daemon: sshd }\n');
const bot = new RoleProcess('all', {
  SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.url, PORT: String(port),
  REDIS_URL: 'redis://127.0.0.1:6379', FTPOPS_QUEUE_PREFIX: uniquePrefix(), FTPOPS_CONFIG: config, BENCH_TOKEN: 'bench', FTPOPS_EVALUATE_MS: '1000',
});
let alertMs = NaN;
try {
  await bot.ready();
  const burst = fixtures.filter((l) => l.startsWith('Failed password for'));
  const body = Array.from({ length: 20 }, () => burst).flat().join('\n');
  const t = Date.now();
  await fetch(`http://127.0.0.1:${port}/ingest/edge`, { method: 'POST', headers: { authorization: 'Bearer bench' }, body });
  await fake.waitFor(({ messages }) => messages.find((m) => m.channel === 'CBENCH' && !m.thread_ts), 30_000);
  alertMs = Date.now() - t;
} finally {
  await bot.kill('SIGTERM');
  await fake.close();
  redis.disconnect();
}

console.log(`\nmachine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
console.log(`${LINES} lines from the captured fixtures (sshd, vsftpd, pure-ftpd), 3 rounds each:`);
console.log(`  parser alone:                 median ${Math.round(median(parseRates)).toLocaleString('en')} lines/s`);
console.log(`  parsed + counted into Redis:  median ${Math.round(median(countRates)).toLocaleString('en')} lines/s (batches of ${BATCH})`);
console.log(`first line of a burst → alert root posted: ${alertMs} ms (evaluated on arrival; a critical breach fires at once)`);
process.exit(0);
