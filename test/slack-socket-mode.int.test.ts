// Slack Socket Mode end to end: `ftpops all` with an app-level token (no signing secret), Bolt's
// own SocketModeReceiver (@slack/socket-mode, unmodified) talking to the fake Socket Mode server
// (apps.connections.open → WebSocket, hello, envelopes, acknowledgements, disconnect/refresh),
// the fake Slack Web API behind it, real Redis, a real sshd target.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadTestbed, type Testbed } from './support/testbed.js';
import { startFakeSlackApi, type FakeSlackApi, type FakeSlackMessage } from './support/fake-slack-api.js';
import { startFakeSlackSocket, type FakeSlackSocket } from './support/fake-slack-socket.js';
import { BOT_TOKEN, RoleProcess, freePort, uniquePrefix, writeConfig, endProcesses } from './support/bot-process.js';

const APP_TOKEN = 'xapp-1-A0FAKE-1-socket-mode-test';
const INGEST_TOKEN = 'socket-mode-ingest-token';

let tb: Testbed;
let fake: FakeSlackApi;
let config: string;
const processes: RoleProcess[] = [];
const sockets: FakeSlackSocket[] = [];

beforeAll(async () => {
  tb = loadTestbed();
  fake = await startFakeSlackApi();
  config = writeConfig(
    [
      'targets:',
      '  prod-sftp:',
      `    url: sftp://${tb.user}@127.0.0.1:${tb.servers['sshd-main']!.port}`,
      '    passwordEnv: FTPOPS_TEST_PW',
      '    ingest: { tokenEnv: FTPOPS_INGEST_TOKEN, daemon: sshd }',
      '',
    ].join('\n'),
  );
});

afterEach((ctx) => endProcesses(ctx, processes, sockets.splice(0).map((s) => () => s.close())));

afterAll(async () => {
  await fake.close();
});

/** `ftpops all` in Socket Mode, its Web API and socket both through a fresh fake socket server. */
async function start(): Promise<{ proc: RoleProcess; socket: FakeSlackSocket; port: number }> {
  const socket = await startFakeSlackSocket({ webApiUrl: fake.url, appToken: APP_TOKEN });
  sockets.push(socket);
  const port = await freePort();
  const proc = new RoleProcess('all', {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_APP_TOKEN: APP_TOKEN,
    SLACK_SIGNING_SECRET: '',
    SLACK_API_URL: socket.url,
    PORT: String(port),
    FTPOPS_HTTP_HOST: '127.0.0.1',
    REDIS_URL: 'redis://127.0.0.1:6379',
    FTPOPS_QUEUE_PREFIX: uniquePrefix(),
    FTPOPS_CONFIG: config,
    FTPOPS_TEST_PW: tb.password,
    FTPOPS_INGEST_TOKEN: INGEST_TOKEN,
  });
  processes.push(proc);
  await proc.ready();
  return { proc, socket, port };
}

const isFinal = (m: FakeSlackMessage) => JSON.stringify(m.blocks ?? []).includes('ftpops.recheck');
const textOf = (m: FakeSlackMessage) => `${m.text} ${JSON.stringify(m.blocks ?? [])}`;

function finalIn(channel: string, target: string, timeoutMs = 20_000): Promise<FakeSlackMessage> {
  return fake.waitFor(({ messages }) => messages.find((m) => m.channel === channel && !m.thread_ts && isFinal(m) && textOf(m).includes(target)), timeoutMs);
}

