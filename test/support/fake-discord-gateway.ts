// Gateway half of the fake Discord (see fake-discord-api.ts): a `ws` server on the REST port.
// HELLO on connect; IDENTIFY → READY (+ GUILD_CREATE with the Guilds intent); heartbeat → ACK;
// RESUME of a known session → RESUMED (no replay); close codes as Discord (4001 unknown opcode,
// 4002 decode error, 4003 not authenticated, 4004 authentication failed, 4005 already
// authenticated, 4012 invalid API version). JSON encoding only, no zlib-stream.
// Also builds the INTERACTION_CREATE payloads the fake injects (createInteractions).
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import type {
  ComponentOptions, FakeDiscord, FakeDiscordCore, FakeDiscordUser, InteractionRec, InteractorOptions, Json, SlashOptions,
} from './fake-discord-api.js';

export interface GatewayFrame {
  dir: 'in' | 'out';
  op: number;
  t?: string | null;
  s?: number | null;
  d: unknown;
  at: number;
}

interface Session { id: string; seq: number; intents: number; ws: WebSocket | null }

export interface FakeGateway {
  frames: GatewayFrame[];
  /** Dispatch to every identified session; returns how many got it. */
  dispatch(t: string, d: unknown): number;
  requestReconnect(): void;
  close(): Promise<void>;
}

