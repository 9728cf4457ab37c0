// One suite, every chat adapter: the same commands and clicks through Slack (Bolt over HTTP,
// against the fake Slack API), Discord (discord.js against the fake gateway and REST) and the web
// console (its HTTP API) give the same decisions, the same refusals, the same audit records, and
// the same escaping of a hostile server's text. One bot, in this process, with all three
// adapters; a worker beside it; an FTP server that greets and refuses with mentions, links,
// headings and 100 KB of text.
import { plainWords } from './support/plain-words.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { startBot, type Running } from '../src/main.js';
import { startWorker } from '../src/worker.js';
import { loadTargetsFile } from '../src/config/targets-file.js';
import type { AuditRecord } from '../src/bot/router.js';
import { plainOf, type Rich } from '../src/bot/rich.js';
import { COMMANDS } from '../src/bot/commands.js';
import { startFakeSlackApi, type FakeSlackApi, type FakeSlackCall } from './support/fake-slack-api.js';
import { consolePageWords } from './support/console-words.js';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordMessage } from './support/fake-discord-api.js';
import { startFaultFtpServer, type FaultFtpServer } from './support/fault-ftp-server.js';
import { BOT_TOKEN, SIGNING_SECRET, freePort, sendButtonClick, sendSlashCommand, uniquePrefix, writeConfig } from './support/bot-process.js';

const DISCORD_TOKEN = 'ZmFrZS1ib3Q.fake.discord-token';
const HOSTILE = '<!channel> <@U123> @everyone [click](https://evil.example) <https://evil.example|click>';
const BIG = 'x'.repeat(100 * 1024);

let slackApi: FakeSlackApi;
let discordApi: FakeDiscord;
let hostileFtp: FaultFtpServer;
let okFtp: FaultFtpServer;
let bot: Running;
let worker: Running;
let port: number;
const audit: AuditRecord[] = [];
const consoleEntries = new Map<string, ConsoleEntry>();
let closeEvents: () => void = () => undefined;

interface ConsoleEntry {
  id: string;
  threadId?: string;
  private?: boolean;
  message: { kind: string; text?: Rich | string; actions?: Array<{ id: string; kind: string; action?: string }> } & Record<string, unknown>;
}

/** The people and channels of each platform: an operator, a viewer; a channel for every target and one for alpha only. */
const SLACK = { operator: 'U0OPS', viewer: 'U0VIEW', admin: 'U0ADMIN', oncall: 'U0ANN', open: 'C0OPEN', alphaOnly: 'C0ALPHA' };
const DISCORD = { operator: '300000000000000001', viewer: '300000000000000002', admin: '300000000000000003', oncall: '300000000000000004', open: '', alphaOnly: '' };

