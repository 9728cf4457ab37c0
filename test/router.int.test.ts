// The router in-process, through a fake chat platform, on real Redis: every verb and every button,
// every refusal, and the audit record of each. What a platform's adapter adds (its wire format)
// is tested in chat-conformance.int.test.ts.
import { buttonId } from '../src/bot/incoming.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createBotCore, type BotCore } from '../src/bot/bot-core.js';
import { parseTargetsYaml } from '../src/config/targets-file.js';
import type { AuditRecord } from '../src/bot/router.js';
import type { ChatMessage } from '../src/bot/messages.js';
import { plainOf } from '../src/bot/rich.js';
import { FakeChat, type Said } from './support/fake-chat.js';
import { uniquePrefix } from './support/bot-process.js';

const CONFIG = `
targets:
  alpha:
    url: ftp://u@127.0.0.1:1
    alertChannel: C0ALERTS
  beta:
    url: sftp://u@127.0.0.1:1
channels:
  C0ALPHA: [alpha]
  '*': ['*']
access:
  admins: [U0ADMIN]
  operators: [U0OPS, 'group:S0ONCALL']
  viewers: ['*']
  adhocHosts: [files.partner.example]
  commandsPerMinute: 6
discord:
  guilds: ['111111111111111111']
`;

const ADMIN = { user: 'U0ADMIN' };
const OPS = { user: 'U0OPS' };
const ONCALL = { user: 'U0ANN', groups: ['S0ONCALL'] };
const VIEWER = { user: 'U0BOB' };
const OPEN = { channel: 'C0OPEN' };
const ALPHA_ONLY = { channel: 'C0ALPHA' };

let core: BotCore;
let slack: FakeChat;
let discord: FakeChat;
let redis: Redis;
const audit: AuditRecord[] = [];
const prefix = uniquePrefix();

beforeAll(async () => {
  const config = parseTargetsYaml(CONFIG, '/tmp/ftpops.yaml');
  core = createBotCore({ REDIS_URL: 'redis://127.0.0.1:6379', FTPOPS_QUEUE_PREFIX: prefix }, config, { audit: (r) => audit.push(r) });
  slack = new FakeChat('slack', core.router);
  discord = new FakeChat('discord', core.router);
  Object.assign(core.outbounds, { slack, discord });
  redis = new Redis('redis://127.0.0.1:6379');
});

beforeEach(async () => {
  // A fresh minute for the rate, whatever the test before did.
  const keys = await redis.keys(`${prefix}:rate:*`);
  if (keys.length) await redis.del(...keys);
});

