// Scheduled checks and incident threads end to end: a real vsftpd refuses the login, two
// `ftpops all` replicas check it on a schedule, one alert thread opens in the fake Slack; the
// password is put right, the same thread resolves. Exactly once, however many replicas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadTestbed, type Testbed } from './support/testbed.js';
import { startFakeSlackApi, type FakeSlackApi, type FakeSlackMessage } from './support/fake-slack-api.js';
import { BOT_TOKEN, RoleProcess, SIGNING_SECRET, freePort, sendButtonClick, sendSlashCommand, uniquePrefix, writeConfig } from './support/bot-process.js';

let tb: Testbed;
let fake: FakeSlackApi;
let passwordFile: string;
const processes: RoleProcess[] = [];
const text = (m: FakeSlackMessage) => `${m.text} ${JSON.stringify(m.blocks ?? [])}`;

beforeAll(async () => {
  tb = loadTestbed();
  fake = await startFakeSlackApi();
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGKILL')));
  await fake.close();
});

describe('scheduled checks and incident threads', () => {
  it('a login that starts failing opens one thread, resolved when it works again', async () => {
    const config = writeConfig(
      [
        'targets:',
        '  flaky-ftp:',
        `    url: ftp://${tb.user}@127.0.0.1:${tb.servers['vsftpd-main']!.port}`,
        '    passwordFile: pw.txt',
        '    interval: 1s',
        '    alertChannel: C0ALERTS',
        '',
      ].join('\n'),
    );
    passwordFile = join(dirname(config), 'pw.txt');
    writeFileSync(passwordFile, 'a-wrong-password\n');
    const prefix = uniquePrefix();
    const ports = [await freePort(), await freePort()];
    for (let i = 0; i < 2; i++) {
      const proc = new RoleProcess('all', {
        SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.url,
        PORT: String(ports[i]), REDIS_URL: 'redis://127.0.0.1:6379', FTPOPS_QUEUE_PREFIX: prefix, FTPOPS_CONFIG: config,
      });
      processes.push(proc);
      await proc.ready();
    }
    const roots = () => fake.messages('C0ALERTS').filter((m) => !m.thread_ts);
    const root = await fake.waitFor(() => roots().find((m) => /WARNING auth — flaky-ftp/.test(text(m))), 20_000);
    expect(text(root)).toContain('auth.failed');
    expect(text(root)).toContain('530');
    // Someone takes it: the root says who (through either replica).
    const ack = await sendButtonClick(ports[1]!, { actionId: 'ftpops.ack', value: 'ack:flaky-ftp:check', channel: 'C0ALERTS', messageTs: root.ts, responseUrl: fake.responseUrl(), user: 'U0ONCALL' });
    expect(ack.status).toBe(200);
    await fake.waitFor(() => roots().find((m) => m.ts === root.ts && text(m).includes('acknowledged by <@U0ONCALL>')), 5_000);
    // It keeps failing for a while: still one root, and no thread chatter.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(roots()).toHaveLength(1);
    expect(fake.messages('C0ALERTS').filter((m) => m.thread_ts === root.ts)).toHaveLength(0);

    writeFileSync(passwordFile, `${tb.password}\n`);
    const resolved = await fake.waitFor(() => roots().find((m) => m.ts === root.ts && /RESOLVED/.test(text(m))), 20_000);
    expect(text(resolved)).toMatch(/lasted/);
    const replies = await fake.waitFor(() => {
      const r = fake.messages('C0ALERTS').filter((m) => m.thread_ts === root.ts);
      return r.length ? r : undefined;
    }, 5_000);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toMatch(/Resolved after/);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(roots()).toHaveLength(1);

    // /ftp status: the history in words, and the 24-hour chart as a PNG in the thread.
    const status = await sendSlashCommand(ports[0]!, 'status flaky-ftp', { channel: 'C0STATUS', responseUrl: fake.responseUrl() });
    expect(status.status).toBe(200);
    const words = await fake.waitFor(() => fake.messages('C0STATUS').find((m) => /younger than 24 h\): availability/.test(m.text)), 10_000);
    expect(words.text).toMatch(/flaky-ftp/);
    expect(words.text).toMatch(/% of \d+ checks/);
    const chart = await fake.waitFor(() => fake.files().find((f) => f.complete && f.channel === 'C0STATUS'), 10_000);
    expect(chart.thread_ts).toBe(words.ts);
    expect(chart.bytes!.subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    expect(chart.bytes!.length).toBeGreaterThan(10_000);
  });

  it('/ftp mute keeps a failing target from opening a thread', async () => {
    const config = writeConfig(
      ['targets:', '  muted-ftp:', `    url: ftp://${tb.user}@127.0.0.1:${tb.servers['vsftpd-main']!.port}`, '    passwordEnv: WRONG_PW', '    interval: 1s', '    alertChannel: C0MUTED', ''].join('\n'),
    );
    const port = await freePort();
    const proc = new RoleProcess('all', {
      SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.url, PORT: String(port),
      REDIS_URL: 'redis://127.0.0.1:6379', FTPOPS_QUEUE_PREFIX: uniquePrefix(), FTPOPS_CONFIG: config, WRONG_PW: 'wrong-one',
    });
    processes.push(proc);
    await proc.ready();
    const answer = await sendSlashCommand(port, 'mute muted-ftp 1h', { channel: 'C0OPS', user: 'U0OPS', responseUrl: fake.responseUrl() });
    expect(answer.status).toBe(200);
    // Said in the channel, for everyone there to know.
    await fake.waitFor(() => fake.messages('C0OPS').find((m) => /muted-ftp: no new alert threads for 60 min/.test(m.text)));
    await new Promise((r) => setTimeout(r, 5_000));
    expect(fake.messages('C0MUTED')).toHaveLength(0);
  });
});
