// A local stand-in for Discord (REST API + Gateway) so the real discord.js Client runs unmodified
// against it: `new Client({ intents, rest: { api: fake.url } })` then `client.login(token)`.
// discord.js fetches `GET /api/v10/gateway/bot` and connects its WebSocket to the returned URL
// (`ws://127.0.0.1:<port>?v=10&encoding=json`); both are served from one loopback port.
//
// Wire format as Discord: snowflake ids, JSON or multipart (`payload_json` + `files[n]`) bodies,
// errors as `{ message, code, errors? }`, 429 with Retry-After + X-RateLimit-* headers, gateway
// HELLO/IDENTIFY/READY/GUILD_CREATE/heartbeat ACK/RESUME, interactions as INTERACTION_CREATE.
// REST routing lives in fake-discord-rest.ts; the gateway and the INTERACTION_CREATE payloads
// that sendSlashCommand/sendAutocomplete/sendButton/sendSelect deliver in fake-discord-gateway.ts.
//
// Tear down with `await client.destroy()` first, then `await fake.close()`. (close() ends gateway
// sessions with close code 4004, which discord.js does not reconnect after, so the other order
// does not leave a reconnect loop behind either.)
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachGateway, createInteractions, findByName, MEMBER_PERMS, type GatewayFrame } from './fake-discord-gateway.js';
import { handleRest } from './fake-discord-rest.js';

export type Json = Record<string, unknown>;

export interface FakeDiscordOptions {
  /** Accepted bot tokens (REST `Authorization: Bot <t>` and gateway IDENTIFY). Default: any. */
  tokens?: string[];
  /** Application id = bot user id. Default: a fresh snowflake. */
  applicationId?: string;
  botUsername?: string;
  guildId?: string;
  guildName?: string;
  /** Guild channels (type 0 text by default). Default: `general` and `ftp-alerts`. */
  channels?: Array<{ id?: string; name: string; type?: number; parentId?: string }>;
  /** Guild roles besides @everyone. Default: `ftp-ops` (member perms) and `ftp-admin` (ADMINISTRATOR). */
  roles?: Array<{ id?: string; name: string; permissions?: string }>;
  /** Gateway heartbeat_interval sent in HELLO (Discord: 41250). */
  heartbeatIntervalMs?: number;
  /** Interactions not acknowledged within this many ms get 404 Unknown interaction (Discord: 3000); 0 = never. */
  ackDeadlineMs?: number;
}

export interface FakeDiscordUser {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: null;
  bot?: boolean;
  public_flags: number;
}

export interface FakeDiscordMessage {
  id: string;
  channel_id: string;
  type: number;
  author: FakeDiscordUser;
  content: string;
  embeds: Json[];
  components: Json[];
  attachments: Json[];
  timestamp: string;
  edited_timestamp: string | null;
  flags: number;
  tts: boolean;
  mention_everyone: boolean;
  mentions: Json[];
  mention_roles: string[];
  pinned: boolean;
  webhook_id?: string;
  application_id?: string;
  interaction_metadata?: Json;
  message_reference?: Json;
  thread?: Json;
}

export interface FakeDiscordCall {
  method: string;
  /** Path after /api/v10, e.g. "/channels/1234/messages". */
  path: string;
  /** The route template that handled it, e.g. "/channels/:channel/messages" (the path if unknown). */
  route: string;
  query: Record<string, string>;
  /** JSON body, or the parsed payload_json (plus other form fields) of a multipart body. */
  body: unknown;
  files: Array<{ field: string; filename: string; size: number }>;
  token: string | undefined;
  status: number;
  response: unknown;
  at: number;
}

export interface FakeDiscordThread { id: string; type: number; parentId: string; starterMessageId?: string; name: string }
export interface FakeDiscordFile { channelId: string; messageId: string; attachmentId: string; filename: string; contentType: string; bytes: Buffer }
export type FakeDiscordCommand = Json & { id: string; name: string; application_id: string; guild_id?: string };

