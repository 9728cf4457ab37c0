// Discord end to end through discord.js itself: `ftpops all` logs in to a local fake Discord
// (REST + gateway), gets slash commands and button clicks as INTERACTION_CREATE, and answers
// through the real interaction and channel routes; checks run on a real worker against the
// test daemons. The same scenarios as Slack: a check with progress, an alert thread that
// resolves, a runbook walked to its timeline.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadTestbed, type Testbed } from './support/testbed.js';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordMessage } from './support/fake-discord-api.js';
import { BOT_TOKEN, freePort, RoleProcess, SIGNING_SECRET, uniquePrefix, writeConfig, endProcesses } from './support/bot-process.js';
import { startFakeSlackApi } from './support/fake-slack-api.js';

const TOKEN = 'ZmFrZS1ib3Q.fake.discord-token';
let tb: Testbed;
let fake: FakeDiscord;
let general: string;
let alerts: string;
const processes: RoleProcess[] = [];

beforeAll(async () => {
  tb = loadTestbed();
  fake = await startFakeDiscord({ tokens: [TOKEN] });
  general = fake.channelId('general');
  alerts = fake.channelId('ftp-alerts');
});

// The bot first, then the fake: discord.js would otherwise keep reconnecting.
afterEach((ctx) => endProcesses(ctx, processes));

afterAll(async () => {
  await fake.close();
});

async function startBot(config: string, extra: NodeJS.ProcessEnv = {}): Promise<void> {
  const proc = new RoleProcess('all', {
    DISCORD_TOKEN: TOKEN,
    DISCORD_API_URL: fake.url,
    SLACK_BOT_TOKEN: '',
    PORT: String(await freePort()),
    REDIS_URL: 'redis://127.0.0.1:6379',
    FTPOPS_QUEUE_PREFIX: uniquePrefix(),
    FTPOPS_CONFIG: config,
    FTPOPS_TEST_PW: tb.password,
    ...extra,
  });
  processes.push(proc);
  await proc.ready(20_000);
}

const embedText = (m: FakeDiscordMessage | undefined) => JSON.stringify(m?.embeds ?? []) + (m?.content ?? '');
const customIds = (m: FakeDiscordMessage) => (m.components as Array<{ components: Array<{ custom_id: string; label: string }> }>).flatMap((row) => row.components);