afterAll(async () => {
  await core.finishAnswers();
  await core.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

/** A message in words: what a person would read, whatever the platform. */
function words(m: ChatMessage): string {
  switch (m.kind) {
    case 'notice':
    case 'status':
      return plainOf(m.text);
    case 'error':
    case 'alert-update':
      return m.text;
    case 'help':
      return m.commands.map((c) => c.usage).join('\n');
    case 'progress':
    case 'summary':
      return m.headline;
    case 'runbook-start':
      return `runbook ${m.runbookTitle}`;
    case 'runbook-step':
      return `${m.position}. ${m.title}`;
    case 'explanation':
      return [`${m.best.code} — ${m.best.title}`, ...m.alternatives.map((a) => `${a.code} ${Math.round(a.confidence * 100)}%`)].join('\n');
    default:
      return m.kind;
  }
}

const privately = (said: Said[]) => said.filter((s) => s.how === 'private').map((s) => words(s.message)).join('\n');
const lastAudit = () => audit.at(-1)!;

describe('commands', () => {
  it('check: "checking…" where asked, the check queued, audited', async () => {
    const said = await slack.command('check alpha', OPS, OPEN);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ how: 'post', place: { channel: 'C0OPEN' }, message: { kind: 'progress', target: 'alpha' } });
    expect(lastAudit()).toEqual({ event: 'chat', outcome: 'done', platform: 'slack', user: 'U0OPS', channel: 'C0OPEN', verb: 'check', target: 'alpha' });
    const pending = await redis.zrange(`${prefix}:deliveries-pending`, 0, -1);
    expect(pending.length).toBeGreaterThan(0);
  });

  it('explain, targets and help: to the asker only', async () => {
    expect(privately(await slack.command('explain 530', VIEWER, OPEN))).toMatch(/^auth\.failed — .*\ntls\.required \d+%\n(.*\n)*tls\.unsupported \d+%/);
    expect(lastAudit()).toMatchObject({ outcome: 'done', verb: 'explain' });
    expect(privately(await slack.command('explain no.such', VIEWER, OPEN))).toMatch(/^'no\.such' is not a finding code ftpops knows/);
    const listed = privately(await slack.command('targets', VIEWER, ALPHA_ONLY));
    expect(listed).toMatch(/alpha ftp:\/\/u@127\.0\.0\.1:1/);
    expect(listed).not.toMatch(/beta/);
    expect(privately(await slack.command('help', VIEWER, OPEN))).toMatch(/\/ftp check <target\|url>/);
    expect(lastAudit()).toMatchObject({ outcome: 'done', verb: 'help' });
  });

  it('explain: the whole pasted text; "Check <target> now" only for targets of this channel the text names', async () => {
    const log = 'Status: Connecting to 127.0.0.1:1...\nStatus: Connection established, waiting for welcome message...\nResponse: 421 There are too many connections from your internet address.\nError: Critical error: Could not connect to server';
    const open = await slack.command(`explain ${log}`, VIEWER, OPEN);
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ how: 'private', message: { kind: 'explanation', best: { code: 'ftp.unavailable' }, client: 'FileZilla', decisive: 'Response: 421 There are too many connections from your internet address.' } });
    // alpha (ftp://…@127.0.0.1) and beta (sftp://…@127.0.0.1) both live on the host the log names.
    const actionsOf = (said: Said[]) => (said[0]!.message.kind === 'explanation' ? said[0]!.message.actions : []);
    expect(actionsOf(open)).toEqual([
      { kind: 'recheck', target: 'alpha', label: 'Check alpha now' },
      { kind: 'recheck', target: 'beta', label: 'Check beta now' },
    ]);
    expect(actionsOf(await slack.command(`explain ${log}`, VIEWER, ALPHA_ONLY))).toEqual([{ kind: 'recheck', target: 'alpha', label: 'Check alpha now' }]);
    expect(actionsOf(await slack.command('explain Connection refused by files.elsewhere.example', VIEWER, OPEN))).toEqual([]);
    // The button is the recheck the router already judges: an operator's click checks, in the answer's thread.
    const clicked = await slack.click('recheck:alpha', OPS, ALPHA_ONLY, { id: '1700000000.000300' });
    expect(clicked[0]).toMatchObject({ how: 'post', message: { kind: 'progress', target: 'alpha' } });
    expect(privately(await slack.click('recheck:beta', OPS, ALPHA_ONLY, { id: '1700000000.000300' }))).toMatch(/may not check 'beta'/);
  });

  it('status: in the channel, one line per target the channel may see', async () => {
    const said = await slack.command('status', VIEWER, ALPHA_ONLY);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ how: 'post', message: { kind: 'status' } });
    expect(words(said[0]!.message)).toMatch(/alpha/);
    expect(words(said[0]!.message)).not.toMatch(/beta/);
    expect(words((await slack.command('status alpha', VIEWER, OPEN))[0]!.message)).toMatch(/alpha — not checked yet/);
  });

  it('mute: a bounded time, said in the channel, recorded in Redis', async () => {
    const said = await slack.command('mute alpha 2h', OPS, OPEN);
    expect(said[0]).toMatchObject({ how: 'post', message: { kind: 'notice', text: ['🔕 alpha: no new alert threads for 120 min (muted by ', { user: 'U0OPS' }, ')'] } });
    const ttl = await redis.pttl(`${prefix}:mute:alpha`);
    expect(ttl).toBeGreaterThan(119 * 60_000);
    expect(ttl).toBeLessThanOrEqual(120 * 60_000);
    expect(lastAudit()).toMatchObject({ outcome: 'done', verb: 'mute', target: 'alpha' });
  });

  it('runbook: a thread with its first step; the asker is told where', async () => {
    const said = await slack.command('runbook auth.failed alpha', OPS, OPEN);
    expect(said.map((s) => [s.how, s.message.kind])).toEqual([
      ['post', 'runbook-start'],
      ['post', 'runbook-step'],
      ['private', 'notice'],
    ]);
    expect(said[1]!.place).toEqual({ channel: 'C0OPEN', thread: said[0]!.ref.id });
    expect(privately(said)).toMatch(/the steps are in the thread/);
    expect(lastAudit()).toMatchObject({ outcome: 'done', verb: 'runbook', target: 'alpha' });
    // Typed inside a thread, it runs in that thread.
    const inThread = await discord.command('runbook too-many-connections beta', OPS, { channel: 'D0CHAN', thread: 'T0THREAD', guild: '111111111111111111' });
    expect(inThread[0]).toMatchObject({ how: 'post', message: { kind: 'runbook-step' }, place: { channel: 'D0CHAN', thread: 'T0THREAD' } });
  });
  it('runbook: a click the moment the first step appears is taken, not told the session is gone', async () => {
    let fastClick: Promise<Said[]> | undefined;
    slack.onPost = async (posted) => {
      const done = posted.message.kind === 'runbook-step' ? posted.message.actions.find((a) => a.kind === 'runbook-step' && (a.action === 'done' || a.action === 'skip')) : undefined;
      if (!done || fastClick) return;
      // The person sees the step and clicks while the platform has not yet told the bot the
      // message's id (not awaited: the click runs beside the post).
      fastClick = slack.click(buttonId(done), OPS, { channel: posted.place!.channel, thread: posted.place!.thread! }, { id: posted.ref.id, thread: posted.place!.thread! });
      await new Promise((r) => setTimeout(r, 300));
    };
    try {
      await slack.command('runbook auth.failed alpha', OPS, OPEN);
    } finally {
      slack.onPost = undefined;
    }
    expect(fastClick).toBeDefined();
    const answer = await fastClick!;
    expect(privately(answer)).not.toMatch(/session is gone|Nothing changed/);
    // The first step closed and the next one was posted (the command's own answers may fall in between).
    expect(answer.filter((s) => s.message.kind === 'runbook-step').map((s) => [s.how, s.message.kind])).toEqual([
      ['edit', 'runbook-step'],
      ['post', 'runbook-step'],
    ]);
  });
});

