// Who may check what, through the real Bolt receiver: roles from user ids and a Slack user group
// (usergroups.users.list on the fake), refusals answered privately and logged, ad-hoc URLs for
// admins only and only to allowed addresses (a name that resolves to loopback is refused at the
// resolve stage), and a per-user command rate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTestbed, type Testbed } from './support/testbed.js';
import { startFakeSlackApi, type FakeSlackApi, type FakeSlackMessage } from './support/fake-slack-api.js';
import { RoleProcess, freePort, slackRoleEnv, sendButtonClick, sendSlashCommand, uniquePrefix, writeConfig } from './support/bot-process.js';

let tb: Testbed;
let fake: FakeSlackApi;
let bot: RoleProcess;
let port: number;

beforeAll(async () => {
  tb = loadTestbed();
  fake = await startFakeSlackApi({ usergroups: { S0ONCALL: ['U0ANN'] } });
  const config = writeConfig(
    [
      'targets:',
      '  prod-ftp:',
      `    url: ftp://${tb.user}@127.0.0.1:${tb.servers['vsftpd-main']!.port}`,
      '    passwordEnv: FTPOPS_TEST_PW',
      'access:',
      '  admins: [U0ADMIN]',
      "  operators: ['group:S0ONCALL']",
      "  viewers: ['*']",
      "  adhocHosts: [localhost, '127.0.0.2/32']",
      '  commandsPerMinute: 5',
      '',
    ].join('\n'),
  );
  port = await freePort();
  bot = new RoleProcess('all', {
    ...slackRoleEnv({ apiUrl: fake.url, port, prefix: uniquePrefix(), config }),
    FTPOPS_TEST_PW: tb.password,
  });
  await bot.ready();
}, 30_000);

afterAll(async () => {
  await bot?.kill('SIGKILL');
  await fake.close();
});

const as = (user: string, text: string, channel = `C0ACC${user}`) => sendSlashCommand(port, text, { channel, user, responseUrl: fake.responseUrl(`${user}-${text}`) });
const textOf = (m: FakeSlackMessage) => `${m.text} ${JSON.stringify(m.blocks ?? [])}`;
const summaryIn = (channel: string, pattern: RegExp) =>
  fake.waitFor(({ messages }) => messages.find((m) => m.channel === channel && JSON.stringify(m.blocks ?? []).includes('ftpops.recheck') && pattern.test(textOf(m))), 20_000);

describe('roles', () => {
  it('a viewer may read but not check; the refusal says why, privately, and is logged', async () => {
    const refused = await as('U0BOB', 'check prod-ftp');
    expect(refused.body).toContain('this needs the operator role; you are a viewer');
    expect(bot.output).toMatch(/"event":"refused".*"user":"U0BOB".*"command":"check"/);
    expect(fake.messages('C0ACCU0BOB')).toHaveLength(0); // nothing posted, nothing queued
    const status = await as('U0BOB', 'explain 530');
    expect(status.body).toMatch(/auth\.failed/);
    // A button is an action too.
    await sendButtonClick(port, { actionId: 'ftpops.recheck', value: JSON.stringify({ target: 'prod-ftp' }), channel: 'C0ACCU0BOB', messageTs: '1.1', responseUrl: fake.responseUrl('U0BOB-button'), user: 'U0BOB' });
    await fake.waitFor(() => fake.callsTo('response_url').find((c) => c.responseUrlId === 'U0BOB-button' && /needs the operator role/.test(String(c.body.text))));
  });

  it('a member of the on-call user group is an operator and checks', async () => {
    const ok = await as('U0ANN', 'check prod-ftp');
    expect(ok.status).toBe(200);
    await summaryIn('C0ACCU0ANN', /prod-ftp is healthy/);
  });
});

describe('ad-hoc URLs', () => {
  it('are for admins only', async () => {
    const refused = await as('U0ANN', `check ftp://localhost:${tb.servers['vsftpd-main']!.port}`);
    expect(refused.body).toContain('this needs the admin role; you are an operator');
  });

  it('an allowed name that resolves to loopback is stopped at the resolve stage, before connecting', async () => {
    await as('U0ADMIN', `check ftp://localhost:${tb.servers['vsftpd-main']!.port}`, 'C0ADHOC1');
    const summary = await summaryIn('C0ADHOC1', /check\.address_denied/);
    expect(textOf(summary)).toMatch(/loopback/);
    expect(textOf(summary)).toMatch(/failed at resolve/);
  });

  it('an address in a listed block is checked; one outside, or with a password, is refused up front', async () => {
    await as('U0ADMIN', `check ftp://127.0.0.2:${tb.servers['vsftpd-main']!.port}`, 'C0ADHOC2');
    // vsftpd listens on 127.0.0.1 only: the check ran, and found the port closed on .2.
    await summaryIn('C0ADHOC2', /tcp\.refused/);
    expect((await as('U0ADMIN', 'check sftp://10.255.255.1', 'C0ADHOC3')).body).toMatch(/10\.255\.255\.1 is not in access\.adhocHosts/);
    expect((await as('U0ADMIN', 'check ftp://u:hunter2@localhost', 'C0ADHOC3')).body).toMatch(/carry no passwords/);
    expect(fake.messages('C0ADHOC3')).toHaveLength(0);
  });
});

describe('rate', () => {
  it('at most commandsPerMinute commands a minute per person', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push((await as('U0RATE', 'explain 421')).body);
    expect(answers.slice(0, 5).every((a) => /ftp\.unavailable/.test(a))).toBe(true);
    expect(answers[5]).toMatch(/slow down: at most 5 commands a minute each/);
    // Someone else is not slowed down by it.
    expect((await as('U0OTHER', 'explain 421')).body).toMatch(/ftp\.unavailable/);
  });
});