describe('Discord through discord.js', () => {
  it('/ftp check: answered at once, live progress, one summary; autocomplete offers only allowed targets', async () => {
    const config = writeConfig(
      [
        'targets:',
        '  prod-sftp:',
        `    url: sftp://${tb.user}@127.0.0.1:${tb.servers['sshd-main']!.port}`,
        '    passwordEnv: FTPOPS_TEST_PW',
        '  other-ftp:',
        `    url: ftp://${tb.user}@127.0.0.1:${tb.servers['vsftpd-main']!.port}`,
        'channels:',
        `  '${general}': [prod-sftp]`,
        '',
      ].join('\n'),
    );
    await startBot(config);
    const complete = fake.sendAutocomplete({ channelId: general, name: 'ftp', subcommand: 'check', focused: 'target', value: '' });
    const choices = await fake.waitFor(() => fake.interactionResponse(complete.id)?.choices);
    expect(choices).toEqual([{ name: 'prod-sftp', value: 'prod-sftp' }]);

    const check = fake.sendSlashCommand({ channelId: general, name: 'ftp', subcommand: 'check', options: [{ name: 'target', value: 'prod-sftp' }] });
    const summary = await fake.waitFor(() => {
      const r = fake.interactionResponse(check.id);
      return r && /prod-sftp is healthy/.test(embedText(r.message)) ? r : undefined;
    }, 20_000);
    // The reply itself is the "checking…" message (no private "thinking…" first), edited through the webhook.
    expect(summary.type).toBe(4);
    expect(summary.expired).toBe(false);
    const edits = fake.calls.filter((c) => c.method === 'PATCH' && c.path.includes(check.token));
    expect(edits.length).toBeGreaterThanOrEqual(2); // "checking…", then the summary (progress in between)
    expect(embedText(summary.message)).toContain('`login`');
    expect(customIds(summary.message!).map((b) => b.custom_id)).toEqual(['ftpops:recheck:prod-sftp']);

    // Status with its 24-hour chart as an attachment, and mute, in the channel.
    const status = fake.sendSlashCommand({ channelId: general, name: 'ftp', subcommand: 'status', options: [{ name: 'target', value: 'prod-sftp' }] });
    const statusReply = await fake.waitFor(() => {
      const m = fake.interactionResponse(status.id)?.message;
      return m && /prod-sftp/.test(m.content) && m.attachments.length ? m : undefined;
    }, 20_000);
    expect(fake.files().some((f) => f.messageId === statusReply.id && f.filename.endsWith('.png') && f.bytes.subarray(1, 4).toString() === 'PNG')).toBe(true);
    const mute = fake.sendSlashCommand({ channelId: general, name: 'ftp', subcommand: 'mute', options: [{ name: 'target', value: 'prod-sftp' }, { name: 'for', value: '2h' }] });
    expect((await fake.waitFor(() => fake.interactionResponse(mute.id)?.message)).content).toMatch(/prod-sftp: no new alert threads for 120 min/);

    // A target this channel may not use: refused privately, nothing queued.
    const refused = fake.sendSlashCommand({ channelId: general, name: 'ftp', subcommand: 'check', options: [{ name: 'target', value: 'other-ftp' }] });
    const answer = await fake.waitFor(() => fake.interactionResponse(refused.id)?.message);
    expect(fake.interactionResponse(refused.id)!.ephemeral).toBe(true);
    expect(answer.content).toMatch(/may not check 'other-ftp'/);
  }, 40_000);

  it('an alert thread in the target\'s Discord channel; a runbook walked in it with buttons; resolution in the thread', async () => {
    const config = writeConfig(
      [
        'targets:',
        '  flaky-ftp:',
        `    url: ftp://${tb.user}@127.0.0.1:${tb.servers['vsftpd-main']!.port}`,
        '    passwordFile: pw.txt',
        '    interval: 1s',
        `    discordAlertChannel: '${alerts}'`,
        '    recovery: { roundTrips: 1, quietMinutes: 0 }',
        '',
      ].join('\n'),
    );
    const passwordFile = join(dirname(config), 'pw.txt');
    writeFileSync(passwordFile, 'a-wrong-password\n');
    await startBot(config);
    const root = await fake.waitFor(() => fake.messages(alerts).find((m) => /WARNING auth — flaky-ftp/.test(embedText(m))), 20_000);
    expect(embedText(root)).toContain('530 Login incorrect');

    // Acknowledge: the root shows who took it.
    fake.sendButton({ messageId: root.id, customId: customIds(root).find((b) => b.label === 'Acknowledge')!.custom_id });
    await fake.waitFor(() => fake.messages(alerts).find((m) => m.id === root.id && /Acknowledged by/.test(embedText(m))));

    // Open runbook on the alert: the steps run in the incident's thread (id = the root's id).
    const open = customIds(root).find((b) => b.label === 'Open runbook')!;
    fake.sendButton({ messageId: root.id, customId: open.custom_id });
    const first = await fake.waitFor(() => fake.messages(root.id).find((m) => /Re-check the login/.test(embedText(m)) && customIds(m).length));
    expect(fake.threads().some((t) => t.id === root.id && t.parentId === alerts)).toBe(true);

    // The check fails while the password is wrong, and passes once it is right.
    fake.sendButton({ messageId: first.id, customId: customIds(first).find((b) => b.label === 'Run check')!.custom_id });
    const failed = await fake.waitFor(() => fake.messages(root.id).find((m) => m.id === first.id && /login failed: auth\.failed/.test(embedText(m)) && customIds(m).some((b) => b.label === 'Run check again')), 20_000);
    writeFileSync(passwordFile, `${tb.password}\n`);
    fake.sendButton({ messageId: failed.id, customId: customIds(failed).find((b) => b.label === 'Run check again')!.custom_id });

    // Walk on: Done on instructions, No at decisions, Run check where asked, Resolve at the end.
    let seen = 0;
    for (let i = 0; i < 40; i++) {
      const step = await fake.waitFor(() => {
        if (fake.messages(root.id).some((m) => /Timeline/.test(m.content))) return 'end' as const;
        const open = fake.messages(root.id).filter((m) => customIds(m).some((b) => /^ftpops:rb:(done|no|run-check):/.test(b.custom_id)));
        const latest = open.at(-1);
        const version = latest ? Number(customIds(latest)[0]!.custom_id.split(':').pop()) : 0;
        return latest && version > seen ? { message: latest, version } : undefined;
      }, 20_000);
      if (step === 'end') break;
      const buttons = customIds(step.message);
      const pick = buttons.find((b) => /^ftpops:rb:done:/.test(b.custom_id)) ?? buttons.find((b) => /^ftpops:rb:no:/.test(b.custom_id)) ?? buttons.find((b) => /^ftpops:rb:run-check:/.test(b.custom_id))!;
      fake.sendButton({ messageId: step.message.id, customId: pick.custom_id });
      seen = step.version;
    }
    await fake.waitFor(() => fake.messages(root.id).find((m) => /\(resolved\)/.test(m.content)));
    const timeline = fake.messages(root.id).filter((m) => /Timeline|```/.test(m.content)).map((m) => m.content).join('\n');
    expect(timeline).toMatch(/### Login failures .* — flaky-ftp/);
    expect(timeline).toMatch(/check result \(not as expected: login failed: auth\.failed/);
    expect(timeline).toMatch(/\(resolved\) — <@/);

    // Scheduled checks pass again: the root turns RESOLVED and the thread says so.
    await fake.waitFor(() => fake.messages(alerts).find((m) => m.id === root.id && /RESOLVED/.test(embedText(m))), 30_000);
    await fake.waitFor(() => fake.messages(root.id).find((m) => /Resolved after/.test(m.content)), 10_000);
    expect(fake.messages(alerts).filter((m) => /auth — flaky-ftp/.test(embedText(m)))).toHaveLength(1);
    // Nothing the bot sent could ping anyone.
    for (const call of fake.calls.filter((c) => c.method === 'POST' && c.route === '/channels/:channel/messages')) {
      expect((call.body as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [] });
    }
  }, 90_000);

  it('roles: a Discord role makes an operator; without it, a check is refused privately', async () => {
    const config = writeConfig(
      [
        'targets:',
        '  prod-sftp:',
        `    url: sftp://${tb.user}@127.0.0.1:${tb.servers['sshd-main']!.port}`,
        '    passwordEnv: FTPOPS_TEST_PW',
        'access:',
        `  operators: ['group:${fake.roleId('ftp-ops')}']`,
        "  viewers: ['*']",
        '',
      ].join('\n'),
    );
    await startBot(config);
    const refused = fake.sendSlashCommand({ channelId: general, name: 'ftp', subcommand: 'check', options: [{ name: 'target', value: 'prod-sftp' }] });
    const answer = await fake.waitFor(() => fake.interactionResponse(refused.id)?.message);
    expect(fake.interactionResponse(refused.id)!.ephemeral).toBe(true);
    expect(answer.content).toMatch(/this needs the operator role; you are a viewer/);
    const allowed = fake.sendSlashCommand({ channelId: general, roles: ['ftp-ops'], name: 'ftp', subcommand: 'check', options: [{ name: 'target', value: 'prod-sftp' }] });
    await fake.waitFor(() => (/prod-sftp is healthy/.test(embedText(fake.interactionResponse(allowed.id)?.message)) ? true : undefined), 20_000);
  }, 40_000);

  it('Slack and Discord at once from one bot: one incident, a root on each, both resolved', async () => {
    const slack = await startFakeSlackApi();
    try {
      const config = writeConfig(
        [
          'targets:',
          '  both-ftp:',
          `    url: ftp://${tb.user}@127.0.0.1:${tb.servers['vsftpd-main']!.port}`,
          '    passwordFile: pw.txt',
          '    interval: 1s',
          '    alertChannel: C0BOTH',
          `    discordAlertChannel: '${alerts}'`,
          '',
        ].join('\n'),
      );
      const passwordFile = join(dirname(config), 'pw.txt');
      writeFileSync(passwordFile, 'a-wrong-password\n');
      await startBot(config, { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url });
      const discordRoot = await fake.waitFor(() => fake.messages(alerts).find((m) => /auth — both-ftp/.test(embedText(m))), 20_000);
      const slackRoot = await slack.waitFor(() => slack.messages('C0BOTH').find((m) => !m.thread_ts && /auth — both-ftp/.test(m.text)), 20_000);
      writeFileSync(passwordFile, `${tb.password}\n`);
      await fake.waitFor(() => fake.messages(alerts).find((m) => m.id === discordRoot.id && /RESOLVED/.test(embedText(m))), 30_000);
      await slack.waitFor(() => slack.messages('C0BOTH').find((m) => m.ts === slackRoot.ts && /RESOLVED/.test(`${m.text} ${JSON.stringify(m.blocks)}`)), 10_000);
      expect(fake.messages(alerts).filter((m) => /auth — both-ftp/.test(embedText(m)))).toHaveLength(1);
      expect(slack.messages('C0BOTH').filter((m) => !m.thread_ts)).toHaveLength(1);
    } finally {
      await Promise.all(processes.splice(0).map((p) => p.kill('SIGKILL')));
      await slack.close();
    }
  }, 60_000);

  it('ftpops discord register puts /ftp with its subcommands into the guild', async () => {
    const { runBin } = await import('./support/run-cli.js');
    const result = await runBin(['discord', 'register'], { env: { DISCORD_TOKEN: TOKEN, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_GUILD_ID: fake.guildId, DISCORD_API_URL: fake.url } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [command] = fake.commands(fake.guildId);
    expect(command?.name).toBe('ftp');
    expect((command?.options as Array<{ name: string }>).map((o) => o.name)).toEqual(['check', 'explain', 'targets', 'status', 'report', 'deliveries', 'mute', 'runbook', 'identity', 'help']);
    const wrong = await runBin(['discord', 'register'], { env: { DISCORD_TOKEN: 'not-the-token', DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_GUILD_ID: fake.guildId, DISCORD_API_URL: fake.url } });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/Discord refused DISCORD_TOKEN \(401\)/);
  });
});