export interface FakeDiscordInteractionResponse {
  /** Callback type (4 reply, 5 deferReply, 6 deferUpdate, 7 update, 8 autocomplete, 9 modal); undefined = not acked. */
  type: number | undefined;
  deferred: boolean;
  ephemeral: boolean;
  /** True once a callback arrived after ackDeadlineMs (it was refused with 10062). */
  expired: boolean;
  /** Callback `data` as sent. */
  data: Json | undefined;
  /** The original response, current state: the created reply (4/5) or, for 6/7, the component's message; undefined once deleted. */
  message: FakeDiscordMessage | undefined;
  followUps: FakeDiscordMessage[];
  /** Autocomplete choices (type 8). */
  choices: Json[] | undefined;
}

export type FakeDiscordFailure =
  | { status: 429; retryAfter: number; global?: boolean }
  | { status: number; code?: number; message?: string };

export interface InteractorOptions {
  channelId: string;
  /** Invoking user; default fake.userId. */
  userId?: string;
  username?: string;
  /** Role ids or names (configured roles). @everyone is implicit. */
  roles?: string[];
  /** Member permissions bitfield; default: computed from the roles. */
  permissions?: string;
  locale?: string;
}
export interface SlashOptions extends InteractorOptions {
  name: string;
  subcommandGroup?: string;
  subcommand?: string;
  options?: Array<{ name: string; value: string | number | boolean; type?: number }>;
}
export interface AutocompleteOptions extends SlashOptions { focused: string; value: string }
export interface ComponentOptions extends Omit<InteractorOptions, 'channelId'> {
  /** Default: the message's channel. */
  channelId?: string;
  messageId: string;
  customId: string;
  values?: string[];
}

