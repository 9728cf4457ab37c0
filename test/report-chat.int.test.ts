// /ftp report through the shared router on every front end: Slack (Bolt over HTTP against the
// fake Slack API) and the web console in this process, Discord (discord.js against the fake
// gateway and REST) in a bot process of its own (as test/discord-bot.int.test.ts: discord.js's
// multipart upload of the chart does not run inside vitest's worker), and
// `ftpops report` on the command line give the same report, from history written as if over a
// month, each chat with its chart.
import { plainWords } from './support/plain-words.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { Redis } from 'ioredis';
import { startBot, type Running } from '../src/main.js';
import { loadTargetsFile } from '../src/config/targets-file.js';
import { CheckResults } from '../src/alerts/check-results.js';
import { IncidentStore } from '../src/alerts/incidents.js';
import { plainOf, type Rich } from '../src/bot/rich.js';
import { HOUR_MS } from '../src/history/result-store.js';
import { startFakeSlackApi, type FakeSlackApi } from './support/fake-slack-api.js';
import { startFakeDiscord, type FakeDiscord } from './support/fake-discord-api.js';
import { BOT_TOKEN, RoleProcess, SIGNING_SECRET, freePort, sendSlashCommand, uniquePrefix, writeConfig } from './support/bot-process.js';
import { runBin } from './support/run-cli.js';
import { writeHistory } from './support/history-writer.js';

const DISCORD_TOKEN = 'ZmFrZS1ib3Q.fake.discord-token';
const prefix = uniquePrefix();
const redis = new Redis('redis://127.0.0.1:6379');
let slackApi: FakeSlackApi;
let discordApi: FakeDiscord;
let bot: Running;
let discordBot: RoleProcess;
let port: number;
const consoleEntries: Array<{ id: string; private?: boolean; message: Record<string, unknown> }> = [];
let closeEvents = () => undefined as void;

beforeAll(async () => {
  // October 2026, a check every 5 minutes from the 10th; a 90-minute login outage on the 20th.
  const results = new CheckResults(redis, prefix, new IncidentStore(redis, prefix), () => ({ fireAfter: 2, resolveAfter: 3, remindEveryMs: 0 }));
  const outage = Date.parse('2026-10-20T08:00:00Z');
  await writeHistory(results, 'alpha', Date.parse('2026-10-10T00:00:00Z'), Date.parse('2026-11-01T00:00:00Z'), 300_000, [{ from: outage, to: outage + 1.5 * HOUR_MS, code: 'auth.failed', stage: 'login' }]);

  slackApi = await startFakeSlackApi();
  discordApi = await startFakeDiscord({ tokens: [DISCORD_TOKEN], channels: [{ name: 'general' }] });
  const config = writeConfig(['targets:', '  alpha:', '    url: ftp://u@127.0.0.1:1', 'access:', "  viewers: ['*']", ''].join('\n'));
  port = await freePort();
  const common = { REDIS_URL: 'redis://127.0.0.1:6379', FTPOPS_QUEUE_PREFIX: prefix, FTPOPS_CONFIG: config };
  bot = await startBot({ ...common, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slackApi.url, PORT: String(port) }, { config: loadTargetsFile(config, true), console: { host: '127.0.0.1', port } });
  discordBot = new RoleProcess('bot', { ...common, DISCORD_TOKEN, DISCORD_API_URL: discordApi.url, PORT: String(await freePort()) });
  await discordBot.ready(30_000);
  closeEvents = followConsole();
}, 120_000);

