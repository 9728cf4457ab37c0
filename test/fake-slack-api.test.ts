// Proves the fake Slack Web API with the real SDKs: @slack/web-api's WebClient and a Bolt App
// (HTTP receiver) whose client is pointed at the fake through clientOptions.slackApiUrl.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, type Logger } from '@slack/bolt';
import { WebClient, WebClientEvent, type WebAPIPlatformError } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlackApi, type FakeSlackApi } from './support/fake-slack-api.js';
import { signSlackRequest, slashCommandBody } from './support/slack-signing.js';

const TOKEN = 'xoxb-0000-fake';

/** Keeps SDK log lines out of the test output; collects them for assertions. */
function quietLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  let level = LogLevel.INFO;
  const log =
    (name: string) =>
    (...msg: unknown[]): void => {
      lines.push(`${name}: ${msg.map(String).join(' ')}`);
    };
  return {
    lines,
    debug: () => {},
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

let fake: FakeSlackApi;
beforeEach(async () => {
  fake = await startFakeSlackApi();
});
afterEach(async () => {
  await fake.close();
});

function client(token: string | null = TOKEN, retries = 1): WebClient {
  return new WebClient(token ?? undefined, { slackApiUrl: fake.url, retryConfig: { retries, minTimeout: 50 }, logger: quietLogger() });
}

async function platformError(p: Promise<unknown>): Promise<WebAPIPlatformError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as WebAPIPlatformError;
}