export function attachGateway(server: Server, core: FakeDiscordCore): FakeGateway {
  const wss = new WebSocketServer({ noServer: true });
  const frames: GatewayFrame[] = [];
  const sessions = new Map<string, Session>();
  const sockets = new Set<WebSocket>();

  const send = (ws: WebSocket, payload: { op: number; d: unknown; t?: string | null; s?: number | null }): void => {
    if (ws.readyState !== WebSocket.OPEN) return;
    const full = { t: null, s: null, ...payload };
    frames.push({ dir: 'out', ...full, at: Date.now() });
    ws.send(JSON.stringify(full));
    core.notify();
  };
  const dispatchTo = (session: Session, t: string, d: unknown): boolean => {
    if (!session.ws || session.ws.readyState !== WebSocket.OPEN) return false;
    session.seq += 1;
    send(session.ws, { op: 0, t, s: session.seq, d });
    return true;
  };

  const user = (): Json => ({ ...core.botUser(), verified: true, mfa_enabled: false, email: null, flags: 0 });
  const guildCreate = (): Json => {
    const channels = [...core.channels.keys()].flatMap((id) => {
      const c = core.channelObject(id);
      return c && !(Number(c.type) >= 10 && Number(c.type) <= 12) ? [c] : [];
    });
    const threads = [...core.channels.keys()].flatMap((id) => {
      const c = core.channelObject(id);
      return c && Number(c.type) >= 10 && Number(c.type) <= 12 ? [c] : [];
    });
    return {
      id: core.guildId, name: core.guildName, icon: null, splash: null, discovery_splash: null, banner: null, description: null,
      owner_id: core.snowflake(), afk_channel_id: null, afk_timeout: 300, verification_level: 0, default_message_notifications: 0,
      explicit_content_filter: 0, mfa_level: 0, nsfw_level: 0, premium_tier: 0, premium_subscription_count: 0, premium_progress_bar_enabled: false,
      system_channel_id: channels[0]?.id ?? null, system_channel_flags: 0, rules_channel_id: null, public_updates_channel_id: null,
      safety_alerts_channel_id: null, vanity_url_code: null, preferred_locale: 'en-US', features: [], application_id: null,
      max_members: 500_000, max_video_channel_users: 25, max_stage_video_channel_users: 50, incidents_data: null,
      roles: core.roles.map((r) => ({
        ...r, color: 0, colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
        hoist: false, icon: null, unicode_emoji: null, managed: false, mentionable: false, flags: 0,
      })),
      emojis: [], stickers: [], joined_at: new Date().toISOString(), large: false, unavailable: false, lazy: true, member_count: 2,
      members: [core.member(core.botUser(), [])], channels, threads,
      presences: [], voice_states: [], stage_instances: [], guild_scheduled_events: [], soundboard_sounds: [], embedded_activities: [],
    };
  };

  function onMessage(ws: WebSocket, conn: { session?: Session }, data: string): void {
    let payload: { op?: unknown; d?: unknown };
    try {
      payload = JSON.parse(data) as typeof payload;
    } catch {
      ws.close(4002, 'Error while decoding payload.');
      return;
    }
    const d = (payload.d ?? {}) as Json;
    frames.push({ dir: 'in', op: Number(payload.op), d: payload.d, at: Date.now() });
    core.notify();
    switch (payload.op) {
      case 1: // heartbeat
        send(ws, { op: 11, d: null });
        return;
      case 2: { // identify
        if (conn.session) return ws.close(4005, 'Already authenticated.');
        if (!core.tokenOk(typeof d.token === 'string' ? d.token : undefined)) return ws.close(4004, 'Authentication failed.');
        if (typeof d.intents !== 'number') return ws.close(4013, 'Invalid intent(s).');
        const session: Session = { id: randomBytes(16).toString('hex'), seq: 0, intents: d.intents, ws };
        sessions.set(session.id, session);
        conn.session = session;
        dispatchTo(session, 'READY', {
          v: 10, user: user(), guilds: [{ id: core.guildId, unavailable: true }], session_id: session.id, session_type: 'normal',
          resume_gateway_url: core.baseUrl.replace(/^http/, 'ws'), shard: Array.isArray(d.shard) ? d.shard : [0, 1],
          application: { id: core.appId, flags: 0 }, user_settings: {}, private_channels: [], relationships: [], presences: [],
          guild_join_requests: [], geo_ordered_rtc_regions: ['fake'], auth_session_id_hash: '', _trace: ['["fake-discord",{}]'],
        });
        if (session.intents & 1) dispatchTo(session, 'GUILD_CREATE', guildCreate());
        return;
      }
      case 6: { // resume (no replay of missed events)
        const session = sessions.get(typeof d.session_id === 'string' ? d.session_id : '');
        if (!session || !core.tokenOk(typeof d.token === 'string' ? d.token : undefined)) {
          send(ws, { op: 9, d: false });
          return;
        }
        if (session.ws && session.ws !== ws) session.ws.terminate();
        session.ws = ws;
        conn.session = session;
        dispatchTo(session, 'RESUMED', null);
        return;
      }
      case 3: case 4: case 8: case 31: // presence, voice state, request members, soundboard: accepted, ignored
        if (!conn.session) ws.close(4003, 'Not authenticated.');
        return;
      default:
        ws.close(4001, 'Unknown opcode.');
    }
  }

  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const query = new URL(req.url ?? '/', 'ws://127.0.0.1').searchParams;
      const conn: { session?: Session } = {};
      ws.on('message', (data) => onMessage(ws, conn, data.toString()));
      ws.on('close', () => {
        sockets.delete(ws);
        if (conn.session?.ws === ws) conn.session.ws = null;
      });
      ws.on('error', () => ws.terminate());
      if (query.has('v') && query.get('v') !== '10' && query.get('v') !== '9') return ws.close(4012, 'Invalid API version.');
      if (query.has('encoding') && query.get('encoding') !== 'json') return ws.close(4002, 'Error while decoding payload.');
      send(ws, { op: 10, d: { heartbeat_interval: core.heartbeatIntervalMs, _trace: ['["fake-discord",{}]'] } });
    });
  });

  return {
    frames,
    dispatch: (t, d) => [...sessions.values()].filter((s) => dispatchTo(s, t, d)).length,
    requestReconnect() {
      for (const ws of sockets) send(ws, { op: 7, d: null });
    },
    async close() {
      // 4004 is a close code discord.js does not reconnect after; with a plain drop (1006) it would
      // retry forever, even across client.destroy(), if the fake is closed before the client.
      const closing = [...sockets].map(
        (ws) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => (ws.terminate(), resolve()), 250);
            ws.once('close', () => (clearTimeout(timer), resolve()));
            ws.close(4004, 'fake Discord closed');
          }),
      );
      await Promise.all(closing);
      sockets.clear();
      wss.close();
    },
  };
}

const bit = (n: number): bigint => 1n << BigInt(n);
/** VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS, ATTACH_FILES, READ_HISTORY, ADD_REACTIONS, USE_APP_COMMANDS, CREATE_PUBLIC_THREADS, SEND_IN_THREADS. */
export const MEMBER_PERMS = [10, 11, 14, 15, 16, 6, 31, 35, 38].reduce((a, n) => a | bit(n), 0n);
const BOT_PERMS = MEMBER_PERMS | bit(13) | bit(34); // + MANAGE_MESSAGES, MANAGE_THREADS
const ALL_PERMS = bit(51) - 1n;

export function findByName<T extends { id: string; name: string }>(list: Iterable<T>, key: string, what: string): string {
  for (const x of list) if (x.id === key || x.name === key) return x.id;
  throw new Error(`fake Discord: no ${what} "${key}"`);
}

type Interactions = Pick<FakeDiscord, 'sendSlashCommand' | 'sendAutocomplete' | 'sendButton' | 'sendSelect'>;

