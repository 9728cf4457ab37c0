// npm run bench:slack — the Slack path of `ftpops all`, against the fake Slack Web API, real
// Redis and the local vsftpd:
//  1. ack latency of 200 concurrent signed `/ftp check` requests (p50, p99; Slack allows 3 s);
//  2. end-to-end time from request to final summary, minus the probe's own time (the job's
//     processedOn → finishedOn in BullMQ), over sequential requests: what the bot, the queue and
//     the chat updates add on top of the check itself.
// Not a test: it measures. Results go to BENCHMARKS.md by hand.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { Queue } from 'bullmq';
import { startFakeSlackApi } from '../test/support/fake-slack-api.js';
import { RoleProcess, BOT_TOKEN, SIGNING_SECRET, freePort, sendSlashCommand, uniquePrefix, writeConfig } from '../test/support/bot-process.js';

const root = new URL('..', import.meta.url).pathname;
const CONCURRENT = Number(process.env.BENCH_ACKS ?? 200);
const SEQUENTIAL = Number(process.env.BENCH_E2E ?? 40);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

execFileSync('bash', [`${root}/scripts/testbed.sh`, 'install'], { stdio: 'inherit' });
execFileSync('bash', [`${root}/scripts/testbed.sh`, 'start'], { stdio: 'inherit' });
const tb = JSON.parse(readFileSync(`${root}/.testbed/testbed.json`, 'utf8'));
const fake = await startFakeSlackApi();
const prefix = uniquePrefix();
const port = await freePort();
const config = writeConfig(`targets:\n  bench-ftp:\n    url: ftp://${tb.user}@127.0.0.1:${tb.servers['vsftpd-main'].port}\n    passwordEnv: BENCH_PW\n`);
const bot = new RoleProcess('all', {
  SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.url, PORT: String(port),
  REDIS_URL: 'redis://127.0.0.1:6379', FTPOPS_QUEUE_PREFIX: prefix, FTPOPS_CONFIG: config, BENCH_PW: tb.password,
});
const queue = new Queue('checks', { connection: { host: '127.0.0.1', port: 6379 }, prefix });

try {
  await bot.ready();
  // Warm-up: one full round trip.
  await sendSlashCommand(port, 'check bench-ftp', { channel: 'CWARM', responseUrl: fake.responseUrl() });
  await fake.waitFor(({ messages }) => messages.find((m) => m.channel === 'CWARM' && JSON.stringify(m.blocks ?? []).includes('ftpops.recheck')), 15_000);

  // 1. Ack latency under a burst, sent from a process of its own (bench/slack-burst.ts).
  // Asynchronously: this process serves the fake Slack the bot calls meanwhile.
  const burst = await promisify(execFile)(`${root}/node_modules/.bin/tsx`, [`${root}/bench/slack-burst.ts`, String(port), String(CONCURRENT), fake.responseUrl()], { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  const acks = JSON.parse(burst.stdout) as Array<{ status: number; ms: number }>;
  const ackMs = acks.map((a) => a.ms);
  const ackErrors = acks.filter((a) => a.status !== 200).length;
  // Let that burst finish before timing single requests.
  const burstStarted = Date.now();
  let finals = 0;
  while (Date.now() - burstStarted < 60_000) {
    finals = fake.messages().filter((m) => m.channel.startsWith('CACK') && JSON.stringify(m.blocks ?? []).includes('ftpops.recheck')).length;
    if (finals >= CONCURRENT) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const burstMs = Date.now() - burstStarted;
  const burstPosted = fake.messages().filter((m) => m.channel.startsWith('CACK')).length;

  // 2. End-to-end overhead, one request at a time.
  const overhead: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const channel = `CE2E${i}`;
    const started = Date.now();
    await sendSlashCommand(port, 'check bench-ftp', { channel, user: `U0SEQ${i}`, responseUrl: fake.responseUrl() });
    await fake.waitFor(({ messages }) => messages.find((m) => m.channel === channel && JSON.stringify(m.blocks ?? []).includes('ftpops.recheck')), 15_000);
    const finishedAt = Date.now();
    const [job] = await queue.getJobs(['completed'], 0, 0, false);
    if (!job?.processedOn || !job.finishedOn) throw new Error('no completed job found');
    const probeMs = job.finishedOn - job.processedOn;
    total.push(finishedAt - started);
    overhead.push(finishedAt - started - probeMs);
  }

  console.log(`\nmachine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  console.log(`ack latency, ${CONCURRENT} concurrent signed /ftp check requests: p50 ${pct(ackMs, 50).toFixed(1)} ms, p99 ${pct(ackMs, 99).toFixed(1)} ms, max ${Math.max(...ackMs).toFixed(1)} ms, non-200: ${ackErrors}`);
  console.log(`the burst: ${finals} of ${CONCURRENT} messages reached their summary (${burstPosted} posted) within ${burstMs} ms after the last ack`);
  console.log(`end to end, ${SEQUENTIAL} sequential requests: median total ${pct(total, 50)} ms, median minus probe time ${pct(overhead, 50)} ms (p90 ${pct(overhead, 90)} ms)`);
} finally {
  await bot.kill('SIGTERM');
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  await fake.close();
  execFileSync('bash', [`${root}/scripts/testbed.sh`, 'stop'], { stdio: 'inherit' });
}
process.exit(0);