describe('refusals: said privately, audited, nothing done', () => {
  it.each([
    ['a viewer checking', 'check alpha', VIEWER, OPEN, /needs the operator role; you are a viewer/],
    ['an unknown target', 'check gamma', OPS, OPEN, /unknown target 'gamma' \(known here: alpha, beta\)/],
    ['a target outside the channel', 'check beta', OPS, ALPHA_ONLY, /this channel may not check 'beta' \(allowed here: alpha\)/],
    ['an ad-hoc URL by an operator', 'check ftp://files.partner.example', OPS, OPEN, /needs the admin role/],
    ['an ad-hoc URL with a password', 'check ftp://u:pw@files.partner.example', ADMIN, OPEN, /carry no passwords/],
    ['an ad-hoc host not listed', 'check ftp://evil.example', ADMIN, OPEN, /not in access\.adhocHosts/],
    ['a mute of a target outside the channel', 'mute beta 1h', OPS, ALPHA_ONLY, /may not check 'beta'/],
    ['a mute too long', 'mute alpha 8d', OPS, OPEN, /up to 7 days/],
    ['a runbook for a target outside the channel', 'runbook auth.failed beta', OPS, ALPHA_ONLY, /may not check 'beta'/],
    ['an unknown command', 'reboot now', OPS, OPEN, /unknown command 'reboot'/],
  ])('%s', async (_name, text, who, where, why) => {
    const said = await slack.command(text, who, where);
    expect(said.every((s) => s.how === 'private')).toBe(true);
    expect(privately(said)).toMatch(why);
    expect(lastAudit()).toMatchObject({ outcome: 'refused', platform: 'slack', user: who.user });
    expect(lastAudit().why).toMatch(why);
  });

  it('an operator by group: groups are looked up only when the lists name some', async () => {
    slack.groupLookups.length = 0;
    expect((await slack.command('check alpha', ONCALL, OPEN))[0]).toMatchObject({ how: 'post', message: { kind: 'progress' } });
    expect(slack.groupLookups).toEqual([['S0ONCALL']]);
  });

  it('rate: at most commandsPerMinute commands a minute per person', async () => {
    for (let i = 0; i < 6; i++) await slack.command('help', VIEWER, OPEN);
    expect(privately(await slack.command('help', VIEWER, OPEN))).toMatch(/slow down: at most 6 commands a minute/);
    // Another person is not slowed down.
    expect(privately(await slack.command('help', OPS, OPEN))).toMatch(/\/ftp check/);
  });

  it('Discord: direct messages and servers outside discord.guilds get nothing', async () => {
    expect(privately(await discord.command('targets', OPS, { channel: 'DM1', dm: true }))).toMatch(/not in direct messages/);
    expect(lastAudit()).toMatchObject({ outcome: 'refused', verb: 'targets' });
    expect(privately(await discord.command('targets', OPS, { channel: 'D0CHAN', guild: '222222222222222222' }))).toMatch(/this Discord server may not use ftpops/);
    expect(privately(await discord.command('targets', OPS, { channel: 'D0CHAN', guild: '111111111111111111' }))).toMatch(/alpha/);
  });
});

