// /ftp check end to end: signed slash commands into the real Bolt HTTP receiver of `ftpops all`
// (and of separate bot + worker processes), real Redis, real daemons, the fake Slack Web API.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { spawn } from 'node:child_process';
import { loadTestbed, type Testbed } from './support/testbed.js';
import { startFakeSlackApi, type FakeSlackApi, type FakeSlackMessage } from './support/fake-slack-api.js';
import { RoleProcess, freePort, slackRoleEnv, sendButtonClick, sendSlashCommand, uniquePrefix, writeConfig, endProcesses, targetLines } from './support/bot-process.js';
import { dumpRedis } from './support/private-redis.js';

let tb: Testbed;
let fake: FakeSlackApi;
let config: string;
const processes: RoleProcess[] = [];

beforeAll(async () => {
  tb = loadTestbed();
  fake = await startFakeSlackApi();
  config = writeConfig(
    [
      'targets:',
      ...targetLines('prod-sftp', `sftp://${tb.user}@127.0.0.1:${tb.servers['sshd-main']!.port}`, 'passwordEnv: FTPOPS_TEST_PW'),
      ...targetLines('partner-ftp', `ftp://${tb.user}@127.0.0.1:${tb.servers['vsftpd-main']!.port}`, 'passwordEnv: FTPOPS_WRONG_PW'),
      // pure-ftpd answers a wrong password after ~5.5 s: a check that is slow on purpose.
      ...targetLines('slow-ftp', `ftp://${tb.user}@127.0.0.1:${tb.servers['pure-ftpd']!.port}`, 'passwordEnv: FTPOPS_WRONG_PW'),
      ...targetLines('quick-timeout', `ftp://${tb.user}@127.0.0.1:${tb.servers['vsftpd-main']!.port}`, 'passwordEnv: FTPOPS_TEST_PW', 'timeout: 1s'),
      'channels:',
      '  C0LIMITED: [prod-sftp]',
      "  '*': ['*']",
      '',
    ].join('\n'),
  );
});

afterEach((ctx) => endProcesses(ctx, processes));

afterAll(async () => {
  await fake.close();
});

async function start(role: 'bot' | 'worker' | 'all', prefix: string, port: number, extra: NodeJS.ProcessEnv = {}): Promise<RoleProcess> {
  const proc = new RoleProcess(role, {
    ...slackRoleEnv({ apiUrl: fake.url, port, prefix, config }),
    FTPOPS_TEST_PW: tb.password,
    FTPOPS_WRONG_PW: 'not-the-password',
    FTPOPS_LOCK_MS: '2000',
    ...extra,
  });
  processes.push(proc);
  await proc.ready();
  return proc;
}

const CANARY = `canary-${Math.random().toString(36).slice(2)}-pw`;

const isFinal = (m: FakeSlackMessage) => JSON.stringify(m.blocks ?? []).includes('ftpops.recheck');
const textOf = (m: FakeSlackMessage) => `${m.text} ${JSON.stringify(m.blocks ?? [])}`;

/** The final message in `channel` that answers a check of `target`. */
function finalIn(channel: string, target: string, timeoutMs = 20_000): Promise<FakeSlackMessage> {
  return fake.waitFor(({ messages }) => messages.find((m) => m.channel === channel && !m.thread_ts && isFinal(m) && textOf(m).includes(target)), timeoutMs);
}

