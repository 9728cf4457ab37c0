// Proves the fake Discord (REST + gateway) with the real discord.js Client: login over
// GET /gateway/bot + WebSocket, interactions delivered as INTERACTION_CREATE and answered through
// the real interaction/webhook routes, channel messages, threads, files, commands, rate limits.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  EmbedBuilder,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Routes,
  SlashCommandBuilder,
  type Interaction,
  type TextChannel,
} from 'discord.js';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from './support/fake-discord-api.js';

const TOKEN = 'ZmFrZS1ib3Q.fake.token';
let fake: FakeDiscord | undefined;
const clients: Client[] = [];

async function start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  fake = await startFakeDiscord({ tokens: [TOKEN], ...options });
  return fake;
}

function newClient(f: FakeDiscord): Client {
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: f.url } });
  clients.push(client);
  return client;
}

async function loggedIn(f: FakeDiscord): Promise<Client> {
  const client = newClient(f);
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(TOKEN);
  await ready;
  return client;
}

/** Runs `fn` on the next interaction; resolves with its result or rejects with its error. */
function onNextInteraction<T>(client: Client, fn: (i: Interaction) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    client.once(Events.InteractionCreate, (i) => void fn(i).then(resolve, reject));
  });
}

function textChannel(client: Client, id: string): TextChannel {
  const channel = client.channels.cache.get(id);
  if (!channel?.isTextBased() || channel.isDMBased() || channel.isThread()) throw new Error(`no text channel ${id}`);
  return channel as TextChannel;
}

const recheckRow = (target: string) =>
  new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(`ftp:recheck:${target}`).setLabel('Re-check').setStyle(ButtonStyle.Primary),
  );

afterEach(async () => {
  for (const client of clients.splice(0)) await client.destroy();
  await fake?.close();
  fake = undefined;
});

