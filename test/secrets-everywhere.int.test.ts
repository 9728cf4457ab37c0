// A planted canary password, searched for everywhere the chat-ops bot leaves traces. The canary
// is a WRONG password for the testbed user, so the server refuses it: it travels to the server
// and comes back through the error paths (finding, server reply, progress, alert, runbook step,
// history), which is where leaks happen. Used by a Slack /ftp check, a Discord /ftp check, a
// runbook opened on the target in Slack (and from the alert in Discord) with a Run check, a
// scheduled check every second that opens an alert thread in both chats, and /ftp status.
// Then the canary (and its random core, and its base64) must be in none of:
//   - the bot's and the worker's stdout + stderr,
//   - any request the fake Slack and the fake Discord received (bodies, gateway frames),
//   - any Redis key or value (a private Redis, so every key is the test's: all of it is dumped),
//   - any file under the test's temp root (config, the processes' TMPDIR, Redis's AOF, which also
//     holds values written and deleted since), the secret file itself excepted.
// Positive controls prove each search looks at something: the same searches find the canary
// where it is meant to be (the secret file, the env handed over, a control key of every Redis
// type), and the haystacks hold the error-path text the canary would ride along with.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadTestbed, type Testbed } from './support/testbed.js';
import { startFakeSlackApi, type FakeSlackApi, type FakeSlackMessage } from './support/fake-slack-api.js';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordMessage } from './support/fake-discord-api.js';
import { BOT_TOKEN, RoleProcess, SIGNING_SECRET, freePort, sendSlashCommand, uniquePrefix, endProcesses } from './support/bot-process.js';
import { click, messageText, settled } from './support/runbook-walker.js';
import { startFaultFtpServer } from './support/fault-servers.js';
import { dumpRedis, startRedis, stopChild } from './support/private-redis.js';

const DISCORD_TOKEN = 'ZmFrZS1ib3Q.fake.discord-token';
const CORE = randomBytes(8).toString('hex');
const CANARY = `canary-${CORE}-pw`;
/**
 * What a leak could look like: the whole canary, its random core (a clipped or re-cut copy), and
 * its base64 at each of the three byte alignments it can have inside a longer encoded string
 * ("user:canary…" in a Basic header): the groups untouched by the neighbouring bytes.
 */
const NEEDLES = [
  CANARY,
  CORE,
  ...[0, 1, 2].map((pad) => {
    const b64 = Buffer.concat([Buffer.alloc(pad, 0x20), Buffer.from(CANARY)]).toString('base64');
    return b64.slice(pad ? 4 : 0, -4);
  }),
];

let tb: Testbed;
const processes: RoleProcess[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(() => {
  tb = loadTestbed();
});

afterEach((ctx) => endProcesses(ctx, processes, cleanups));

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ searching

/** Where a needle occurs in `haystack`, with a little context each side; [] when nowhere. */
function leaksIn(where: string, haystack: string | Buffer): string[] {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  const found: string[] = [];
  for (const needle of NEEDLES) {
    const at = text.indexOf(needle);
    if (at >= 0) found.push(`${where}: …${text.slice(Math.max(0, at - 80), at + needle.length + 40)}…`);
  }
  return found;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return filesUnder(path);
    return e.isFile() ? [path] : [];
  });
}

// ------------------------------------------------------------------ a private Redis

/** A redis-server of this test's own, its AOF (everything ever written, deletes too) in `dir`. */
async function privateRedis(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = await startRedis(port, dir, ['--appendfsync', 'always']);
  cleanups.push(() => stopChild(child));
  return { url: `redis://127.0.0.1:${port}`, child };
}

// ------------------------------------------------------------------ the set-up of one run

interface Run {
  root: string;
  secretFile: string;
  prefix: string;
  redisUrl: string;
  slack: FakeSlackApi;
  discord: FakeDiscord;
  alerts: string;
  general: string;
  port: number;
  bot: RoleProcess;
  worker: RoleProcess;
}