describe('Slack over Socket Mode', () => {
  it('connects with the app token: apps.connections.open, WebSocket, hello; no HTTP receiver', async () => {
    const { proc, socket, port } = await start();
    expect(proc.output).toMatch(/running/);
    expect(proc.output).toMatch(/Slack Socket Mode/);
    // apps.connections.open was answered by the socket server, called with the xapp- token only.
    expect(socket.opens).toHaveLength(1);
    expect(socket.opens[0]).toMatchObject({ ok: true, token: APP_TOKEN });
    expect(fake.callsTo('apps.connections.open')).toHaveLength(0);
    // One connection, greeted with hello before the bot said it was running.
    expect(socket.connectionLog).toHaveLength(1);
    expect(socket.connections()).toBe(1);
    expect(socket.frames[0]).toMatchObject({ dir: 'out', data: { type: 'hello', connection_info: { app_id: 'A0FAKE' } } });
    // The bot token still reaches the Web API, through the same SLACK_API_URL (proxied).
    expect(fake.callsTo('auth.test').some((c) => c.token === BOT_TOKEN)).toBe(true);
    expect(fake.calls.some((c) => c.token === APP_TOKEN)).toBe(false);
    // Pings both ways: the client answers ours with a pong.
    expect(await socket.ping()).toBeLessThan(1_000);
    // No Bolt HTTP receiver on PORT: Slack's request path is not served there.
    const events = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body: 'x' });
    expect(events.status).toBe(404);
  });

  it('/ftp check over the socket: acked within 3 s, then one summary (postMessage, then updates)', async () => {
    const { socket } = await start();
    const ack = await socket.sendSlashCommand({ text: 'check prod-sftp', channel: 'C0SOCKCHECK', responseUrl: fake.responseUrl() });
    expect(ack.ms).toBeLessThan(3_000);
    expect(ack.type).toBe('slash_commands');
    expect(ack.payload).toEqual({});
    const final = await finalIn('C0SOCKCHECK', 'prod-sftp');
    expect(textOf(final)).toMatch(/healthy/);
    for (const stage of ['resolve', 'connect', 'greet', 'login', 'list']) expect(textOf(final)).toContain(stage);
    const posts = fake.callsTo('chat.postMessage').filter((c) => c.body.channel === 'C0SOCKCHECK');
    expect(posts).toHaveLength(1);
    // Acknowledged before the progress message went out; that message then edited into the summary.
    expect(ack.at).toBeLessThanOrEqual(posts[0]!.at);
    const updates = fake.callsTo('chat.update').filter((c) => c.body.ts === final.ts);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.every((u) => u.at >= posts[0]!.at)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(fake.messages('C0SOCKCHECK').filter((m) => !m.thread_ts)).toHaveLength(1);
    expect(socket.acks).toHaveLength(1);
  });

  it('/ftp help: acknowledged at once, then answered privately through response_url', async () => {
    const { socket } = await start();
    const help = await socket.sendSlashCommand({ text: 'help', channel: 'C0SOCKHELP', responseUrl: fake.responseUrl('help') });
    expect(help.ms).toBeLessThan(3_000);
    const answer = await fake.waitFor(() => fake.callsTo('response_url').find((c) => c.responseUrlId === 'help'));
    expect(answer.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(answer.body.blocks)).toContain('/ftp status');
    await socket.sendSlashCommand({ text: 'check nope', channel: 'C0SOCKHELP', responseUrl: fake.responseUrl('nope') });
    const unknown = await fake.waitFor(() => fake.callsTo('response_url').find((c) => c.responseUrlId === 'nope'));
    expect(unknown.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/unknown target 'nope'/) });
    // Nothing in the channel: both answers were for the asker only.
    expect(fake.messages('C0SOCKHELP')).toHaveLength(0);
  });

  it('Re-check on the summary, clicked over the socket, runs a new check in its thread', async () => {
    const { socket } = await start();
    await socket.sendSlashCommand({ text: 'check prod-sftp', channel: 'C0SOCKBTN', responseUrl: fake.responseUrl() });
    const first = await finalIn('C0SOCKBTN', 'prod-sftp');
    const click = await socket.sendButtonClick({ actionId: 'ftpops.recheck', value: 'recheck:prod-sftp', channel: 'C0SOCKBTN', messageTs: first.ts, responseUrl: fake.responseUrl() });
    expect(click.type).toBe('interactive');
    expect(click.ms).toBeLessThan(3_000);
    expect(click.payload).toEqual({});
    const again = await fake.waitFor(({ messages }) => messages.find((m) => m.channel === 'C0SOCKBTN' && m.thread_ts === first.ts && isFinal(m)), 20_000);
    expect(textOf(again)).toMatch(/healthy/);
    expect(fake.callsTo('chat.postMessage').filter((c) => c.body.channel === 'C0SOCKBTN')).toHaveLength(2);
  });

  it('disconnect (refresh_requested): the client reconnects with a new apps.connections.open; commands still work', async () => {
    const { socket } = await start();
    // The client keeps the link alive with pings of its own (answered by pongs) before any refresh.
    expect((await socket.waitForClientPing()).clientPings).toBeGreaterThan(0);
    const { old, fresh, ms } = await socket.requestRefresh();
    expect(old.closedAt).toBeDefined();
    expect(fresh.id).toBe(2);
    expect(socket.opens.filter((o) => o.ok).map((o) => o.token)).toEqual([APP_TOKEN, APP_TOKEN]);
    expect(socket.connections()).toBe(1);
    // The old socket was closed by the client (normal closure) before the new one opened.
    expect(old.closeCode).toBe(1000);
    expect(old.closedAt!).toBeLessThanOrEqual(fresh.openedAt);
    console.log(`socket refresh: reconnected after ${Math.round(ms)} ms`);
    const ack = await socket.sendSlashCommand({ text: 'check prod-sftp', channel: 'C0SOCKREFRESH', responseUrl: fake.responseUrl() });
    expect(ack.connection).toBe(2);
    expect(ack.ms).toBeLessThan(3_000);
    expect(textOf(await finalIn('C0SOCKREFRESH', 'prod-sftp'))).toMatch(/healthy/);
  });

  it('a Slack outage while reconnecting (apps.connections.open answering 503 six times) does not end the process', async () => {
    const { proc, socket } = await start();
    socket.failNextOpens({ status: 503 }, 6);
    await socket.requestRefresh(60_000);
    // Before the fix the socket client gave up after 5 retries and its error ended `ftpops all`.
    expect(proc.alive).toBe(true);
    expect(socket.opens.filter((o) => !o.ok)).toHaveLength(6);
    const ack = await socket.sendSlashCommand({ text: 'check prod-sftp', channel: 'C0SOCKOUTAGE', responseUrl: fake.responseUrl() });
    expect(ack.ms).toBeLessThan(3_000);
    expect(textOf(await finalIn('C0SOCKOUTAGE', 'prod-sftp'))).toMatch(/healthy/);
  }, 90_000);

  it('log ingestion is served on PORT by the bot itself in Socket Mode', async () => {
    const { port } = await start();
    const line = 'Failed password for ftptest from 127.0.0.1 port 45034 ssh2';
    const post = (token: string) => fetch(`http://127.0.0.1:${port}/ingest/prod-sftp`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: `${line}\n` });
    const accepted = await post(INGEST_TOKEN);
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toMatchObject({ events: 1 });
    expect((await post('wrong-token')).status).toBe(401);
  });
});