afterAll(async () => {
  closeEvents();
  await bot?.stop();
  await discordBot?.kill();
  await discordApi?.close();
  await slackApi?.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

function followConsole(): () => void {
  const req = request({ host: '127.0.0.1', port, path: '/api/events', headers: { host: `127.0.0.1:${port}` } }, (res) => {
    let buffer = '';
    res.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
        const data = buffer.slice(0, i).split('\n').find((l) => l.startsWith('data: '));
        buffer = buffer.slice(i + 2);
        if (data) consoleEntries.push(JSON.parse(data.slice(6)));
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return () => req.destroy();
}

async function until<T>(what: string, find: () => T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}


describe('/ftp report alpha 2026-10', () => {
  it('the same report, with a chart, on Slack, Discord, the console and the command line', async () => {
    // Slack: posted in the channel, the chart in its thread.
    const before = slackApi.messages('C0REPORT').length;
    expect((await sendSlashCommand(port, 'report alpha 2026-10', { responseUrl: slackApi.responseUrl('r1'), channel: 'C0REPORT', user: 'U0VIEW' })).status).toBe(200);
    const slackPost = await until('the Slack post', () => slackApi.messages('C0REPORT')[before]);
    const slackChart = await until('the Slack chart', () => slackApi.files().find((f) => f.complete && f.channel === 'C0REPORT'));
    expect(slackChart.thread_ts).toBe(slackPost.ts);
    expect(slackChart.filename).toBe('alpha-2026-10.png');
    expect(slackChart.bytes!.subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const slackWords = plainWords(slackPost.text);

    // Discord: the slash command's public answer, the chart attached.
    const sent = discordApi.sendSlashCommand({ channelId: discordApi.channelId('general'), name: 'ftp', subcommand: 'report', options: [{ name: 'target', value: 'alpha' }, { name: 'period', value: '2026-10' }] });
    const reply = await until('a Discord reply', () => discordApi.interactionResponse(sent.id)?.message);
    expect(discordApi.interactionResponse(sent.id)!.ephemeral).toBe(false);
    const discordWords = plainWords([reply.content ?? '', ...(reply.embeds ?? []).map((e) => `${e.title ?? ''}\n${e.description ?? ''}`)].join('\n').trim());
    await until('the Discord chart', () => discordApi.files().find((f) => f.filename === 'alpha-2026-10.png' && f.bytes.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]))));

    // The console: a report entry with its chart as an image.
    const res = await fetch(`http://127.0.0.1:${port}/api/command`, { method: 'POST', headers: { 'content-type': 'application/json', host: `127.0.0.1:${port}` }, body: JSON.stringify({ text: '/ftp report alpha 2026-10' }) });
    expect(res.status).toBe(202);
    const entry = await until('the console report', () => consoleEntries.find((e) => e.message.kind === 'report'));
    expect(String(entry.message.image)).toMatch(/^data:image\/png;base64,iVBOR/);
    const consoleWords = plainOf(entry.message.text as Rich);

    // The command line, from the same Redis.
    const cli = await runBin(['report', 'alpha', '--period', '2026-10'], { env: { REDIS_URL: 'redis://127.0.0.1:6379', FTPOPS_QUEUE_PREFIX: prefix } });
    expect(cli.code, cli.stderr).toBe(0);

    const expected = cli.stdout.trim();
    expect(expected).toMatch(/^alpha — report for 2026-10: 2026-10-01 → 2026-11-01 UTC\ndata only from 2026-10-10 00:00 UTC/);
    expect(expected).toMatch(/availability 99\.\d{3} % \(\d+ of 6336 checks passed\)/);
    expect(expected).toMatch(/downtime 100 min · 1 incident\(s\) · MTTR 1 h 40 min/);
    expect(expected).toMatch(/• auth \(check, warning\) 2026-10-20 08:00 → 2026-10-20 09:40: 1 h 40 min/);
    expect(expected).toMatch(/top findings: auth\.failed × 18/);
    expect(expected).toMatch(/• login p95 \d+ ms/);
    expect(slackWords).toBe(expected);
    expect(discordWords).toBe(expected);
    expect(consoleWords).toBe(expected);
  });

  it('JSON and CSV from the command line; a bad period or an unknown target is a one-line error (exit 2)', async () => {
    const env = { REDIS_URL: 'redis://127.0.0.1:6379', FTPOPS_QUEUE_PREFIX: prefix };
    const json = await runBin(['report', 'alpha', '--period', '2026-10', '--json'], { env });
    expect(json.code).toBe(0);
    const r = JSON.parse(json.stdout) as { checks: number; downtimeMinutes: number; incidents: Array<{ class: string; start: string }>; series: unknown[] };
    expect(r).toMatchObject({ checks: 6336, downtimeMinutes: 100 });
    expect(r.incidents).toMatchObject([{ class: 'auth', start: '2026-10-20T08:00:00.000Z' }]);
    expect(r.series).toHaveLength(31);
    const csv = await runBin(['report', 'alpha', '--period', '2026-10', '--csv'], { env });
    expect(csv.stdout).toMatch(/^metric,value,detail\ntarget,alpha,\nperiod,2026-10,2026-10-01T00:00:00.000Z\/2026-11-01T00:00:00.000Z\nchecks,6336,/);
    expect(csv.stdout).toMatch(/\nfinding,18,auth\.failed\n/);
    const bad = await runBin(['report', 'alpha', '--period', 'last-tuesday'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("ftpops: --period: 'last-tuesday' is not a period (7d, 30d, 90d or a month (YYYY-MM))");
    const unknown = await runBin(['report', 'gamma'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/no history for 'gamma'/);
  });

  it('a bad period in chat is answered privately with the usage', async () => {
    const sent = discordApi.sendSlashCommand({ channelId: discordApi.channelId('general'), name: 'ftp', subcommand: 'report', options: [{ name: 'target', value: 'alpha' }, { name: 'period', value: '13-2026' }] });
    const reply = await until('a Discord reply', () => discordApi.interactionResponse(sent.id)?.message);
    expect(discordApi.interactionResponse(sent.id)!.ephemeral).toBe(true);
    expect(JSON.stringify(reply)).toMatch(/say which target and period/);
  });
});