describe('ftpops all', () => {
  it('acks at once, shows progress, and ends in exactly one correct summary', async () => {
    const port = await freePort();
    await start('all', uniquePrefix(), port);
    const ack = await sendSlashCommand(port, 'check prod-sftp', { channel: 'C0ALL', responseUrl: fake.responseUrl() });
    expect(ack.status).toBe(200);
    expect(ack.ms).toBeLessThan(3_000);
    const final = await finalIn('C0ALL', 'prod-sftp');
    expect(textOf(final)).toMatch(/healthy/);
    for (const stage of ['resolve', 'connect', 'greet', 'secure', 'login', 'list']) expect(textOf(final)).toContain(stage);
    // Progress: the same message was edited stage by stage before the summary.
    const updates = fake.callsTo('chat.update').filter((c) => (c.body as { ts?: string }).ts === final.ts);
    expect(updates.length).toBeGreaterThanOrEqual(3);
    // Exactly one summary: one posted message in the channel, no more after a pause.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(fake.messages('C0ALL').filter((m) => !m.thread_ts)).toHaveLength(1);
  });

  it('reports a failure with its finding code and the server reply; the password is nowhere', async () => {
    const port = await freePort();
    const prefix = uniquePrefix();
    const proc = await start('all', prefix, port, { FTPOPS_WRONG_PW: CANARY });
    await sendSlashCommand(port, 'check partner-ftp', { channel: 'C0FAIL', responseUrl: fake.responseUrl() });
    const final = await finalIn('C0FAIL', 'partner-ftp');
    expect(textOf(final)).toContain('auth.failed');
    expect(textOf(final)).toContain('530');
    // The planted canary password: not in any Slack call, any Redis key of this queue, any log line.
    expect(JSON.stringify(fake.calls)).not.toContain(CANARY);
    const { text: dump } = await dumpRedis('redis://127.0.0.1:6379', `${prefix}*`);
    expect(dump.length).toBeGreaterThan(100);
    expect(dump).toContain('partner-ftp');
    expect(dump).not.toContain(CANARY);
    expect(proc.output).not.toContain(CANARY);
  });

  it('shares one probe run between two people checking the same target', async () => {
    const port = await freePort();
    const prefix = uniquePrefix();
    await start('all', prefix, port);
    await Promise.all([
      sendSlashCommand(port, 'check slow-ftp', { channel: 'C0DEDUP1', user: 'U1', responseUrl: fake.responseUrl() }),
      sendSlashCommand(port, 'check slow-ftp', { channel: 'C0DEDUP2', user: 'U2', responseUrl: fake.responseUrl() }),
    ]);
    const [a, b] = await Promise.all([finalIn('C0DEDUP1', 'slow-ftp'), finalIn('C0DEDUP2', 'slow-ftp')]);
    expect(textOf(a)).toContain('auth.failed');
    expect(textOf(b)).toContain('auth.failed');
    const queue = new Queue('checks', { connection: { host: '127.0.0.1', port: 6379 }, prefix });
    try {
      expect((await queue.getJobCounts('completed')).completed).toBe(1);
    } finally {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    }
  });

  it('the summary buttons: Re-check runs the check again, Open runbook starts the runbook in its thread', async () => {
    const port = await freePort();
    await start('all', uniquePrefix(), port);
    await sendSlashCommand(port, 'check partner-ftp', { channel: 'C0BUTTONS', responseUrl: fake.responseUrl() });
    const first = await finalIn('C0BUTTONS', 'partner-ftp');
    const recheck = await sendButtonClick(port, { actionId: 'ftpops.recheck', value: 'recheck:partner-ftp', channel: 'C0BUTTONS', messageTs: first.ts, responseUrl: fake.responseUrl() });
    expect(recheck.status).toBe(200);
    const again = await fake.waitFor(({ messages }) => messages.find((m) => m.channel === 'C0BUTTONS' && m.thread_ts === first.ts && isFinal(m)), 20_000);
    expect(textOf(again)).toContain('auth.failed');
    await sendButtonClick(port, { actionId: 'ftpops.runbook', value: 'runbook:login-failures:partner-ftp', channel: 'C0BUTTONS', messageTs: first.ts, responseUrl: fake.responseUrl() });
    // The runbook starts in the summary's thread: its first step, with the buttons to act on it.
    const runbook = await fake.waitFor(({ messages }) => messages.find((m) => m.channel === 'C0BUTTONS' && m.thread_ts === first.ts && /Login failures/i.test(m.text)), 10_000);
    expect(runbook.text).toMatch(/1\. Re-check the login/);
    expect(JSON.stringify(runbook.blocks)).toContain('ftpops.rb.run-check');
  });

  it('refuses a bad signature and a five-minute-old request', async () => {
    const port = await freePort();
    await start('all', uniquePrefix(), port);
    expect((await sendSlashCommand(port, 'check prod-sftp', { secret: 'wrong', responseUrl: fake.responseUrl() })).status).toBe(401);
    const old = Math.floor(Date.now() / 1000) - 5 * 60 - 5;
    expect((await sendSlashCommand(port, 'check prod-sftp', { timestampSec: old, responseUrl: fake.responseUrl() })).status).toBe(401);
  });
});

describe('bot and workers as separate processes', () => {
  it('a worker killed mid-check: the job runs on another worker, one summary arrives', async () => {
    const port = await freePort();
    const prefix = uniquePrefix();
    await start('bot', prefix, port);
    const first = await start('worker', prefix, port);
    await sendSlashCommand(port, 'check slow-ftp', { channel: 'C0KILL', responseUrl: fake.responseUrl() });
    // Wait until the first worker is inside the slow login, then kill it without warning.
    await fake.waitFor(({ messages }) => messages.find((m) => m.channel === 'C0KILL' && textOf(m).includes('greet')), 10_000);
    await first.kill('SIGKILL');
    await start('worker', prefix, port);
    const final = await finalIn('C0KILL', 'slow-ftp', 30_000);
    expect(textOf(final)).toContain('auth.failed');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(fake.messages('C0KILL').filter((m) => !m.thread_ts && isFinal(m))).toHaveLength(1);
  });

  it('a check nobody finishes in time ends as a stage.timeout summary', async () => {
    const port = await freePort();
    await start('bot', uniquePrefix(), port, { FTPOPS_GRACE_MS: '1000' });
    await sendSlashCommand(port, 'check quick-timeout', { channel: 'C0LATE', responseUrl: fake.responseUrl() });
    const final = await finalIn('C0LATE', 'quick-timeout', 15_000);
    expect(textOf(final)).toContain('stage.timeout');
    expect(textOf(final)).toMatch(/worker/);
  });

  it('Redis down: the asker reads why within 3 s; the bot stays up and recovers when Redis returns', async () => {
    const port = await freePort();
    const redisPort = await freePort();
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const bot = await start('bot', uniquePrefix(), port, { REDIS_URL: redisUrl });
    const started = performance.now();
    const ack = await sendSlashCommand(port, 'check prod-sftp', { channel: 'C0NOREDIS', responseUrl: fake.responseUrl() });
    expect(ack.status).toBe(200);
    const answer = await fake.waitFor(({ messages }) => messages.find((m) => m.channel === 'C0NOREDIS' && textOf(m).includes('cannot queue the check')), 3_000);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(answer.text).toContain(`Redis unreachable at ${redisUrl}`);
    expect(bot.alive).toBe(true);

    // Redis comes back: the same bot queues the next check, and a worker answers it.
    const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    try {
      await start('worker', bot.env.FTPOPS_QUEUE_PREFIX!, port, { REDIS_URL: redisUrl });
      await sendSlashCommand(port, 'check prod-sftp', { channel: 'C0REDISBACK', responseUrl: fake.responseUrl() });
      const final = await finalIn('C0REDISBACK', 'prod-sftp', 20_000);
      expect(textOf(final)).toMatch(/healthy/);
    } finally {
      redis.kill('SIGKILL');
    }
  });
});