describe('fake Slack Web API with the real WebClient', () => {
  it('answers auth.test and records the bearer token', async () => {
    const res = await client().auth.test();
    expect(res).toMatchObject({ ok: true, user_id: 'U0FAKEBOT', team_id: 'T0FAKE', bot_id: 'B0FAKEBOT' });
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]).toMatchObject({ method: 'auth.test', token: TOKEN, status: 200 });
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  it('postMessage then update shows the edited message; blocks arrive decoded', async () => {
    const web = client();
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*checking* ftp.example.com' } }];
    const posted = await web.chat.postMessage({ channel: 'C0OPS', text: 'checking', blocks });
    expect(posted).toMatchObject({ ok: true, channel: 'C0OPS', ts: '1700000000.000100' });
    expect(posted.message).toMatchObject({ text: 'checking', blocks, user: 'U0FAKEBOT' });
    // WebClient sends form-encoded with blocks JSON-stringified; the fake decodes it.
    expect(fake.callsTo('chat.postMessage')[0]?.body.blocks).toEqual(blocks);

    const ts = posted.ts ?? '';
    const updated = await web.chat.update({ channel: 'C0OPS', ts, text: 'ftp.example.com is healthy' });
    expect(updated).toMatchObject({ ok: true, channel: 'C0OPS', ts, text: 'ftp.example.com is healthy' });

    const msgs = fake.messages('C0OPS');
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ ts, text: 'ftp.example.com is healthy', blocks, edited: { user: 'U0FAKEBOT' } });
    expect(fake.messages('C0OTHER')).toEqual([]);

    const err = await platformError(web.chat.update({ channel: 'C0OPS', ts: '1.000001', text: 'x' }));
    expect(err.data).toMatchObject({ ok: false, error: 'message_not_found' });

    await web.chat.delete({ channel: 'C0OPS', ts });
    expect(fake.messages()).toEqual([]);
  });

  it('thread replies carry thread_ts and ts increases', async () => {
    const web = client();
    const parent = await web.chat.postMessage({ channel: 'C0OPS', text: 'probe started' });
    const reply = await web.chat.postMessage({ channel: 'C0OPS', thread_ts: parent.ts ?? '', text: 'TCP ok' });
    expect(Number(reply.ts)).toBeGreaterThan(Number(parent.ts));
    expect(reply.message).toMatchObject({ thread_ts: parent.ts });
    const [first, second] = fake.messages('C0OPS');
    expect(first?.thread_ts).toBeUndefined();
    expect(second).toMatchObject({ ts: reply.ts, thread_ts: parent.ts, text: 'TCP ok' });
  });

  it('refuses invalid blocks: more than 50, or section text over 3000 chars', async () => {
    const web = client();
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ type: 'section', text: { type: 'mrkdwn', text: `b${i}` } }));
    const e1 = await platformError(web.chat.postMessage({ channel: 'C0OPS', text: 'x', blocks: tooMany }));
    expect(e1.data.error).toBe('invalid_blocks');

    const long = [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }];
    const e2 = await platformError(web.chat.postMessage({ channel: 'C0OPS', text: 'x', blocks: long }));
    expect(e2.data.error).toBe('invalid_blocks');

    const posted = await web.chat.postMessage({ channel: 'C0OPS', text: 'x', blocks: tooMany.slice(0, 50) });
    expect(posted.ok).toBe(true);
    const e3 = await platformError(web.chat.update({ channel: 'C0OPS', ts: posted.ts ?? '', text: 'x', blocks: long }));
    expect(e3.data.error).toBe('invalid_blocks');
    expect(fake.messages()).toHaveLength(1);
  });

  it('a 429 with Retry-After is retried by the SDK and then succeeds', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const web = client();
    let rateLimitedFor: number | undefined;
    web.on(WebClientEvent.RATE_LIMITED, (sec: number) => {
      rateLimitedFor = sec;
    });
    const started = Date.now();
    const res = await web.chat.postMessage({ channel: 'C0OPS', text: 'after the storm' });
    expect(res.ok).toBe(true);
    expect(rateLimitedFor).toBe(1);
    const attempts = fake.callsTo('chat.postMessage');
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.messages('C0OPS')).toHaveLength(1);
  });

  it('a 500 is retried; with retries exhausted the HTTP error surfaces', async () => {
    fake.failNext('chat.postMessage', { status: 500 });
    expect((await client().chat.postMessage({ channel: 'C0OPS', text: 'x' })).ok).toBe(true);
    expect(fake.callsTo('chat.postMessage').map((c) => c.status)).toEqual([500, 200]);

    fake.failNext('chat.postMessage', { status: 500 }, 2);
    const err = await platformError(client(TOKEN, 1).chat.postMessage({ channel: 'C0OPS', text: 'y' }));
    expect(err).toMatchObject({ code: 'slack_webapi_http_error', statusCode: 500 });
    fake.failNext('chat.postEphemeral', { error: 'channel_not_found' });
    const e2 = await platformError(client().chat.postEphemeral({ channel: 'C0OPS', user: 'U1', text: 'z' }));
    expect(e2.data.error).toBe('channel_not_found');
  });

  it('without a token answers not_authed; a non-xox token invalid_auth', async () => {
    const e1 = await platformError(client(null).chat.postMessage({ channel: 'C0OPS', text: 'x' }));
    expect(e1).toMatchObject({ code: 'slack_webapi_platform_error', data: { ok: false, error: 'not_authed' } });
    expect(fake.calls[0]).toMatchObject({ method: 'chat.postMessage', token: undefined });
    const e2 = await platformError(client('bogus').auth.test());
    expect(e2.data.error).toBe('invalid_auth');
    expect(fake.messages()).toEqual([]);
  });

  it('ephemerals, conversations.info, JSON bodies and waitFor', async () => {
    const web = client();
    const eph = await web.chat.postEphemeral({ channel: 'C0OPS', user: 'U0USER', text: 'only you' });
    expect(eph).toMatchObject({ ok: true, message_ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(fake.ephemerals('C0OPS')).toEqual([expect.objectContaining({ user: 'U0USER', text: 'only you' })]);
    expect(fake.messages()).toEqual([]);

    const info = await web.conversations.info({ channel: 'C0OPS' });
    expect(info.channel).toMatchObject({ id: 'C0OPS', is_channel: true, is_member: true });

    const waiting = fake.waitFor(({ messages }) => messages.find((m) => m.text === 'json!'), 2000);
    const res = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ channel: 'C0OPS', text: 'json!', blocks: [{ type: 'divider' }] }),
    });
    expect(await res.json()).toMatchObject({ ok: true, channel: 'C0OPS' });
    expect(await waiting).toMatchObject({ text: 'json!', blocks: [{ type: 'divider' }] });

    // JSON bodies must carry the token in the header, as on real Slack.
    const noAuth = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: TOKEN, channel: 'C0OPS', text: 'no' }),
    });
    expect(await noAuth.json()).toEqual({ ok: false, error: 'not_authed' });

    await expect(fake.waitFor(() => false, 100)).rejects.toThrow(/timed out after 100 ms/);
  });
});