/** Temp root (config + secret file, TMPDIR, Redis dir), a private Redis, both fakes, a bot and a worker. */
async function setUp(targets: (ctx: { alerts: string }) => string[]): Promise<Run> {
  const root = mkdtempSync(join(tmpdir(), 'ftpops-secrets-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  for (const d of ['config', 'tmp', 'redis']) mkdirSync(join(root, d));
  const secretFile = join(root, 'config', 'pw.txt');
  writeFileSync(secretFile, `${CANARY}\n`);
  const { url: redisUrl } = await privateRedis(join(root, 'redis'));
  const slack = await startFakeSlackApi();
  cleanups.push(() => slack.close());
  const discord = await startFakeDiscord({ tokens: [DISCORD_TOKEN] });
  cleanups.push(() => discord.close());
  const alerts = discord.channelId('ftp-alerts');
  const configFile = join(root, 'config', 'ftpops.yaml');
  writeFileSync(configFile, ['targets:', ...targets({ alerts }), ''].join('\n'));
  const prefix = uniquePrefix();
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    DISCORD_TOKEN,
    DISCORD_API_URL: discord.url,
    PORT: String(port),
    REDIS_URL: redisUrl,
    FTPOPS_QUEUE_PREFIX: prefix,
    FTPOPS_CONFIG: configFile,
    FTPOPS_LOCK_MS: '2000',
    FTPOPS_EVALUATE_MS: '1000',
    // As chatty as the processes can be: a debug line is a leak as much as an info line.
    FTPOPS_LOG_LEVEL: 'trace',
    // Whatever the processes write to a temp dir lands where the search looks.
    TMPDIR: join(root, 'tmp'),
    CANARY_PW: CANARY,
  };
  const worker = new RoleProcess('worker', env);
  const bot = new RoleProcess('bot', env);
  processes.push(worker, bot);
  await Promise.all([worker.ready(20_000), bot.ready(20_000)]);
  return { root, secretFile, prefix, redisUrl, slack, discord, alerts, general: discord.channelId('general'), port, bot, worker };
}

/** Stops both processes the way an operator does (their last words are searched too), then searches everywhere. */
async function searchEverywhere(run: Run): Promise<{ leaks: string[]; redisKeys: number; files: string[]; haystacks: Record<string, string> }> {
  await Promise.all([run.bot.kill('SIGTERM'), run.worker.kill('SIGTERM')]);
  const haystacks: Record<string, string> = {
    'bot output': run.bot.output,
    'worker output': run.worker.output,
    'fake Slack calls': JSON.stringify(run.slack.calls),
    'fake Slack files': JSON.stringify(run.slack.files().map((f) => ({ ...f, bytes: f.bytes?.toString('latin1') }))),
    'fake Discord calls': JSON.stringify(run.discord.calls),
    'fake Discord gateway frames': JSON.stringify(run.discord.gatewayFrames),
    'fake Discord files': run.discord.files().map((f) => `${f.filename} ${f.bytes.toString('latin1')}`).join('\n'),
  };
  const redis = await dumpRedis(run.redisUrl, '*');
  haystacks['Redis'] = redis.text;
  const leaks = Object.entries(haystacks).flatMap(([where, text]) => leaksIn(where, text));
  // Give Redis's AOF a moment (appendfsync always makes this belt and braces).
  await sleep(200);
  const files = filesUnder(run.root).filter((f) => f !== run.secretFile);
  for (const file of files) leaks.push(...leaksIn(`file ${relative(run.root, file)}`, readFileSync(file)));
  return { leaks, redisKeys: redis.keys, files, haystacks };
}

const slackText = (m: FakeSlackMessage) => `${m.text} ${JSON.stringify(m.blocks ?? [])}`;
const discordText = (m: FakeDiscordMessage | undefined) => JSON.stringify(m?.embeds ?? []) + (m?.content ?? '');
const buttonsOf = (m: FakeDiscordMessage) => (m.components as Array<{ components: Array<{ custom_id: string; label: string }> }>).flatMap((row) => row.components);

// ================================================================== tests

describe('a canary password, searched for everywhere', () => {
  it('the searches find it where it is meant to be (positive controls)', async () => {
    // The file search: run over a temp root holding the secret file, it finds the canary there and only there.
    const root = mkdtempSync(join(tmpdir(), 'ftpops-secrets-control-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    writeFileSync(join(root, 'pw.txt'), `${CANARY}\n`);
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'sub', 'other.txt'), 'nothing here\n');
    writeFileSync(join(root, 'sub', 'clipped.txt'), `…${CANARY.slice(3, 30)}…`);
    writeFileSync(join(root, 'sub', 'b64.txt'), `Authorization: Basic ${Buffer.from(`user:${CANARY}`).toString('base64')}`);
    const hits = filesUnder(root).flatMap((f) => leaksIn(relative(root, f), readFileSync(f)));
    expect(hits.some((h) => h.startsWith('pw.txt'))).toBe(true);
    expect(hits.some((h) => h.startsWith('sub/clipped.txt'))).toBe(true); // the random core catches a cut copy
    expect(hits.some((h) => h.startsWith('sub/b64.txt'))).toBe(true);
    expect(hits.some((h) => h.startsWith('sub/other.txt'))).toBe(false);

    // The Redis dump: a control key of every type, each holding the canary, is found.
    const prefix = uniquePrefix();
    const redis = new Redis('redis://127.0.0.1:6379');
    try {
      await redis
        .multi()
        .set(`${prefix}:s`, `x${CANARY}`)
        .hset(`${prefix}:h`, 'f', CANARY)
        .rpush(`${prefix}:l`, CANARY)
        .sadd(`${prefix}:set`, CANARY)
        .zadd(`${prefix}:z`, 1, CANARY)
        .xadd(`${prefix}:x`, '*', 'field', CANARY)
        .exec();
      const dump = await dumpRedis('redis://127.0.0.1:6379', `${prefix}*`);
      expect(dump.keys).toBe(6);
      for (const suffix of ['s', 'h', 'l', 'set', 'z', 'x']) expect(dump.text.split('\n').find((line) => line.startsWith(`${prefix}:${suffix} `)), suffix).toContain(CANARY);
    } finally {
      await redis.del(...['s', 'h', 'l', 'set', 'z', 'x'].map((s) => `${prefix}:${s}`));
      redis.disconnect();
    }
  });

  it('Slack and Discord checks, runbooks, a scheduled alert thread and status: the canary is nowhere', async () => {
    const vsftpd = tb.servers['vsftpd-main']!.port;
    const run = await setUp(({ alerts }) => [
      // The canary from the environment, refused by vsftpd (530); checked every second, alerting in both chats.
      '  canary-ftp:',
      `    url: ftp://${tb.user}@127.0.0.1:${vsftpd}`,
      '    passwordEnv: CANARY_PW',
      '    interval: 1s',
      '    alertChannel: C0SECALERT',
      `    discordAlertChannel: '${alerts}'`,
      // The canary from the secret file, refused by sshd.
      '  canary-sftp:',
      `    url: sftp://${tb.user}@127.0.0.1:${tb.servers['sshd-main']!.port}`,
      '    passwordFile: pw.txt',
    ]);
    const { slack, discord, port } = run;
    // The password handed over really is the canary (the env of both processes; the secret file).
    expect(run.worker.env.CANARY_PW).toBe(CANARY);
    expect(run.bot.env.CANARY_PW).toBe(CANARY);
    expect(leaksIn('secret file', readFileSync(run.secretFile)).length).toBeGreaterThan(0);

    // Slack /ftp check, both targets: refused by the server, the reply shown.
    await sendSlashCommand(port, 'check canary-ftp', { channel: 'C0SECCHECK', responseUrl: slack.responseUrl('C0SECCHECK') });
    await sendSlashCommand(port, 'check canary-sftp', { channel: 'C0SECSFTP', responseUrl: slack.responseUrl('C0SECSFTP') });
    const isFinal = (m: FakeSlackMessage) => !m.thread_ts && !m.text.startsWith('⏳');
    const ftpSummary = await slack.waitFor(({ messages }) => messages.find((m) => m.channel === 'C0SECCHECK' && isFinal(m)), 20_000);
    expect(slackText(ftpSummary)).toMatch(/auth\.failed/);
    expect(slackText(ftpSummary)).toMatch(/530/);
    const sftpSummary = await slack.waitFor(({ messages }) => messages.find((m) => m.channel === 'C0SECSFTP' && isFinal(m)), 30_000);
    expect(slackText(sftpSummary)).toMatch(/login/);

    // Discord /ftp check of the same target.
    const check = discord.sendSlashCommand({ channelId: run.general, name: 'ftp', subcommand: 'check', options: [{ name: 'target', value: 'canary-ftp' }] });
    await discord.waitFor(() => {
      const m = discord.interactionResponse(check.id)?.message;
      return m && /auth\.failed/.test(discordText(m)) && buttonsOf(m).some((b) => b.custom_id.startsWith('ftpops:recheck:')) ? m : undefined;
    }, 20_000);

    // The scheduled checks open an incident: an alert root in each chat.
    const slackRoot = await slack.waitFor(({ messages }) => messages.find((m) => m.channel === 'C0SECALERT' && !m.thread_ts && /auth — canary-ftp/.test(m.text)), 30_000);
    const discordRoot = await discord.waitFor(() => discord.messages(run.alerts).find((m) => /auth — canary-ftp/.test(discordText(m))), 30_000);

    // Slack: /ftp runbook in the alert channel runs in the incident's thread; one Run check.
    await sendSlashCommand(port, 'runbook auth.failed canary-ftp', { channel: 'C0SECALERT', responseUrl: slack.responseUrl('C0SECRB') });
    let state = await settled(slack, 'C0SECALERT', slackRoot.ts, 0);
    if (state.kind !== 'step') throw new Error('no first runbook step');
    expect(state.step.text).toContain('Re-check the login');
    await click(slack, port, 'C0SECALERT', state.step, 'run-check');
    state = await settled(slack, 'C0SECALERT', slackRoot.ts, state.step.version);
    if (state.kind !== 'step') throw new Error('the runbook ended early');
    expect(state.step.text).toMatch(/login failed: auth\.failed — 530/);

    // Discord: Open runbook on the alert root, then Run check in its thread.
    discord.sendButton({ messageId: discordRoot.id, customId: buttonsOf(discordRoot).find((b) => b.label === 'Open runbook')!.custom_id });
    const first = await discord.waitFor(() => discord.messages(discordRoot.id).find((m) => /Re-check the login/.test(discordText(m)) && buttonsOf(m).length), 15_000);
    discord.sendButton({ messageId: first.id, customId: buttonsOf(first).find((b) => b.label === 'Run check')!.custom_id });
    await discord.waitFor(() => discord.messages(discordRoot.id).find((m) => m.id === first.id && /login failed: auth\.failed/.test(discordText(m))), 20_000);

    // Status: history of the failed checks, in words and as a chart.
    await sendSlashCommand(port, 'status canary-ftp', { channel: 'C0SECSTATUS', responseUrl: slack.responseUrl('C0SECSTATUS') });
    await slack.waitFor(({ messages }) => messages.find((m) => m.channel === 'C0SECSTATUS' && /canary-ftp/.test(m.text)), 15_000);
    // A few more scheduled rounds: alert updates in the threads, history, windows.
    await sleep(2_000);

    const { leaks, redisKeys, files, haystacks } = await searchEverywhere(run);
    // The haystacks hold what the canary would have travelled with (the searches are not vacuous).
    expect(haystacks['bot output']).toMatch(/running/);
    expect(haystacks['worker output']).toMatch(/running/);
    expect(haystacks['fake Slack calls']).toMatch(/530 Login incorrect/);
    expect(haystacks['fake Discord calls']).toMatch(/530 Login incorrect/);
    expect(haystacks['Redis']).toMatch(/530 Login incorrect/);
    expect(redisKeys).toBeGreaterThan(10);
    expect(files.some((f) => f.endsWith('ftpops.yaml'))).toBe(true);
    expect(files.some((f) => /appendonly/.test(f) && statSync(f).size > 1_000)).toBe(true);
    expect(leaks).toEqual([]);
  }, 120_000);

  it('a server that echoes the password in its refusal: the echo is masked wherever it goes', async () => {
    // This found a real bug: the report was scrubbed but the live progress was not, so an echoed
    // password reached Redis and the chat's progress edits. The worker now scrubs progress too.
    const echo = await startFaultFtpServer({ loginReply: `530 Login incorrect: user ${tb.user} password ${CANARY} rejected.` });
    cleanups.push(() => echo.close());
    const run = await setUp(() => [
      '  echo-ftp:',
      `    url: ftp://${tb.user}@127.0.0.1:${echo.port}`,
      '    passwordEnv: CANARY_PW',
    ]);
    const { slack, discord, port } = run;
    await sendSlashCommand(port, 'check echo-ftp', { channel: 'C0SECECHO', responseUrl: slack.responseUrl('C0SECECHO') });
    const summary = await slack.waitFor(({ messages }) => messages.find((m) => m.channel === 'C0SECECHO' && !m.thread_ts && !m.text.startsWith('⏳')), 20_000);
    expect(slackText(summary)).toMatch(/auth\.failed/);
    const check = discord.sendSlashCommand({ channelId: run.general, name: 'ftp', subcommand: 'check', options: [{ name: 'target', value: 'echo-ftp' }] });
    await discord.waitFor(() => {
      const m = discord.interactionResponse(check.id)?.message;
      return m && /auth\.failed/.test(discordText(m)) && buttonsOf(m).length ? m : undefined;
    }, 20_000);
    // The echo reached the worker and came back, masked, in the summary (the server did say it).
    expect(slackText(summary)).toMatch(/password \*\*\* rejected/);
    const { leaks, haystacks } = await searchEverywhere(run);
    expect(haystacks['Redis']).toMatch(/password \*\*\* rejected/);
    expect(leaks).toEqual([]);
  }, 60_000);
});