describe('fake Discord with the real discord.js Client', () => {
  it('logs in over GET /gateway/bot + the gateway, emits ready/clientReady and caches the guild', async () => {
    const f = await start({ heartbeatIntervalMs: 100 });
    const client = newClient(f);
    const events: string[] = [];
    client.once('ready', () => events.push('ready'));
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => (events.push('clientReady'), resolve())));
    await client.login(TOKEN);
    await ready;
    expect(events).toEqual(['ready', 'clientReady']);
    expect(client.user?.id).toBe(f.botUserId);
    expect(client.user?.bot).toBe(true);
    expect(client.application?.id).toBe(f.applicationId);
    const guild = client.guilds.cache.get(f.guildId);
    expect(guild?.available).toBe(true);
    expect(textChannel(client, f.channelId('general')).name).toBe('general');
    expect(guild?.channels.cache.get(f.channelId('ftp-alerts'))?.name).toBe('ftp-alerts');
    expect(guild?.roles.cache.get(f.roleId('ftp-admin'))?.permissions.has('Administrator')).toBe(true);
    expect(f.calls.map((c) => `${c.method} ${c.route} ${c.status}`)).toEqual(['GET /gateway/bot 200']);
    const identify = f.gatewayFrames.find((fr) => fr.dir === 'in' && fr.op === 2)?.d as { intents: number; token: string };
    expect(identify).toMatchObject({ intents: GatewayIntentBits.Guilds, token: TOKEN });
    expect(f.gatewayFrames.filter((fr) => fr.dir === 'out').map((fr) => fr.t ?? fr.op).slice(0, 3)).toEqual([10, 'READY', 'GUILD_CREATE']);
    await expect(client.application?.fetch()).resolves.toBeTruthy();
    await f.waitFor((x) => x.gatewayFrames.some((fr) => fr.dir === 'out' && fr.op === 11), 2000);
    expect(f.gatewayFrames.some((fr) => fr.dir === 'in' && fr.op === 1)).toBe(true);
    await f.waitFor(() => client.ws.ping >= 0, 2000);
  });

  it('delivers a slash command; deferReply + editReply twice + followUp form the original response', async () => {
    const f = await start();
    const client = await loggedIn(f);
    const handled = onNextInteraction(client, async (i) => {
      if (!i.isChatInputCommand()) throw new Error(`unexpected interaction type ${i.type}`);
      const ops = i.inCachedGuild() && i.member.roles.cache.has(f.roleId('ftp-ops'));
      const seen = { name: i.commandName, sub: i.options.getSubcommand(), target: i.options.getString('target'), ops, user: i.user.id, channel: i.channelId, perms: i.memberPermissions?.has('SendMessages') };
      await i.deferReply();
      await i.editReply({ embeds: [new EmbedBuilder().setTitle('Checking prod-sftp…')], components: [recheckRow('prod-sftp')] });
      await i.editReply({ embeds: [new EmbedBuilder().setTitle('prod-sftp: OK').addFields({ name: 'TCP', value: 'connected in 3 ms' })], components: [] });
      const follow = await i.followUp({ content: 'raw transcript attached', flags: MessageFlags.Ephemeral });
      return { seen, followId: follow.id, fetched: (await i.fetchReply()).embeds[0]?.title };
    });
    const general = f.channelId('general');
    const { id } = f.sendSlashCommand({ channelId: general, name: 'ftp', subcommand: 'check', options: [{ name: 'target', value: 'prod-sftp' }], roles: ['ftp-ops'] });
    const result = await handled;
    expect(result.seen).toEqual({ name: 'ftp', sub: 'check', target: 'prod-sftp', ops: true, user: f.userId, channel: general, perms: true });
    expect(result.fetched).toBe('prod-sftp: OK');

    const response = f.interactionResponse(id);
    expect(response).toMatchObject({ type: 5, deferred: true, ephemeral: false, expired: false });
    expect(response?.message).toMatchObject({ channel_id: general, type: 20, flags: 0, components: [], webhook_id: f.applicationId });
    expect(response?.message?.embeds).toEqual([{ type: 'rich', title: 'prod-sftp: OK', fields: [{ name: 'TCP', value: 'connected in 3 ms' }] }]);
    expect(response?.message?.edited_timestamp).toBeTruthy();
    expect(response?.followUps).toMatchObject([{ id: result.followId, content: 'raw transcript attached', flags: MessageFlags.Ephemeral }]);
    // The channel shows the (non-ephemeral) original response only.
    expect(f.messages(general).map((m) => m.id)).toEqual([response?.message?.id]);
    expect(f.calls.slice(1).map((c) => `${c.method} ${c.route}`)).toEqual([
      'POST /interactions/:interaction/:token/callback',
      'PATCH /webhooks/:app/:token/messages/:message',
      'PATCH /webhooks/:app/:token/messages/:message',
      'POST /webhooks/:app/:token',
      'GET /webhooks/:app/:token/messages/:message',
    ]);
    expect(f.calls[1]?.body).toEqual({ type: 5, data: { flags: 0 } });
    expect(f.calls[1]?.query).toEqual({ with_response: 'false' });
  });

  it('records autocomplete choices from interaction.respond()', async () => {
    const f = await start();
    const client = await loggedIn(f);
    const handled = onNextInteraction(client, async (i) => {
      if (!i.isAutocomplete()) throw new Error('expected autocomplete');
      const focused = i.options.getFocused(true);
      await i.respond([{ name: 'prod-sftp', value: 'prod-sftp' }, { name: 'prod-ftps', value: 'prod-ftps' }].filter((c) => c.name.startsWith(focused.value)));
      return { sub: i.options.getSubcommand(), focused };
    });
    const { id } = f.sendAutocomplete({ channelId: f.channelId('general'), name: 'ftp', subcommand: 'check', focused: 'target', value: 'prod-s' });
    expect(await handled).toEqual({ sub: 'check', focused: expect.objectContaining({ name: 'target', value: 'prod-s' }) });
    expect(f.interactionResponse(id)).toMatchObject({ type: 8, choices: [{ name: 'prod-sftp', value: 'prod-sftp' }] });
  });

  it('button interactions: update() edits the clicked message, deferUpdate() + editReply() too, reply ephemeral stays private', async () => {
    const f = await start();
    const client = await loggedIn(f);
    const general = f.channelId('general');
    const posted = await textChannel(client, general).send({ content: 'prod-sftp: DOWN', components: [recheckRow('prod-sftp')] });

    const first = onNextInteraction(client, async (i) => {
      if (!i.isButton()) throw new Error('expected button');
      await i.update({ content: 'prod-sftp: re-checking…', components: [] });
      return { customId: i.customId, messageId: i.message.id };
    });
    const click1 = f.sendButton({ messageId: posted.id, customId: 'ftp:recheck:prod-sftp' });
    expect(await first).toEqual({ customId: 'ftp:recheck:prod-sftp', messageId: posted.id });
    expect(f.messages(general)).toMatchObject([{ id: posted.id, content: 'prod-sftp: re-checking…', components: [] }]);
    expect(f.interactionResponse(click1.id)).toMatchObject({ type: 7, deferred: false, message: { id: posted.id } });

    const second = onNextInteraction(client, async (i) => {
      if (!i.isButton()) throw new Error('expected button');
      await i.deferUpdate();
      await i.editReply({ content: 'prod-sftp: OK' });
      await i.followUp({ content: 'only you can see this', flags: MessageFlags.Ephemeral });
    });
    const click2 = f.sendButton({ channelId: general, messageId: posted.id, customId: 'ftp:recheck:prod-sftp', userId: '123456789012345678' });
    await second;
    expect(f.interactionResponse(click2.id)).toMatchObject({ type: 6, deferred: true, message: { id: posted.id, content: 'prod-sftp: OK' } });
    expect(f.messages(general).map((m) => m.content)).toEqual(['prod-sftp: OK']);

    const third = onNextInteraction(client, async (i) => {
      await (i.isButton() ? i.reply({ content: 'ack', flags: MessageFlags.Ephemeral }) : Promise.reject(new Error('expected button')));
    });
    const click3 = f.sendButton({ messageId: posted.id, customId: 'ftp:details' });
    await third;
    expect(f.interactionResponse(click3.id)).toMatchObject({ type: 4, ephemeral: true, message: { content: 'ack', flags: MessageFlags.Ephemeral } });
    expect(f.messages(general)).toHaveLength(1);

    const select = onNextInteraction(client, async (i) => (i.isStringSelectMenu() ? (await i.deferUpdate(), i.values) : null));
    f.sendSelect({ messageId: posted.id, customId: 'ftp:pick', values: ['prod-sftp', 'prod-ftps'] });
    expect(await select).toEqual(['prod-sftp', 'prod-ftps']);
  });

  it('channel.send → message.startThread → thread.send, with files, shows in messages()/threads()/files()', async () => {
    const f = await start();
    const client = await loggedIn(f);
    const general = f.channelId('general');
    const starter = await textChannel(client, general).send({ embeds: [new EmbedBuilder().setTitle('prod-sftp is DOWN')] });
    const thread = await starter.startThread({ name: 'prod-sftp incident' });
    expect(thread.id).toBe(starter.id);
    expect(thread.parentId).toBe(general);
    const log = Buffer.from('220 (vsFTPd 3.0.5)\r\n530 Login incorrect.\r\n');
    const inThread = await thread.send({ content: 'probe transcript', files: [new AttachmentBuilder(log, { name: 'probe.log' })] });
    expect(inThread.attachments.first()?.name).toBe('probe.log');
    const firstUrl = inThread.attachments.first()?.url ?? '';
    await inThread.edit({ content: 'probe transcript (2 runs)', files: [new AttachmentBuilder(Buffer.from('second run'), { name: 'run2.log' })] });

    expect(f.threads()).toEqual([{ id: starter.id, type: 11, parentId: general, starterMessageId: starter.id, name: 'prod-sftp incident' }]);
    const [starterStored] = f.messages(general);
    expect(starterStored?.thread).toMatchObject({ id: starter.id, parent_id: general, type: 11 });
    expect((starterStored?.flags ?? 0) & MessageFlags.HasThread).toBe(MessageFlags.HasThread);
    const threadMessages = f.messages(thread.id);
    expect(threadMessages).toMatchObject([{ id: inThread.id, channel_id: thread.id, content: 'probe transcript (2 runs)' }]);
    // discord.js sends `attachments: [{ id: '0' }]` with the new file, so the edit replaces probe.log.
    expect(threadMessages[0]?.attachments.map((a) => a.filename)).toEqual(['run2.log']);
    expect(f.files().map((x) => [x.filename, x.messageId, x.bytes.toString()])).toEqual([
      ['probe.log', inThread.id, log.toString()],
      ['run2.log', inThread.id, 'second run'],
    ]);
    expect(f.calls.find((c) => c.route === '/channels/:channel/messages' && c.files.length > 0)?.files).toEqual([{ field: 'files[0]', filename: 'probe.log', size: log.length }]);
    const download = await fetch(firstUrl);
    expect(Buffer.from(await download.arrayBuffer()).toString()).toBe(log.toString());
    expect(client.channels.cache.get(thread.id)?.isThread()).toBe(true);

    // A slash command used inside the thread: interaction.channel is the thread, the reply lands there.
    const handled = onNextInteraction(client, async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a slash command');
      await i.reply('ack in thread');
      return { isThread: i.channel?.isThread(), parent: i.channel?.isThread() ? i.channel.parentId : null };
    });
    const { id } = f.sendSlashCommand({ channelId: thread.id, name: 'ftp', subcommand: 'status' });
    expect(await handled).toEqual({ isThread: true, parent: general });
    expect(f.interactionResponse(id)?.message?.channel_id).toBe(thread.id);
    expect(f.messages(thread.id).map((m) => m.content)).toEqual(['probe transcript (2 runs)', 'ack in thread']);
  });

  it('records application commands (bulk overwrite) and uses their ids and option types for interactions', async () => {
    const f = await start();
    const client = await loggedIn(f);
    const ftp = new SlashCommandBuilder()
      .setName('ftp')
      .setDescription('FTP health')
      .addSubcommand((s) => s.setName('check').setDescription('Check a target').addStringOption((o) => o.setName('target').setDescription('target').setRequired(true).setAutocomplete(true)).addIntegerOption((o) => o.setName('timeout').setDescription('seconds')));
    const created = (await client.rest.put(Routes.applicationGuildCommands(f.applicationId, f.guildId), { body: [ftp.toJSON()] })) as Array<{ id: string }>;
    await client.application?.commands.set([{ name: 'ftpops', description: 'About ftpops' }]);
    expect(f.commands(f.guildId)).toMatchObject([{ id: created[0]?.id, name: 'ftp', guild_id: f.guildId, application_id: f.applicationId }]);
    expect(f.commands(null).map((c) => c.name)).toEqual(['ftpops']);
    expect(f.commands()).toHaveLength(2);

    const handled = onNextInteraction(client, async (i) => (i.isChatInputCommand() ? { id: i.commandId, guild: i.commandGuildId, timeout: i.options.getInteger('timeout') } : null));
    f.sendSlashCommand({ channelId: f.channelId('general'), name: 'ftp', subcommand: 'check', options: [{ name: 'target', value: 'prod-sftp' }, { name: 'timeout', value: 5 }] });
    expect(await handled).toEqual({ id: created[0]?.id, guild: f.guildId, timeout: 5 });

    const bad = client.rest.put(Routes.applicationCommands(f.applicationId), { body: [{ name: 'Bad Name', description: 'x' }] });
    await expect(bad).rejects.toMatchObject({ code: 50035, status: 400 });
  });

  it('a 429 with retry_after 1 is waited out by discord.js and retried; 5xx retried; 403 surfaces as DiscordAPIError', async () => {
    const f = await start();
    const client = await loggedIn(f);
    const channel = textChannel(client, f.channelId('general'));
    const rateLimited: number[] = [];
    client.rest.on('rateLimited', (info) => rateLimited.push(info.retryAfter));
    f.failNext('POST /channels/:id/messages', { status: 429, retryAfter: 1 });
    const sent = await channel.send('after the rate limit');
    const posts = f.calls.filter((c) => c.method === 'POST' && c.route === '/channels/:channel/messages');
    expect(posts.map((c) => c.status)).toEqual([429, 200]);
    expect(posts[0]?.response).toEqual({ message: 'You are being rate limited.', retry_after: 1, global: false });
    const delay = (posts[1]?.at ?? 0) - (posts[0]?.at ?? 0);
    expect(delay).toBeGreaterThanOrEqual(950);
    expect(delay).toBeLessThan(2500);
    expect(rateLimited.length).toBeGreaterThan(0);
    expect(f.messages(channel.id).map((m) => m.id)).toEqual([sent.id]);

    f.failNext(/^PATCH \/channels\//, { status: 500 });
    await sent.edit('edited after a 500');
    expect(f.calls.slice(-2).map((c) => c.status)).toEqual([500, 200]);

    f.failNext('/channels/:id/messages', { status: 403, code: 50013, message: 'Missing Permissions' });
    const refused = await channel.send('nope').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DiscordAPIError);
    expect(refused).toMatchObject({ code: 50013, status: 403, message: 'Missing Permissions' });
  });

  it('refuses invalid messages the way Discord does (empty message, empty embed field value)', async () => {
    const f = await start();
    const client = await loggedIn(f);
    const channel = textChannel(client, f.channelId('general'));
    await expect(channel.send({ content: '' })).rejects.toMatchObject({ code: 50006 });
    const bad = await channel.send({ embeds: [{ title: 'x', fields: [{ name: 'TCP', value: '' }] }] }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 50035, rawError: { errors: { embeds: { '0': { fields: { '0': { value: { _errors: [{ code: 'BASE_TYPE_REQUIRED' }] } } } } } } } });
    expect(String((bad as Error).message)).toContain('embeds[0].fields[0].value[BASE_TYPE_REQUIRED]');
    expect(f.messages()).toEqual([]);
  });

  it('an interaction acknowledged after the 3 s deadline (here 100 ms) is refused with 10062', async () => {
    const f = await start({ ackDeadlineMs: 100 });
    const client = await loggedIn(f);
    const handled = onNextInteraction(client, async (i) => {
      await sleep(200);
      return (i as Extract<Interaction, { deferReply: unknown }>).deferReply().catch((e: unknown) => e);
    });
    const { id } = f.sendSlashCommand({ channelId: f.channelId('general'), name: 'ftp', subcommand: 'status' });
    expect(await handled).toMatchObject({ code: 10062, status: 404 });
    expect(f.interactionResponse(id)).toMatchObject({ type: undefined, expired: true });
  });

  it('resumes after the gateway asks to reconnect (op 7) and keeps delivering interactions', async () => {
    const f = await start();
    const client = await loggedIn(f);
    f.requestReconnect();
    await f.waitFor((x) => x.gatewayFrames.some((fr) => fr.dir === 'out' && fr.t === 'RESUMED'), 5000);
    expect(f.gatewayFrames.filter((fr) => fr.dir === 'in' && fr.op === 2)).toHaveLength(1);
    const handled = onNextInteraction(client, async (i) => (i.isChatInputCommand() ? i.reply('pong') : null));
    const { id } = f.sendSlashCommand({ channelId: f.channelId('general'), name: 'ftp', subcommand: 'ping' });
    await handled;
    expect(f.interactionResponse(id)?.message?.content).toBe('pong');
  });

  it('refuses a wrong token: login rejects quickly with TokenInvalid; raw IDENTIFY gets close 4004', async () => {
    const f = await start();
    const client = newClient(f);
    const started = Date.now();
    await expect(client.login('not-the-token')).rejects.toMatchObject({ code: 'TokenInvalid' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(f.calls).toMatchObject([{ method: 'GET', route: '/gateway/bot', status: 401, response: { message: '401: Unauthorized', code: 0 } }]);

    const ws = new WebSocket(`${f.gatewayUrl}/?v=10&encoding=json`);
    const frames: Array<{ op: number }> = [];
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { op: number };
      frames.push(frame);
      if (frame.op === 10) ws.send(JSON.stringify({ op: 1, d: null }));
      if (frame.op === 11) ws.send(JSON.stringify({ op: 2, d: { token: 'wrong', intents: 1, properties: {} } }));
    });
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    expect(code).toBe(4004);
    expect(frames.map((x) => x.op)).toEqual([10, 11]);
  });

  it('answers unknown routes with 404 in Discord\'s shape and records them', async () => {
    const f = await start();
    const client = await loggedIn(f);
    await expect(client.rest.get('/guilds/1/bans' as `/${string}`)).rejects.toMatchObject({ status: 404, code: 0 });
    await expect(client.rest.get(Routes.channel('99999999999999999'))).rejects.toMatchObject({ status: 404, code: 10003 });
    expect(f.calls.slice(-2).map((c) => [c.path, c.status])).toEqual([['/guilds/1/bans', 404], ['/channels/99999999999999999', 404]]);
  });

  it('close() after client.destroy() releases every socket', async () => {
    const tcp = (): number => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
    const before = tcp();
    const f = await start();
    const client = await loggedIn(f);
    await textChannel(client, f.channelId('general')).send('bye');
    expect(tcp()).toBeGreaterThan(before);
    clients.splice(clients.indexOf(client), 1);
    await client.destroy();
    const t0 = Date.now();
    await f.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    for (let i = 0; i < 50 && tcp() > before; i++) await sleep(20);
    expect(tcp()).toBeLessThanOrEqual(before);
    await expect(fetch(`${f.url}/v10/gateway`)).rejects.toThrow();
  });

  it('close() before client.destroy() still ends the session (close code 4004: discord.js does not reconnect)', async () => {
    const f = await start();
    const client = await loggedIn(f);
    const reconnects: string[] = [];
    client.on(Events.Debug, (m) => void (m.includes('Connecting to') && reconnects.push(m)));
    const disconnected = new Promise<number>((resolve) => client.once(Events.ShardDisconnect, (e) => resolve(e.code)));
    client.on(Events.ShardError, () => {}); // discord.js reports 4004 as "Authentication failed"
    await f.close();
    expect(await disconnected).toBe(4004);
    await sleep(700); // a reconnect would start after 500 ms
    expect(reconnects).toEqual([]);
  });
});