export interface FakeDiscord {
  /** REST base for discord.js `rest: { api: fake.url }` ("http://127.0.0.1:<port>/api"). */
  readonly url: string;
  readonly gatewayUrl: string;
  readonly applicationId: string;
  readonly botUserId: string;
  readonly guildId: string;
  /** Default invoking user of injected interactions. */
  readonly userId: string;
  /** Every REST request, in order, including refused and failed ones. */
  readonly calls: FakeDiscordCall[];
  /** Gateway payloads both ways ("in" from the bot, "out" to it). */
  readonly gatewayFrames: GatewayFrame[];
  channelId(name: string): string;
  roleId(name: string): string;
  /** Current (post-edit, non-ephemeral, not deleted) messages, oldest first; thread messages carry the thread id. */
  messages(channelId?: string): FakeDiscordMessage[];
  threads(): FakeDiscordThread[];
  /** Registered application commands; guildId undefined = all, null = global only. */
  commands(guildId?: string | null): FakeDiscordCommand[];
  files(): FakeDiscordFile[];
  interactionResponse(interactionId: string): FakeDiscordInteractionResponse | undefined;
  sendSlashCommand(o: SlashOptions): { id: string; token: string };
  sendAutocomplete(o: AutocompleteOptions): { id: string; token: string };
  sendButton(o: ComponentOptions): { id: string; token: string };
  sendSelect(o: ComponentOptions & { values: string[] }): { id: string; token: string };
  /** Send any dispatch event to every identified session; returns how many got it. */
  dispatch(t: string, d: unknown): number;
  /** Ask connected clients to reconnect (op 7); discord.js then RESUMEs. */
  requestReconnect(): void;
  /**
   * Make the next `times` (default 1) matching requests fail. `match`: "POST /channels/:id/messages"
   * (`:x` = any one segment, `*` = anything, method optional) or a RegExp tested on "METHOD /path".
   */
  failNext(match: string | RegExp, failure: FakeDiscordFailure, times?: number): void;
  /** Resolves with the first truthy predicate value, checked now, after every request/gateway frame and every 20 ms. */
  waitFor<T>(predicate: (fake: FakeDiscord) => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** Closes gateway sessions (code 4004) and the HTTP server, dropping keep-alive connections. */
  close(): Promise<void>;
}

export interface ChannelRec {
  id: string; type: number; name: string; parentId: string | null; position: number; starterMessageId?: string; ownerId?: string; created: string;
}
export interface InteractionRec {
  id: string; token: string; type: number; channelId: string; user: FakeDiscordUser; name?: string; messageId?: string; createdAt: number;
  callback?: { type: number; data?: Json; at: number }; originalId?: string; followUpIds: string[]; expired: boolean;
}
export interface FailureRule { test: (method: string, path: string) => boolean; failure: FakeDiscordFailure; left: number }

/** Shared state handed to the REST and gateway halves. */
export interface FakeDiscordCore {
  appId: string; guildId: string; guildName: string; baseUrl: string; heartbeatIntervalMs: number; ackDeadlineMs: number;
  calls: FakeDiscordCall[]; channels: Map<string, ChannelRec>; messages: Map<string, FakeDiscordMessage>;
  commands: Map<string, FakeDiscordCommand[]>; files: FakeDiscordFile[]; interactions: Map<string, InteractionRec>;
  roles: Array<{ id: string; name: string; permissions: string; position: number }>; failures: FailureRule[];
  snowflake(): string; tokenOk(token: string | undefined): boolean; botUser(): FakeDiscordUser;
  member(user: FakeDiscordUser, roleIds: string[], permissions?: string): Json;
  channelObject(id: string): Json | undefined; dispatch(t: string, d: unknown): number; notify(): void;
}

const EPOCH = 1_420_070_400_000n;

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  let increment = 0n;
  const snowflake = (): string => {
    increment = (increment + 1n) & 0xfffn;
    return (((BigInt(Date.now()) - EPOCH) << 22n) | (1n << 17n) | increment).toString();
  };
  const appId = options.applicationId ?? snowflake();
  const guildId = options.guildId ?? snowflake();
  const defaultUserId = snowflake();
  const created = new Date().toISOString();
  const listeners = new Set<() => void>();
  const aborters = new Set<() => void>();
  const roles = [
    { id: guildId, name: '@everyone', permissions: MEMBER_PERMS.toString(), position: 0 },
    ...(options.roles ?? [{ name: 'ftp-ops' }, { name: 'ftp-admin', permissions: '8' }]).map((r, i) => ({
      id: r.id ?? snowflake(), name: r.name, permissions: r.permissions ?? MEMBER_PERMS.toString(), position: i + 1,
    })),
  ];
  const core: FakeDiscordCore = {
    appId, guildId, guildName: options.guildName ?? 'ftpops-test', baseUrl: '',
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250, ackDeadlineMs: options.ackDeadlineMs ?? 3000,
    calls: [], channels: new Map(), messages: new Map(), commands: new Map(), files: [], interactions: new Map(),
    roles, failures: [], snowflake,
    tokenOk: (token) => !!token && (options.tokens ? options.tokens.includes(token) : true),
    botUser: () => ({
      id: appId, username: options.botUsername ?? 'ftpops', discriminator: '0001', global_name: null, avatar: null, bot: true, public_flags: 0,
    }),
    member: (u, roleIds, permissions) => ({
      user: u, roles: roleIds, joined_at: created, nick: null, avatar: null, banner: null, deaf: false, mute: false, pending: false, flags: 0,
      premium_since: null, communication_disabled_until: null, ...(permissions ? { permissions } : {}),
    }),
    channelObject(id) {
      const c = core.channels.get(id);
      if (!c) return undefined;
      const base = {
        id: c.id, type: c.type, guild_id: guildId, name: c.name, parent_id: c.parentId,
        flags: 0, rate_limit_per_user: 0, last_message_id: lastMessageId(c.id),
      };
      if (c.type === 11 || c.type === 12 || c.type === 10) {
        const count = [...core.messages.values()].filter((m) => m.channel_id === c.id).length;
        const thread_metadata = {
          archived: false, auto_archive_duration: 1440, archive_timestamp: c.created, locked: false, create_timestamp: c.created,
        };
        return { ...base, owner_id: c.ownerId ?? appId, message_count: count, total_message_sent: count, member_count: 1, thread_metadata };
      }
      return { ...base, position: c.position, permission_overwrites: [], topic: null, nsfw: false };
    },
    dispatch: () => 0,
    notify: () => { for (const l of [...listeners]) l(); },
  };
  const lastMessageId = (channelId: string): string | null =>
    [...core.messages.values()].filter((m) => m.channel_id === channelId).at(-1)?.id ?? null;
  (options.channels ?? [{ name: 'general' }, { name: 'ftp-alerts' }]).forEach((c, i) => {
    const id = c.id ?? snowflake();
    core.channels.set(id, { id, type: c.type ?? 0, name: c.name, parentId: c.parentId ?? null, position: i, created });
  });