beforeAll(async () => {
  slackApi = await startFakeSlackApi({ usergroups: { S0ONCALL: [SLACK.oncall] } });
  discordApi = await startFakeDiscord({
    tokens: [DISCORD_TOKEN],
    channels: [{ name: 'general' }, { id: '400000000000000001', name: 'alpha-only' }, { id: '400000000000000002', name: 'alpha-thread', type: 11, parentId: '400000000000000001' }],
  });
  DISCORD.open = discordApi.channelId('general');
  DISCORD.alphaOnly = discordApi.channelId('alpha-only');
  // A server whose greeting and refusal carry what must never become a mention, link or heading.
  hostileFtp = await startFaultFtpServer({ greeting: `220-# heading ${HOSTILE}\r\n220 ${HOSTILE}\r\n`, loginReply: `530 ${HOSTILE} # heading ${BIG}` });
  okFtp = await startFaultFtpServer();
  const config = writeConfig(
    [
      'targets:',
      '  alpha:',
      `    url: ftp://u@127.0.0.1:${okFtp.port}`,
      '  hostile:',
      `    url: ftp://u@127.0.0.1:${hostileFtp.port}`,
      'channels:',
      `  ${SLACK.alphaOnly}: [alpha]`,
      `  '${DISCORD.alphaOnly}': [alpha]`,
      "  '*': ['*']",
      'access:',
      `  admins: [${SLACK.admin}, '${DISCORD.admin}']`,
      `  operators: [${SLACK.operator}, '${DISCORD.operator}', 'group:S0ONCALL', 'group:${discordApi.roleId('ftp-ops')}']`,
      "  viewers: ['*']",
      "  adhocHosts: [localhost, '127.0.0.2/32']",
      '',
    ].join('\n'),
  );
  port = await freePort();
  const env = {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackApi.url,
    DISCORD_TOKEN,
    DISCORD_API_URL: discordApi.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    FTPOPS_QUEUE_PREFIX: uniquePrefix(),
    FTPOPS_CONFIG: config,
    PORT: String(port),
  };
  const targets = loadTargetsFile(config, true);
  worker = await startWorker(env, targets);
  bot = await startBot(env, { config: targets, console: { host: '127.0.0.1', port }, audit: (r) => audit.push(r) });
  closeEvents = followConsole();
  // A message of the bot's in each Discord channel, for clicks to come from.
  for (const channel of [DISCORD.open, DISCORD.alphaOnly]) {
    const res = await fetch(`${discordApi.url}/v10/channels/${channel}/messages`, { method: 'POST', headers: { authorization: `Bot ${DISCORD_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ content: 'buttons live here' }) });
    expect(res.status).toBe(200);
  }
}, 60_000);

afterAll(async () => {
  closeEvents();
  await bot?.stop();
  await worker?.stop();
  await discordApi?.close();
  await slackApi?.close();
  await hostileFtp?.close();
  await okFtp?.close();
});

// ------------------------------------------------------------------------------- the drivers

interface Platform {
  name: 'slack' | 'discord' | 'console';
  /** Console: the operator's own (admin, every target): no roles, no channels to refuse. */
  people?: { operator: string; viewer: string; admin: string; oncall: string; open: string; alphaOnly: string };
  /** Send a command; resolve with the words of the private answer (or of the public post, with `want: 'public'`). */
  command(text: string, who: { user?: string; channel?: string; want?: 'private' | 'public' }): Promise<string>;
  /** Click a button (its id); resolve with the words of the private answer. */
  click(button: string, who: { user?: string; channel?: string }): Promise<string>;
  /** Run a check as this person; resolve with the final summary's headline. */
  summary(subject: string, who: { user?: string; roles?: string[] }): Promise<string>;
}

function followConsole(): () => void {
  const req = request({ host: '127.0.0.1', port, path: '/api/events', headers: { host: `127.0.0.1:${port}` } }, (res) => {
    let buffer = '';
    res.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
        const event = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const data = event.split('\n').find((l) => l.startsWith('data: '));
        if (data) {
          const entry = JSON.parse(data.slice(6)) as ConsoleEntry;
          consoleEntries.set(entry.id, entry);
        }
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return () => req.destroy();
}

async function consolePost(path: string, body: object): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(202);
}

async function until<T>(what: string, find: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the console so far: ${JSON.stringify([...consoleEntries.values()].slice(-3)).slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}


function slackTexts(body: Record<string, unknown>): string {
  const blocks = (body.blocks as Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }> | undefined) ?? [];
  const parts = blocks.flatMap((b) => (b.type === 'section' ? [b.text!.text] : b.type === 'context' ? b.elements!.map((e) => e.text) : b.type === 'header' ? [b.text!.text] : []));
  return parts.length ? parts.join('\n') : String(body.text ?? '');
}

let slackSeq = 0;
const slack: Platform = {
  name: 'slack',
  people: SLACK,
  async command(text, who) {
    const id = `cmd${++slackSeq}`;
    const channel = who.channel ?? SLACK.open;
    const before = slackApi.messages(channel).length;
    const res = await sendSlashCommand(port, text, { responseUrl: slackApi.responseUrl(id), channel, user: who.user ?? SLACK.operator });
    expect(res.status).toBe(200);
    if (who.want === 'public') return plainWords(slackTexts(await until('a Slack post', () => slackApi.messages(channel)[before] as unknown as Record<string, unknown> | undefined)));
    const call = await until('a Slack response_url answer', () => slackApi.calls.find((c: FakeSlackCall) => c.method === 'response_url' && c.responseUrlId === id));
    expect(call.body.response_type).toBe('ephemeral');
    return plainWords(slackTexts(call.body));
  },
  async click(button, who) {
    const id = `click${++slackSeq}`;
    const kind = button.startsWith('rb:') ? `rb.${button.split(':')[1]}` : button.split(':')[0];
    await sendButtonClick(port, { actionId: `ftpops.${kind}`, value: button, channel: who.channel ?? SLACK.open, messageTs: '1700000000.000100', responseUrl: slackApi.responseUrl(id), user: who.user ?? SLACK.operator });
    const call = await until('a Slack response_url answer', () => slackApi.calls.find((c: FakeSlackCall) => c.method === 'response_url' && c.responseUrlId === id));
    expect(call.body.response_type).toBe('ephemeral');
    return plainWords(slackTexts(call.body));
  },
  async summary(subject, who) {
    const channel = `C0SUM${++slackSeq}`;
    await sendSlashCommand(port, `check ${subject}`, { responseUrl: slackApi.responseUrl(), channel, user: who.user ?? SLACK.operator });
    const final = await slackApi.waitFor((v) => v.messages.find((m) => m.channel === channel && !m.thread_ts && /is healthy|failed at/.test(m.text)), 20_000);
    return plainWords(final.text);
  },
};

const discordText = (m: FakeDiscordMessage | undefined) => [m?.content ?? '', ...(m?.embeds ?? []).map((e) => `${e.title ?? ''}\n${e.description ?? ''}`)].join('\n').trim();

const discord: Platform = {
  name: 'discord',
  people: DISCORD,
  async command(text, who) {
    const [sub, ...words] = text.split(/\s+/);
    const verb = COMMANDS.find((c) => c.name === sub);
    const options = (verb?.options ?? []).map((o, i) => ({ name: o.name, value: words[i]! })).filter((o) => o.value !== undefined);
    const sent = discordApi.sendSlashCommand({ channelId: who.channel ?? DISCORD.open, userId: who.user ?? DISCORD.operator, name: 'ftp', subcommand: sub!, options });
    const reply = await until('a Discord reply', () => discordApi.interactionResponse(sent.id)?.message);
    expect(discordApi.interactionResponse(sent.id)!.ephemeral).toBe(who.want !== 'public');
    return plainWords(discordText(reply));
  },
  async click(button, who) {
    const channelId = who.channel ?? DISCORD.open;
    const carrier = (await discordApi.waitFor(() => discordApi.messages(channelId)[0])) ?? undefined;
    const sent = discordApi.sendButton({ channelId, messageId: carrier!.id, customId: `ftpops:${button}`, userId: who.user ?? DISCORD.operator });
    const reply = await until('a Discord follow-up', () => discordApi.interactionResponse(sent.id)?.followUps[0]);
    return plainWords(discordText(reply));
  },
  async summary(subject, who) {
    const sent = discordApi.sendSlashCommand({ channelId: DISCORD.open, userId: who.user ?? DISCORD.operator, ...(who.roles ? { roles: who.roles } : {}), name: 'ftp', subcommand: 'check', options: [{ name: 'target', value: subject }] });
    const final = await until('a Discord summary', () => {
      const m = discordApi.interactionResponse(sent.id)?.message;
      return m && /is healthy|failed at/.test(discordText(m)) ? m : undefined;
    }, 20_000);
    return plainWords((final.embeds[0]?.title as string | undefined) ?? '');
  },
};

let consoleCount = 0;
const consoleChat: Platform = {
  name: 'console',
  async command(text, who) {
    const before = consoleEntries.size + consoleCount;
    void before;
    const seen = new Set(consoleEntries.keys());
    await consolePost('/api/command', { text: `/ftp ${text}` });
    consoleCount += 1;
    const entry = await until('a console answer', () => [...consoleEntries.values()].find((e) => !seen.has(e.id) && e.message.kind !== 'text' && Boolean(e.private) === (who.want !== 'public')));
    return plainWords(consoleWords(entry));
  },
  async click(button) {
    const seen = new Set(consoleEntries.keys());
    const carrier = [...consoleEntries.values()].find((e) => e.message.kind !== 'text')!;
    await consolePost('/api/action', { button, entry: carrier.id });
    const entry = await until('a console answer', () => [...consoleEntries.values()].find((e) => !seen.has(e.id) && e.private));
    return plainWords(consoleWords(entry));
  },
  async summary(subject) {
    const seen = new Set(consoleEntries.keys());
    await consolePost('/api/command', { text: `/ftp check ${subject}` });
    const entry = await until('a console summary', () => [...consoleEntries.values()].find((e) => !seen.has(e.id) && e.message.kind === 'summary'), 20_000);
    return plainWords(String(entry.message.headline));
  },
};

function consoleWords(entry: ConsoleEntry): string {
  const m = entry.message;
  if (m.kind === 'notice' || m.kind === 'status') return plainOf(m.text as Rich).replace(/@console\b/g, '@someone');
  if (m.kind === 'help') return ['ftpops commands', ...(m.commands as Array<{ usage: string; description: string }>).map((c) => `${c.usage} — ${c.description}`)].join('\n');
  return String(m.text ?? m.headline ?? m.kind);
}

const ALL = [slack, discord, consoleChat];
const WITH_CHANNELS = [slack, discord];

/**
 * The audit record of the last thing a platform did, without who and where. The answer can reach
 * the person a moment before the router writes its record: wait for it.
 */
async function lastAudit(platform: string, after: number): Promise<Omit<AuditRecord, 'user' | 'channel' | 'platform'>> {
  const record = await until(`the audit record of ${platform}`, () => audit.slice(after).filter((r) => r.platform === platform).at(-1));
  const { user: _u, channel: _c, platform: _p, ...rest } = record;
  return rest;
}

// ------------------------------------------------------------------------------- the suite

describe('the same decisions on every platform', () => {
  it.each([
    ['help', /\/ftp check <target\|url> — run a check now/],
    ['targets', /alpha ftp:\/\/u@127\.0\.0\.1:\d+\n• hostile/],
    ['check gamma', /^unknown target 'gamma' \(known here: alpha, hostile\)$/],
    ['frobnicate', /^unknown command 'frobnicate'\.\n\n\/ftp check/],
    ['identity alpha', /^Server identity of alpha\nremembered: nothing yet/],
  ])('%s: the same private answer and the same audit record everywhere', async (text, expected) => {
    const answers = [];
    const records = [];
    for (const platform of ALL) {
      const from = audit.length;
      answers.push(await platform.command(text, {}));
      records.push(await lastAudit(platform.name, from));
    }
    for (const answer of answers) expect(answer).toMatch(expected);
    expect(answers[1]).toBe(answers[0]);
    expect(answers[2]).toBe(answers[0]);
    expect(records[1]).toEqual(records[0]);
    expect(records[2]).toEqual(records[0]);
  });

  it.each([
    ['a viewer checking', (p: Platform) => p.command('check alpha', { user: p.people!.viewer }), /^this needs the operator role; you are a viewer/],
    ['a target outside the channel', (p: Platform) => p.command('check hostile', { channel: p.people!.alphaOnly }), /^this channel may not check 'hostile' \(allowed here: alpha\)$/],
    ['an ad-hoc URL by an operator', (p: Platform) => p.command('check ftp://files.partner.example', {}), /^this needs the admin role; you are an operator/],
    ['a crafted Mute from a channel that may not see the target', (p: Platform) => p.click('mute:60:hostile', { channel: p.people!.alphaOnly }), /^this channel may not check 'hostile'/],
    ['a crafted Mute of a target that does not exist', (p: Platform) => p.click('mute:60:nonexistent', {}), /^unknown target 'nonexistent'/],
    ['a crafted Mute for 10,000,000 minutes', (p: Platform) => p.click('mute:10000000:alpha', {}), /not one of ftpops'/],
    ['a viewer acknowledging', (p: Platform) => p.click('ack:alpha:check', { user: p.people!.viewer }), /^this needs the operator role/],
    ['an operator accepting a changed host key', (p: Platform) => p.click('idaccept:1a2b3c4d:alpha', {}), /^this needs the admin role/],
  ])('%s: the same refusal and audit record on Slack and Discord', async (_name, act, expected) => {
    const answers = [];
    const records = [];
    for (const platform of WITH_CHANNELS) {
      const from = audit.length;
      answers.push(await act(platform));
      records.push(await lastAudit(platform.name, from));
    }
    for (const answer of answers) expect(answer).toMatch(expected);
    expect(answers[1]).toBe(answers[0]);
    expect(records[1]).toEqual(records[0]);
    expect(records[0]).toMatchObject({ outcome: 'refused' });
  });

  it('the console is its operator\'s own: the same commands act there, and a made-up button is refused the same way', async () => {
    expect(await consoleChat.command('check ftp://10.255.255.1', {})).toMatch(/^10\.255\.255\.1 is not in access\.adhocHosts$/);
    const from = audit.length;
    const answers = [await slack.click('shutdown:now', {}), await discord.click('shutdown:now', {}), await consoleChat.click('shutdown:now', {})];
    expect(new Set(answers).size).toBe(1);
    expect(await lastAudit('console', from)).toEqual(await lastAudit('slack', from));
  });

  it('an operator by group: a Slack user group, a Discord role', async () => {
    expect(await slack.summary('alpha', { user: SLACK.oncall })).toMatch(/^✓ alpha is healthy/);
    expect(await discord.summary('alpha', { user: DISCORD.oncall, roles: ['ftp-ops'] })).toMatch(/^✓ alpha is healthy/);
    expect(await discord.command('check alpha', { user: DISCORD.oncall })).toMatch(/^this needs the operator role; you are a viewer/);
  }, 40_000);

  it('ad-hoc URLs for admins: a name that resolves to loopback stops at resolve; a listed block is checked', async () => {
    const connections = okFtp.connections();
    for (const platform of ALL) {
      const admin = platform.people?.admin;
      const local = await platform.summary(`ftp://localhost:${okFtp.port}`, admin ? { user: admin } : {});
      expect(local).toMatch(/failed at resolve: check\.address_denied\b/);
      // Nothing listens on 127.0.0.2: the check ran there, and found the port closed.
      expect(await platform.summary(`ftp://127.0.0.2:${okFtp.port}`, admin ? { user: admin } : {})).toMatch(/failed at connect: tcp\.refused\b/);
    }
    expect(okFtp.connections()).toBe(connections);
  }, 60_000);

  it('runbook: opened in a thread, said the same way everywhere; in a Discord thread, access follows its parent channel', async () => {
    const answers = [
      await slack.command('runbook auth.failed alpha', { channel: SLACK.alphaOnly }),
      // Typed inside a thread of the alpha-only channel: the thread is not in `channels:`, its parent is.
      await discord.command('runbook auth.failed alpha', { channel: discordApi.channelId('alpha-thread') }),
      await consoleChat.command('runbook auth.failed alpha', {}),
    ];
    for (const answer of answers) expect(answer).toBe('📖 Login failures (FTP 530, SSH authentication) for alpha: the steps are in the thread.');
    // On Discord the steps run in that very thread.
    await discordApi.waitFor(() => discordApi.messages(discordApi.channelId('alpha-thread')).find((m) => /Re-check the login/.test(discordText(m))));
    // And the thread is no way around its channel's limits.
    expect(await discord.command('runbook auth.failed hostile', { channel: discordApi.channelId('alpha-thread') })).toBe("this channel may not check 'hostile' (allowed here: alpha)");
  }, 30_000);

  it("Slack: a button on a private answer (the click carries no message) runs its check in the channel", async () => {
    const channel = 'C0EPHEMERAL';
    await sendButtonClick(port, { actionId: 'ftpops.recheck', value: 'recheck:alpha', channel, messageTs: '1700000000.000900', responseUrl: slackApi.responseUrl(), user: SLACK.operator, ephemeral: true });
    const posted = await slackApi.waitFor((v) => v.messages.find((m) => m.channel === channel && /alpha/.test(m.text)));
    expect(posted.thread_ts).toBeUndefined();
  }, 20_000);

  it('deliveries: the same board in the channel everywhere', async () => {
    const answers = [];
    for (const platform of ALL) answers.push(await platform.command('deliveries', { want: 'public' }));
    for (const answer of answers) expect(answer).toBe('no expected deliveries here (add deliveries: to a target in ftpops.yaml)');
  });

  it('mute: the same confirmation in the channel everywhere', async () => {
    const answers = [];
    for (const platform of ALL) answers.push(await platform.command('mute alpha 2h', { want: 'public' }));
    for (const answer of answers) expect(answer).toBe('🔕 alpha: no new alert threads for 120 min (muted by @someone)');
  });
});

describe('/ftp explain: any pasted text, the same answer on every platform', () => {
  /** The parts of an explanation, in the order a platform shows them. */
  const PARTS = ['From the text', 'Why', 'Likely causes', 'Next steps', 'Other possibilities'];
  const partsIn = (words: string) => PARTS.filter((p) => words.includes(p)).sort((a, b) => words.indexOf(a) - words.indexOf(b));

  async function slackExplain(text: string, channel: string): Promise<{ words: string; buttons: Array<[string, string]> }> {
    const id = `explain${++slackSeq}`;
    expect((await sendSlashCommand(port, `explain ${text}`, { responseUrl: slackApi.responseUrl(id), channel, user: SLACK.viewer })).status).toBe(200);
    const call = await until('a Slack explanation', () => slackApi.calls.find((c: FakeSlackCall) => c.method === 'response_url' && c.responseUrlId === id));
    expect(call.body.response_type).toBe('ephemeral');
    const blocks = (call.body.blocks as Array<{ type: string; elements?: Array<{ text: { text: string }; value: string }> }>) ?? [];
    return { words: plainWords(slackTexts(call.body)), buttons: blocks.flatMap((b) => (b.type === 'actions' ? b.elements!.map((e): [string, string] => [e.text.text, e.value]) : [])) };
  }

  async function discordExplain(text: string, channelId: string): Promise<{ words: string; buttons: Array<[string, string]> }> {
    const sent = discordApi.sendSlashCommand({ channelId, userId: DISCORD.viewer, name: 'ftp', subcommand: 'explain', options: [{ name: 'text', value: text }] });
    const reply = await until('a Discord explanation', () => discordApi.interactionResponse(sent.id)?.message);
    expect(discordApi.interactionResponse(sent.id)!.ephemeral).toBe(true);
    const embed = reply.embeds[0] as { title: string; description: string; fields?: Array<{ name: string; value: string }> };
    const words = plainWords([embed.title, embed.description, ...(embed.fields ?? []).flatMap((f) => [f.name, f.value])].join('\n').replace(/```\n?/g, ''));
    const buttons = (reply.components as Array<{ components: Array<{ label: string; custom_id: string }> }>).flatMap((r) => r.components.map((b): [string, string] => [b.label, b.custom_id.replace(/^ftpops:/, '')]));
    return { words, buttons };
  }

  async function consoleExplain(text: string): Promise<{ words: string; buttons: Array<[string, string]>; entry: ConsoleEntry }> {
    const seen = new Set(consoleEntries.keys());
    await consolePost('/api/command', { text: `/ftp explain ${text}` });
    const entry = await until('a console explanation', () => [...consoleEntries.values()].find((e) => !seen.has(e.id) && e.private && e.message.kind !== 'text'));
    const page = consolePageWords(entry);
    // The answer itself: from its headline to the page's own "only you can see this".
    const answer = page.text.slice(page.text.indexOf('🔎'), page.text.lastIndexOf('only you can see this')).replace(/\n+/g, '\n');
    return { words: plainWords(answer), buttons: (entry.message.actions ?? []).map((a, i): [string, string] => [page.buttons[i]!, a.id]), entry };
  }

  /** What must be the same everywhere: the best answer, its parts in order, what the text said, the alternatives, the buttons. */
  function expectSameAnswer(answers: Array<{ words: string; buttons: Array<[string, string]> }>, best: RegExp, quoted: string[], buttons: Array<[string, string]>) {
    for (const a of answers) {
      expect(a.words).toMatch(best);
      for (const q of quoted) expect(a.words).toContain(q);
      expect(partsIn(a.words)).toEqual(partsIn(answers[0]!.words));
      expect(a.buttons).toEqual(buttons);
    }
  }

  it('one line (Discord\'s options are single-line): the same answer, private, audited alike, with a hostile paste kept as words', async () => {
    const line = `ssh: connect to host 127.0.0.1 port 22: Connection refused ${HOSTILE}`;
    const from = audit.length;
    const answers = [await slackExplain(line, SLACK.open), await discordExplain(line, DISCORD.open), await consoleExplain(line)];
    expectSameAnswer(answers, /^🔎 tcp\.refused — The server actively refused the TCP connection\.\n\d+% likely · OpenSSH · runbook service-down\n/, ['Why', '“ssh: connect to host 127.0.0.1 port 22: Connection refused <!channel>', 'Other possibilities'], [['Check alpha now', 'recheck:alpha'], ['Check hostile now', 'recheck:hostile']]);
    const records = await Promise.all(['slack', 'discord', 'console'].map((p) => lastAudit(p, from)));
    for (const r of records) expect(r).toEqual({ event: 'chat', outcome: 'done', verb: 'explain' });
  });

  it('a FileZilla log excerpt (console and Slack): explained by its decisive line, the buttons only for what the channel may see', async () => {
    const log = [
      `Status:\tConnecting to 127.0.0.1:${okFtp.port}...`,
      'Status:\tConnection established, waiting for welcome message...',
      'Response:\t220 (vsFTPd 3.0.5)',
      'Command:\tUSER deploy',
      'Response:\t331 Please specify the password.',
      'Command:\tPASS ********',
      `Response:\t530 Login incorrect. ${HOSTILE}`,
      'Error:\tCritical error: Could not connect to server',
    ].join('\n');
    const answers = [await slackExplain(log, SLACK.open), await consoleExplain(log)];
    expectSameAnswer(answers, /^🔎 auth\.failed — /, ['From the text', 'Response:\t530 Login incorrect. <!channel>', 'FileZilla'], [['Check alpha now', 'recheck:alpha'], ['Check hostile now', 'recheck:hostile']]);
    // A channel that may see alpha only is offered alpha only.
    expect((await slackExplain(log, SLACK.alphaOnly)).buttons).toEqual([['Check alpha now', 'recheck:alpha']]);
  });

  it('the console\'s "Check alpha now" runs the check, in the answer\'s thread', async () => {
    const { entry } = await consoleExplain('Status: Connecting to 127.0.0.1:21...\nError: Connection attempt failed with "ECONNREFUSED - Connection refused by server".');
    const seen = new Set(consoleEntries.keys());
    await consolePost('/api/action', { button: 'recheck:alpha', entry: entry.id });
    const summary = await until('the check from the explanation', () => [...consoleEntries.values()].find((e) => !seen.has(e.id) && e.message.kind === 'summary' && e.threadId === entry.id), 20_000);
    expect(String(summary.message.headline)).toMatch(/^✓ alpha is healthy/);
  }, 30_000);

  it('a paste in Slack\'s own escaping (&lt; &gt; &amp;) reads as typed, and is escaped again on the way out', async () => {
    const { words } = await slackExplain('kex_exchange_identification: read: Connection reset by peer &lt;!channel&gt;', SLACK.open);
    expect(words).toMatch(/^🔎 tcp\.reset — /);
    expect(words).toContain('“kex_exchange_identification: read: Connection reset by peer <!channel>”');
  });
});

describe("a hostile server's text is shown, never obeyed", () => {
  it('Slack: the summary escapes every mention and link; the 100 KB goes to the thread in pieces', async () => {
    await slack.command('check hostile', { want: 'public' });
    const summary = await slackApi.waitFor((v) => v.messages.find((m) => m.channel === SLACK.open && /hostile failed at/.test(m.text)), 20_000);
    const texts = [summary.text, slackTexts(summary as unknown as Record<string, unknown>), ...slackApi.messages(SLACK.open).filter((m) => m.thread_ts === summary.ts).map((m) => m.text)];
    for (const text of texts) {
      expect(text).not.toMatch(/<!channel>|<@U123>|<https?:/);
      expect(text).not.toMatch(/<(?!\/?)/); // no < left at all: every one was escaped
    }
    expect(texts.join('\n')).toContain('&lt;!channel&gt;');
  }, 30_000);

  it('Discord: no @everyone, no mention, no masked link, no heading; and nothing may ping', async () => {
    const sent = discordApi.sendSlashCommand({ channelId: DISCORD.open, userId: DISCORD.operator, name: 'ftp', subcommand: 'check', options: [{ name: 'target', value: 'hostile' }] });
    const reply = await discordApi.waitFor(() => {
      const m = discordApi.interactionResponse(sent.id)?.message;
      return m && /hostile failed at/.test(discordText(m)) ? m : undefined;
    }, 20_000);
    const all = [reply, ...discordApi.messages(DISCORD.open)].map(discordText);
    for (const text of all) {
      expect(text).not.toMatch(/(^|[^\\\u200b])@everyone/);
      expect(text).not.toMatch(/(^|[^\\])<@U123>/);
      expect(text).not.toMatch(/(^|[^\\])\[click\]\(https/);
      expect(text).not.toMatch(/^#\s/m);
    }
    expect(discordText(reply)).toContain('\\<@U123>');
    // Every interaction answer and message this bot sent said "mention no one".
    const bodies = discordApi.calls.filter((c) => ['POST', 'PATCH'].includes(c.method) && /messages|interactions|webhooks/.test(c.path) && c.body && typeof c.body === 'object');
    expect(bodies.length).toBeGreaterThan(0);
    for (const call of bodies) {
      const body = call.body as { data?: { allowed_mentions?: unknown }; allowed_mentions?: unknown };
      const payload = body.data ?? body;
      if (('content' in payload || 'embeds' in payload) && (payload as { content?: string }).content !== 'buttons live here') expect(payload.allowed_mentions, `${call.method} ${call.path}`).toEqual({ parse: [] });
    }
  }, 30_000);

  it('console: the server text travels as plain text, never as a span of ours', async () => {
    const seen = new Set(consoleEntries.keys());
    await consolePost('/api/command', { text: '/ftp check hostile' });
    const summary = await until('the console summary', () => [...consoleEntries.values()].find((e) => !seen.has(e.id) && e.message.kind === 'summary' && /hostile failed at/.test(String(e.message.headline))), 20_000);
    const finding = summary.message.finding as { reply?: string };
    expect(finding.reply).toContain('<@U123>');
    expect(JSON.stringify(summary.message)).not.toMatch(/"user":"U123"/);
  }, 30_000);

  it('a runbook note quoting the server: escaped on Slack, plain on Discord and the console', async () => {
    // The login check of the runbook fails with the hostile 530, and its note quotes it.
    await slack.command('runbook auth.failed hostile', {});
    const step = await slackApi.waitFor((v) => v.messages.find((m) => m.channel === SLACK.open && m.thread_ts && /Re-check the login/.test(m.text)));
    const run = JSON.stringify(step.blocks).match(/"value":"(rb:run-check:[0-9a-f]+:\d+)"/)![1]!;
    await sendButtonClick(port, { actionId: 'ftpops.rb.run-check', value: run, channel: SLACK.open, messageTs: step.ts, responseUrl: slackApi.responseUrl(), user: SLACK.operator });
    const failed = await slackApi.waitFor((v) => v.messages.find((m) => m.ts === step.ts && /login failed/.test(JSON.stringify(m.blocks))), 20_000);
    const note = JSON.stringify(failed.blocks);
    expect(note).toContain('&lt;@U123&gt;');
    expect(note).not.toContain('<@U123>');
    expect(note).not.toMatch(/<!channel>/);
  }, 40_000);
});