describe('buttons: judged again on every click', () => {
  const SUMMARY = { id: '1700000000.000100' };

  it('Re-check: in the thread of the message clicked', async () => {
    const said = await slack.click('recheck:alpha', OPS, OPEN, SUMMARY);
    expect(said[0]).toMatchObject({ how: 'post', place: { channel: 'C0OPEN', thread: SUMMARY.id }, message: { kind: 'progress', target: 'alpha' } });
    expect(lastAudit()).toMatchObject({ outcome: 'done', verb: 'recheck', target: 'alpha' });
  });

  it('Re-check on a private answer (no thread can hang off it): in the channel', async () => {
    const said = await slack.click('recheck:alpha', OPS, OPEN, { id: '1700000000.000300', private: true });
    expect(said[0]).toMatchObject({ how: 'post', place: { channel: 'C0OPEN' }, message: { kind: 'progress', target: 'alpha' } });
    expect(said[0]!.place?.thread).toBeUndefined();
  });

  it.each([
    ['Re-check by a viewer', 'recheck:alpha', VIEWER, OPEN, /needs the operator role/],
    ['Re-check of a target outside the channel', 'recheck:beta', OPS, ALPHA_ONLY, /may not check 'beta'/],
    ['Re-check of an ad-hoc URL by an operator', 'recheck:ftp://files.partner.example', OPS, OPEN, /needs the admin role/],
    ['Mute from a channel that may not see the target', 'mute:60:beta', OPS, ALPHA_ONLY, /may not check 'beta'/],
    ['Mute of a target that does not exist', 'mute:60:nonexistent', OPS, OPEN, /unknown target 'nonexistent'/],
    ['Mute for 10,000,000 minutes', 'mute:10000000:alpha', OPS, OPEN, /not one of ftpops'/],
    ['Acknowledge from a channel that may not see the target', 'ack:beta:check', OPS, ALPHA_ONLY, /may not check 'beta'/],
    ['Acknowledge of a made-up origin', 'ack:alpha:elsewhere', OPS, OPEN, /not one of ftpops'/],
    ['Open runbook for a target outside the channel', 'runbook:login-failures:beta', OPS, ALPHA_ONLY, /may not check 'beta'/],
    ['a runbook step of a session that does not exist', 'rb:done:abcdef123456:1', OPS, OPEN, /session is gone/],
    ['a made-up button', 'shutdown:now', OPS, OPEN, /not one of ftpops'/],
  ])('%s: refused', async (_name, button, who, where, why) => {
    const before = await redis.keys(`${prefix}:mute:*`);
    const said = await slack.click(button, who, where, SUMMARY);
    expect(said.every((s) => s.how === 'private')).toBe(true);
    expect(privately(said)).toMatch(why);
    expect(lastAudit()).toMatchObject({ outcome: 'refused', user: who.user });
    expect(await redis.keys(`${prefix}:mute:*`)).toEqual(before);
  });

  it('Mute (a button) tells the clicker privately; Acknowledge of a closed incident says so', async () => {
    expect(privately(await slack.click('mute:60:beta', OPS, OPEN, SUMMARY))).toMatch(/beta: no new alert threads for 60 min/);
    expect(lastAudit()).toMatchObject({ outcome: 'done', verb: 'mute', target: 'beta' });
    expect(privately(await slack.click('ack:alpha:check', OPS, OPEN, SUMMARY))).toMatch(/already resolved/);
    expect(lastAudit()).toMatchObject({ outcome: 'done', verb: 'acknowledge', target: 'alpha' });
  });

  it('runbook steps: only in the session\'s own channel; a stale version changes nothing', async () => {
    const opened = await slack.click('runbook:login-failures:alpha', OPS, OPEN, { id: '1700000000.000200' });
    const step = opened.find((s) => s.message.kind === 'runbook-step')!.message;
    expect(step.kind === 'runbook-step' && step.actions.length).toBeGreaterThan(0);
    const skip = step.kind === 'runbook-step' ? step.actions.find((a) => a.kind === 'runbook-step' && a.action === 'skip') : undefined;
    expect(skip).toBeDefined();
    const id = `rb:skip:${(skip as { session: string }).session}:${(skip as { version: number }).version}`;
    // The same click from another channel: refused, the session untouched.
    expect(privately(await slack.click(id, OPS, { channel: 'C0OTHER' }, { id: 'x' }))).toMatch(/runs in another channel/);
    expect(lastAudit()).toMatchObject({ outcome: 'refused', verb: 'runbook-step.skip' });
    // In its own channel: one transition; the same click again is stale.
    await slack.click(id, OPS, OPEN, { id: 'x' });
    expect(lastAudit()).toMatchObject({ outcome: 'done', verb: 'runbook-step.skip', user: 'U0OPS' });
    expect(privately(await slack.click(id, OPS, OPEN, { id: 'x' }))).toMatch(/^Nothing changed:/);
  });
});