/** Interactions as Discord delivers them: INTERACTION_CREATE with a guild member, channel, token. */
export function createInteractions(core: FakeDiscordCore, gateway: FakeGateway, defaultUserId: string): Interactions {
  const user = (o: InteractorOptions): FakeDiscordUser => {
    const id = o.userId ?? defaultUserId;
    const username = o.username ?? `user${id.slice(-4)}`;
    return { id, username, discriminator: '0', global_name: o.username ?? null, avatar: null, public_flags: 0 };
  };

  /** Option type from the registered command, else from the JS value. */
  function optionType(o: SlashOptions, optName: string, value: unknown): number {
    const cmds = [...(core.commands.get(core.guildId) ?? []), ...(core.commands.get('global') ?? [])];
    let opts = cmds.find((c) => c.name === o.name)?.options as Json[] | undefined;
    for (const level of [o.subcommandGroup, o.subcommand]) {
      if (level) opts = opts?.find((x) => x.name === level)?.options as Json[] | undefined;
    }
    const declared = opts?.find((x) => x.name === optName)?.type;
    if (typeof declared === 'number') return declared;
    return typeof value === 'boolean' ? 5 : typeof value === 'number' ? (Number.isInteger(value) ? 4 : 10) : 3;
  }
  function commandData(o: SlashOptions, focused?: { name: string; value: string }): Json {
    let opts: Json[] = (o.options ?? []).map((x) => ({ type: x.type ?? optionType(o, x.name, x.value), name: x.name, value: x.value }));
    if (focused) opts.push({ type: optionType(o, focused.name, focused.value), ...focused, focused: true });
    if (o.subcommand) opts = [{ type: 1, name: o.subcommand, options: opts }];
    if (o.subcommandGroup) opts = [{ type: 2, name: o.subcommandGroup, options: opts }];
    const guildCmd = core.commands.get(core.guildId)?.find((c) => c.name === o.name);
    const cmd = guildCmd ?? core.commands.get('global')?.find((c) => c.name === o.name);
    return { id: cmd?.id ?? core.snowflake(), name: o.name, type: 1, options: opts, ...(guildCmd ? { guild_id: core.guildId } : {}) };
  }
  type Injected = { id: string; token: string };
  function inject(type: number, o: InteractorOptions, data: Json, extra: Partial<InteractionRec> = {}, payloadExtra: Json = {}): Injected {
    const channel = core.channelObject(o.channelId);
    if (!channel) throw new Error(`fake Discord: unknown channel ${o.channelId}`);
    const u = user(o);
    const roleIds = (o.roles ?? []).map((r) => findByName(core.roles, r, 'role'));
    const rolePerms = core.roles
      .filter((r) => r.id === core.guildId || roleIds.includes(r.id))
      .reduce((a, r) => a | BigInt(r.permissions), 0n);
    const permissions = o.permissions ?? ((rolePerms & bit(3)) !== 0n ? ALL_PERMS : rolePerms).toString();
    const id = core.snowflake();
    const token = Buffer.from(`interaction:${id}:${randomBytes(48).toString('base64url')}`).toString('base64url');
    const rec: InteractionRec = { id, token, type, channelId: o.channelId, user: u, createdAt: Date.now(), followUpIds: [], expired: false, ...extra };
    core.interactions.set(id, rec);
    const payload = {
      id, application_id: core.appId, type, data, guild_id: core.guildId, channel_id: o.channelId,
      channel: { ...channel, permissions },
      guild: { id: core.guildId, locale: 'en-US', features: [] },
      member: core.member(u, roleIds, permissions),
      token, version: 1, app_permissions: BOT_PERMS.toString(), locale: o.locale ?? 'en-US', guild_locale: 'en-US',
      entitlements: [], authorizing_integration_owners: { '0': core.guildId }, context: 0, attachment_size_limit: 10_485_760,
      ...payloadExtra,
    };
    if (gateway.dispatch('INTERACTION_CREATE', payload) === 0) {
      core.interactions.delete(id);
      throw new Error('fake Discord: no identified gateway session to deliver the interaction to');
    }
    return { id, token };
  }
  function component(componentType: number, o: ComponentOptions): Injected {
    const message = core.messages.get(o.messageId);
    if (!message) throw new Error(`fake Discord: unknown message ${o.messageId}`);
    const data = { custom_id: o.customId, component_type: componentType, ...(o.values ? { values: o.values } : {}) };
    const channelId = o.channelId ?? message.channel_id;
    return inject(3, { ...o, channelId }, data, { messageId: o.messageId }, { message: structuredClone(message) });
  }

  return {
    sendSlashCommand: (o) => inject(2, o, commandData(o), { name: o.name }),
    sendAutocomplete: (o) => inject(4, o, commandData(o, { name: o.focused, value: o.value }), { name: o.name }),
    sendButton: (o) => component(2, o),
    sendSelect: (o) => component(3, o),
  };
}