  const server = createServer((req, res) => {
    handleRest(core, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: String(err), code: 0 }));
      else res.destroy();
    });
  });
  const gateway = attachGateway(server, core);
  core.dispatch = gateway.dispatch;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  core.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const msgView = (m: FakeDiscordMessage | undefined): FakeDiscordMessage | undefined => (m ? structuredClone(m) : undefined);
  const interactions = createInteractions(core, gateway, defaultUserId);
  let closed = false;
  const api: FakeDiscord = {
    url: `${core.baseUrl}/api`,
    gatewayUrl: core.baseUrl.replace(/^http/, 'ws'),
    applicationId: appId, botUserId: appId, guildId, userId: defaultUserId,
    calls: core.calls,
    gatewayFrames: gateway.frames,
    channelId: (name) => findByName(core.channels.values(), name, 'channel'),
    roleId: (name) => findByName(core.roles, name, 'role'),
    messages: (channelId) =>
      [...core.messages.values()]
        .filter((m) => (m.flags & 64) === 0 && (channelId === undefined || m.channel_id === channelId))
        .map((m) => structuredClone(m)),
    threads: () =>
      [...core.channels.values()]
        .filter((c) => c.type >= 10 && c.type <= 12)
        .map((c) => {
          const starter = c.starterMessageId ? { starterMessageId: c.starterMessageId } : {};
          return { id: c.id, type: c.type, parentId: c.parentId ?? '', name: c.name, ...starter };
        }),
    commands: (g) =>
      [...core.commands.entries()]
        .filter(([key]) => g === undefined || key === (g ?? 'global'))
        .flatMap(([, list]) => list.map((c) => structuredClone(c))),
    files: () => core.files.map((f) => ({ ...f, bytes: Buffer.from(f.bytes) })),
    interactionResponse(id) {
      const it = core.interactions.get(id);
      if (!it) return undefined;
      const cbType = it.callback?.type;
      return {
        type: cbType, deferred: cbType === 5 || cbType === 6, expired: it.expired,
        ephemeral: (cbType === 4 || cbType === 5) && (Number(it.callback?.data?.flags ?? 0) & 64) !== 0,
        data: it.callback?.data, message: msgView(it.originalId ? core.messages.get(it.originalId) : undefined),
        followUps: it.followUpIds.flatMap((m) => msgView(core.messages.get(m)) ?? []),
        choices: cbType === 8 ? ((it.callback?.data?.choices as Json[] | undefined) ?? []) : undefined,
      };
    },
    ...interactions,
    dispatch: (t, d) => gateway.dispatch(t, d),
    requestReconnect: () => gateway.requestReconnect(),
    failNext(match, failure, times = 1) {
      let test: FailureRule['test'];
      if (match instanceof RegExp) test = (m, p) => match.test(`${m} ${p}`);
      else {
        const [, verb, pattern = ''] = /^(?:([A-Z]+)\s+)?(.*)$/.exec(match.trim()) ?? [];
        const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/:\w+/g, '[^/]+')}$`);
        test = (m, p) => (!verb || verb === m) && re.test(p);
      }
      core.failures.push({ test, failure, left: times });
    },
    waitFor<T>(predicate: (fake: FakeDiscord) => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        let done = false;
        const finish = (fn: () => void): void => {
          if (done) return;
          done = true;
          clearInterval(poll);
          clearTimeout(timer);
          listeners.delete(check);
          aborters.delete(abort);
          fn();
        };
        const check = (): void => {
          if (done) return;
          try {
            const value = predicate(api);
            if (value) finish(() => resolve(value));
          } catch (err) {
            finish(() => reject(err instanceof Error ? err : new Error(String(err))));
          }
        };
        const abort = (): void => finish(() => reject(new Error('fake Discord: closed while waiting')));
        const poll = setInterval(check, 20);
        const timer = setTimeout(() => {
          const seen = core.calls.map((c) => `${c.method} ${c.route}:${c.status}`).join(', ');
          finish(() => reject(new Error(`fake Discord: waitFor timed out after ${timeoutMs} ms; calls so far: [${seen}]`)));
        }, timeoutMs);
        listeners.add(check);
        aborters.add(abort);
        check();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const abort of [...aborters]) abort();
      listeners.clear();
      await gateway.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return api;
}