describe('real Bolt App (HTTPReceiver) against the fake', () => {
  const SECRET = 'test-signing-secret';
  let app: App;
  let endpoint: string;
  let logger: ReturnType<typeof quietLogger>;
  let commandText: string[];

  beforeEach(async () => {
    commandText = [];
    logger = quietLogger();
    app = new App({
      token: TOKEN,
      signingSecret: SECRET,
      logger,
      // WebClient options for app.client and every listener's `client`.
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
    });
    app.command('/ftp', async ({ ack, command, client: web, respond }) => {
      await ack();
      commandText.push(command.text);
      await web.chat.postMessage({ channel: command.channel_id, text: `checking ${command.text}` });
      await respond({ text: `queued ${command.text}`, response_type: 'ephemeral' });
    });
    const server = (await app.start(0)) as Server;
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  afterEach(async () => {
    await app.stop();
  });

  async function post(body: string, headers: Record<string, string>): Promise<{ status: number; text: string; ms: number }> {
    const started = Date.now();
    const res = await fetch(endpoint, { method: 'POST', headers, body });
    return { status: res.status, text: await res.text(), ms: Date.now() - started };
  }

  it('accepts a signed /ftp slash command, acks within 3 s, posts through the fake', async () => {
    const body = slashCommandBody({
      command: '/ftp',
      text: 'check sftp://files.example.com',
      user_id: 'U0USER',
      channel_id: 'C0OPS',
      team_id: 'T0FAKE',
      response_url: fake.responseUrl('cmd1'),
      trigger_id: '123.456.abc',
    });
    const res = await post(body, { ...signSlackRequest(body, SECRET) });
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3000);
    expect(commandText).toEqual(['check sftp://files.example.com']);

    const msg = await fake.waitFor(({ messages }) => messages.find((m) => m.channel === 'C0OPS'), 3000);
    expect(msg.text).toBe('checking check sftp://files.example.com');
    const posted = fake.callsTo('chat.postMessage')[0];
    expect(posted?.token).toBe(TOKEN);
    // Bolt verified the token with auth.test against the fake, not slack.com.
    expect(fake.callsTo('auth.test').length).toBeGreaterThanOrEqual(1);

    const responded = await fake.waitFor(({ calls }) => calls.find((c) => c.method === 'response_url'), 3000);
    expect(responded).toMatchObject({ responseUrlId: 'cmd1', body: { text: 'queued check sftp://files.example.com', response_type: 'ephemeral' } });
  });

  it('refuses a bad signature with 401', async () => {
    const body = slashCommandBody({ text: 'check ftp://x' });
    const res = await post(body, { ...signSlackRequest(body, 'wrong-secret') });
    expect(res.status).toBe(401);
    const tampered = await post(`${body}&x=1`, { ...signSlackRequest(body, SECRET) });
    expect(tampered.status).toBe(401);
    expect(commandText).toEqual([]);
  });

  it('refuses a timestamp 5 minutes old with 401', async () => {
    const body = slashCommandBody({ text: 'check ftp://x' });
    const stale = Math.floor(Date.now() / 1000) - 5 * 60 - 1;
    const res = await post(body, { ...signSlackRequest(body, SECRET, stale) });
    expect(res.status).toBe(401);
    expect(commandText).toEqual([]);
    expect(fake.callsTo('chat.postMessage')).toEqual([]);
  });
});
