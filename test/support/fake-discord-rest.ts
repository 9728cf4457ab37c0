// REST half of the fake Discord (see fake-discord-api.ts): `/api/v10/...` routes as discord.js
// calls them, Discord's error shapes (`{ message, code, errors? }`), JSON or multipart bodies
// (`payload_json` + `files[n]`), scripted 429/5xx failures with Discord's rate-limit headers.
import { createHash } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { FakeDiscordCore, FakeDiscordFailure, FakeDiscordMessage, InteractionRec, Json } from './fake-discord-api.js';

interface Upload { field: string; filename: string; contentType: string; bytes: Buffer }
interface Ctx { core: FakeDiscordCore; params: Record<string, string>; query: URLSearchParams; body: Json; raw: unknown; uploads: Upload[] }
interface Result { status: number; body?: unknown; headers?: Record<string, string> }
interface Route { method: string; template: string; re: RegExp; auth: boolean; handler: (ctx: Ctx) => Result }

const ok = (body: unknown, status = 200): Result => ({ status, body });
const NO_CONTENT: Result = { status: 204 };
const fail = (status: number, code: number, message: string, errors?: Json): Result =>
  ({ status, body: { message, code, ...(errors ? { errors } : {}) } });
const unknownChannel = (): Result => fail(404, 10003, 'Unknown Channel');
const unknownMessage = (): Result => fail(404, 10008, 'Unknown Message');
const unknownWebhook = (): Result => fail(404, 10015, 'Unknown Webhook');
const TEXT_TYPES = [0, 5, 10, 11, 12];
/** Flags a client may set on create: SUPPRESS_EMBEDS, EPHEMERAL (interactions only), SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2. */
const CREATE_FLAGS = 4 | 4096 | 32768;

/** 400 Invalid Form Body with the error nested at a dotted path ("embeds.0.title"), as Discord does. */
function formError(path: string, code: string, message: string): Result {
  const errors: Json = {};
  let node = errors;
  for (const key of path ? path.split('.') : []) node = (node[key] = {}) as Json;
  node._errors = [{ code, message }];
  return fail(400, 50035, 'Invalid Form Body', errors);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const tooLong = (path: string, max: number): Result => formError(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
const badLength = (path: string, min: number, max: number): Result =>
  formError(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`);

/** Discord's message limits; `create` also refuses an empty message. */
function validate(body: Json, uploads: Upload[], create: boolean): Result | undefined {
  const content = body.content;
  if (content != null && typeof content !== 'string') return formError('content', 'STRING_TYPE_CONVERT', 'Could not interpret value as string.');
  if (typeof content === 'string' && content.length > 2000) return tooLong('content', 2000);
  const embeds = (body.embeds ?? []) as Json[];
  if (!Array.isArray(embeds)) return formError('embeds', 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
  if (embeds.length > 10) return tooLong('embeds', 10);
  let total = 0;
  for (const [i, e] of embeds.entries()) {
    const fields = Array.isArray(e.fields) ? (e.fields as Json[]) : [];
    if (fields.length > 25) return tooLong(`embeds.${i}.fields`, 25);
    const limits: Array<[string, unknown, number]> = [
      ['title', e.title, 256], ['description', e.description, 4096],
      ['footer.text', (e.footer as Json | undefined)?.text, 2048], ['author.name', (e.author as Json | undefined)?.name, 256],
    ];
    for (const [j, f] of fields.entries()) {
      for (const key of ['name', 'value']) {
        if (!str(f[key])) return formError(`embeds.${i}.fields.${j}.${key}`, 'BASE_TYPE_REQUIRED', 'This field is required');
      }
      limits.push([`fields.${j}.name`, f.name, 256], [`fields.${j}.value`, f.value, 1024]);
    }
    for (const [key, v, max] of limits) {
      if (typeof v !== 'string') continue;
      total += v.length;
      if (v.length > max) return tooLong(`embeds.${i}.${key}`, max);
    }
  }
  if (total > 6000) return formError('embeds', 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  const rows = Array.isArray(body.components) ? (body.components as Json[]) : [];
  const componentsV2 = typeof body.flags === 'number' && (body.flags & 32768) !== 0;
  if (!componentsV2) {
    if (rows.length > 5) return tooLong('components', 5);
    for (const [i, row] of rows.entries()) {
      const items = Array.isArray(row.components) ? (row.components as Json[]) : [];
      if (row.type !== 1 || items.length === 0 || items.length > 5) return badLength(`components.${i}.components`, 1, 5);
      for (const [j, c] of items.entries()) {
        const id = str(c.custom_id);
        if (id !== undefined && (id.length === 0 || id.length > 100)) return badLength(`components.${i}.components.${j}.custom_id`, 1, 100);
      }
    }
  }
  const stickers = (body.sticker_ids as unknown[] | undefined)?.length;
  const empty = !content && embeds.length === 0 && rows.length === 0 && uploads.length === 0 && !body.poll && !stickers;
  if (create && empty) return fail(400, 50006, 'Cannot send an empty message');
  return undefined;
}

function newMessage(core: FakeDiscordCore, channelId: string, extra: Partial<FakeDiscordMessage> = {}): FakeDiscordMessage {
  return {
    id: core.snowflake(), channel_id: channelId, type: 0, author: core.botUser(),
    content: '', embeds: [], components: [], attachments: [], timestamp: new Date().toISOString(), edited_timestamp: null,
    flags: 0, tts: false, mention_everyone: false, mentions: [], mention_roles: [], pinned: false,
    ...extra,
  };
}

/** Applies content/embeds/components/attachments (multipart `files[n]` matched by `attachments[].id`). */
function applyPayload(ctx: Ctx, m: FakeDiscordMessage, body: Json, create: boolean): FakeDiscordMessage {
  const { core, uploads } = ctx;
  if ('content' in body) m.content = str(body.content) ?? '';
  if ('embeds' in body) m.embeds = ((body.embeds as Json[] | null) ?? []).map((e) => ({ type: 'rich', ...e }));
  if ('components' in body) m.components = (body.components as Json[] | null) ?? [];
  if (!create && typeof body.flags === 'number') m.flags = (m.flags & ~4) | (body.flags & 4);
  if (!create) m.edited_timestamp = new Date().toISOString();
  const attach = (u: Upload, meta?: Json): Json => {
    const id = core.snowflake();
    const { filename, contentType, bytes } = u;
    core.files.push({ channelId: m.channel_id, messageId: m.id, attachmentId: id, filename, contentType, bytes });
    const url = `${core.baseUrl}/attachments/${m.channel_id}/${id}/${encodeURIComponent(filename)}`;
    const description = str(meta?.description);
    return { id, filename, size: bytes.length, url, proxy_url: url, content_type: contentType, ...(description ? { description } : {}) };
  };
  if (Array.isArray(body.attachments)) {
    const byIndex = new Map(uploads.map((u) => [/^files\[(\d+)\]$/.exec(u.field)?.[1] ?? u.field, u]));
    const used = new Set<Upload>();
    const next: Json[] = [];
    for (const a of body.attachments as Json[]) {
      const existing = m.attachments.find((x) => x.id === String(a.id));
      const upload = byIndex.get(String(a.id));
      if (existing) next.push(existing);
      else if (upload && !used.has(upload)) (used.add(upload), next.push(attach(upload, a)));
    }
    for (const u of uploads) if (!used.has(u)) next.push(attach(u));
    m.attachments = next;
  } else if (uploads.length) m.attachments = [...m.attachments, ...uploads.map((u) => attach(u))];
  return m;
}

function interactionExtras(core: FakeDiscordCore, it: InteractionRec): Partial<FakeDiscordMessage> {
  const metadata = {
    id: it.id, type: it.type, user: it.user, authorizing_integration_owners: { '0': core.guildId },
    ...(it.name ? { name: it.name, command_type: 1 } : {}),
    ...(it.messageId ? { interacted_message_id: it.messageId } : {}),
  };
  return { webhook_id: core.appId, application_id: core.appId, interaction_metadata: metadata };
}

function createMessage(ctx: Ctx, channelId: string, body: Json, flagMask: number, extra: Partial<FakeDiscordMessage>): Result {
  const invalid = validate(body, ctx.uploads, true);
  if (invalid) return invalid;
  const m = newMessage(ctx.core, channelId, { ...extra, flags: typeof body.flags === 'number' ? body.flags & flagMask : 0 });
  ctx.core.messages.set(m.id, applyPayload(ctx, m, body, true));
  return ok(m);
}

function editMessage(ctx: Ctx, m: FakeDiscordMessage, body: Json): Result {
  const invalid = validate(body, ctx.uploads, false);
  if (invalid) return invalid;
  applyPayload(ctx, m, body, false);
  m.flags &= ~128; // no longer "loading" (deferred reply)
  return ok(m);
}

function addThread(core: FakeDiscordCore, id: string, type: number, parentId: string, name: string, starterMessageId?: string): Json {
  const created = new Date().toISOString();
  core.channels.set(id, { id, type, name, parentId, position: 0, ownerId: core.appId, created, ...(starterMessageId ? { starterMessageId } : {}) });
  const thread = core.channelObject(id) ?? {};
  core.dispatch('THREAD_CREATE', { ...thread, newly_created: true });
  return thread;
}

function threadName(body: Json): string | Result {
  const name = str(body.name);
  return name && name.length <= 100 ? name : formError('name', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
}

function commands(kind: 'GET' | 'PUT' | 'POST'): (ctx: Ctx) => Result {
  return ({ core, params, raw }) => {
    if (params.app !== core.appId || (params.guild !== undefined && params.guild !== core.guildId)) return fail(403, 50001, 'Missing Access');
    const key = params.guild ?? 'global';
    const existing = core.commands.get(key) ?? [];
    if (kind === 'GET') return ok(existing);
    const input = (kind === 'PUT' ? raw : [raw]) as Json[];
    if (!Array.isArray(input)) return formError('', 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
    for (const [i, c] of input.entries()) {
      const at = kind === 'PUT' ? `${i}.` : '';
      const chat = (c.type ?? 1) === 1;
      const name = str(c.name) ?? '';
      if (!/^[-_\p{L}\p{N}]{1,32}$/u.test(name) || (chat && name !== name.toLowerCase())) {
        return formError(`${at}name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
      }
      const description = str(c.description) ?? '';
      if (chat && (description.length < 1 || description.length > 100)) return badLength(`${at}description`, 1, 100);
    }
    const made = input.map((c) => ({
      type: 1, description: '', default_member_permissions: null, nsfw: false, integration_types: [0], contexts: null, ...c,
      id: existing.find((e) => e.name === c.name && (e.type ?? 1) === (c.type ?? 1))?.id ?? core.snowflake(),
      application_id: core.appId, version: core.snowflake(), name: String(c.name), ...(params.guild ? { guild_id: params.guild } : {}),
    }));
    if (kind === 'PUT') {
      core.commands.set(key, made);
      return ok(made);
    }
    const [cmd] = made as [(typeof made)[number]];
    const isNew = !existing.some((e) => e.id === cmd.id);
    core.commands.set(key, [...existing.filter((e) => e.id !== cmd.id), cmd]);
    return ok(cmd, isNew ? 201 : 200);
  };
}

function interactionByToken(core: FakeDiscordCore, params: Record<string, string>): InteractionRec | undefined {
  if (params.app !== core.appId) return undefined;
  return [...core.interactions.values()].find((i) => i.token === params.token);
}

/** The original response or a follow-up of the interaction whose token is in the path. */
function webhookMessage(ctx: Ctx): { it: InteractionRec; m: FakeDiscordMessage } | Result {
  const it = interactionByToken(ctx.core, ctx.params);
  if (!it) return unknownWebhook();
  const id = ctx.params.message === '@original' ? it.originalId : ctx.params.message;
  const m = id && (id === it.originalId || it.followUpIds.includes(id)) ? ctx.core.messages.get(id) : undefined;
  return m ? { it, m } : unknownMessage();
}

function callback(ctx: Ctx): Result {
  const { core, params, body, query } = ctx;
  const it = core.interactions.get(params.interaction ?? '');
  if (!it || it.token !== params.token) return fail(404, 10062, 'Unknown interaction');
  if (it.callback) return fail(400, 40060, 'Interaction has already been acknowledged.');
  if (core.ackDeadlineMs > 0 && Date.now() - it.createdAt > core.ackDeadlineMs) {
    it.expired = true;
    return fail(404, 10062, 'Unknown interaction');
  }
  const type = body.type;
  const data = (body.data ?? {}) as Json;
  // Autocomplete: only 8; components: reply, defer, deferUpdate, update, modal; modal submits: no modal.
  const allowed = it.type === 4 ? [8] : it.type === 3 ? [4, 5, 6, 7, 9] : it.type === 5 ? [4, 5, 6, 7] : [4, 5, 9];
  if (typeof type !== 'number' || !allowed.includes(type)) {
    return formError('type', 'BASE_TYPE_CHOICES', `Value must be one of {${allowed.join(', ')}}.`);
  }
  let messageId: string | undefined;
  if (type === 4 || type === 5) {
    const extra = { type: it.type === 2 ? 20 : 0, ...interactionExtras(core, it) };
    if (type === 4) {
      const result = createMessage(ctx, it.channelId, data, CREATE_FLAGS | 64, extra);
      if (result.status !== 200) return result;
      messageId = (result.body as FakeDiscordMessage).id;
    } else {
      const m = newMessage(core, it.channelId, { ...extra, flags: 128 | (Number(data.flags ?? 0) & 64) }); // LOADING (+ EPHEMERAL)
      core.messages.set(m.id, m);
      messageId = m.id;
    }
  } else if (type === 6 || type === 7) {
    const m = core.messages.get(it.messageId ?? '');
    if (!m) return unknownMessage();
    if (type === 7) {
      const result = editMessage(ctx, m, data);
      if (result.status !== 200) return result;
    }
    messageId = m.id;
  } else if (type === 8 && Array.isArray(data.choices) && data.choices.length > 25) {
    return formError('data.choices', 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  }
  it.callback = { type, data, at: Date.now() };
  it.originalId = messageId;
  if (query.get('with_response') !== 'true') return NO_CONTENT;
  const m = messageId ? core.messages.get(messageId) : undefined;
  return ok({
    interaction: {
      id: it.id, type: it.type, response_message_id: messageId,
      response_message_loading: type === 5, response_message_ephemeral: ((m?.flags ?? 0) & 64) !== 0,
    },
    resource: { type, ...(m && (type === 4 || type === 5 || type === 7) ? { message: m } : {}) },
  });
}

const channelRoutes: Array<[string, string, (ctx: Ctx) => Result]> = [
  ['GET', '/channels/:channel', ({ core, params }) => {
    const channel = core.channelObject(params.channel ?? '');
    return channel ? ok(channel) : unknownChannel();
  }],
  ['GET', '/channels/:channel/messages', ({ core, params, query }) => {
    if (!core.channels.has(params.channel ?? '')) return unknownChannel();
    const limit = Math.min(Number(query.get('limit') ?? 50), 100);
    return ok([...core.messages.values()].filter((m) => m.channel_id === params.channel && (m.flags & 64) === 0).reverse().slice(0, limit));
  }],
  ['POST', '/channels/:channel/messages', (ctx) => {
    const c = ctx.core.channels.get(ctx.params.channel ?? '');
    if (!c) return unknownChannel();
    if (!TEXT_TYPES.includes(c.type)) return fail(400, 50008, 'Cannot send messages in a non-text channel');
    const ref = ctx.body.message_reference as Json | undefined;
    const refId = str(ref?.message_id);
    if (refId && !ctx.core.messages.has(refId) && ref?.fail_if_not_exists !== false) {
      return formError('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
    }
    const extra = refId ? { type: 19, message_reference: { type: 0, channel_id: c.id, message_id: refId, guild_id: ctx.core.guildId } } : {};
    return createMessage(ctx, c.id, ctx.body, CREATE_FLAGS, extra);
  }],
  ['GET', '/channels/:channel/messages/:message', ({ core, params }) => {
    const m = core.messages.get(params.message ?? '');
    return m && m.channel_id === params.channel ? ok(m) : unknownMessage();
  }],
  ['PATCH', '/channels/:channel/messages/:message', (ctx) => {
    const m = ctx.core.messages.get(ctx.params.message ?? '');
    return m && m.channel_id === ctx.params.channel ? editMessage(ctx, m, ctx.body) : unknownMessage();
  }],
  ['DELETE', '/channels/:channel/messages/:message', ({ core, params }) => {
    const m = core.messages.get(params.message ?? '');
    return m && m.channel_id === params.channel && core.messages.delete(m.id) ? NO_CONTENT : unknownMessage();
  }],
  ['POST', '/channels/:channel/messages/:message/threads', ({ core, params, body }) => {
    const parent = core.channels.get(params.channel ?? '');
    if (!parent) return unknownChannel();
    const m = core.messages.get(params.message ?? '');
    if (!m || m.channel_id !== parent.id) return unknownMessage();
    if (parent.type !== 0 && parent.type !== 5) return fail(400, 50024, 'Cannot execute action on this channel type');
    if (m.thread) return fail(400, 160004, 'A thread has already been created for this message');
    const name = threadName(body);
    if (typeof name !== 'string') return name;
    m.thread = addThread(core, m.id, parent.type === 5 ? 10 : 11, parent.id, name, m.id); // thread id = message id
    m.flags |= 32; // HAS_THREAD
    return ok(m.thread, 201);
  }],
  ['POST', '/channels/:channel/threads', ({ core, params, body }) => {
    const parent = core.channels.get(params.channel ?? '');
    if (!parent) return unknownChannel();
    if (parent.type !== 0 && parent.type !== 5) return fail(400, 50024, 'Cannot execute action on this channel type');
    const name = threadName(body);
    if (typeof name !== 'string') return name;
    return ok(addThread(core, core.snowflake(), typeof body.type === 'number' ? body.type : 12, parent.id, name), 201);
  }],
  ['POST', '/channels/:channel/typing', ({ core, params }) => (core.channels.has(params.channel ?? '') ? NO_CONTENT : unknownChannel())],
];

const ROUTES: Route[] = (
  [
    ['GET', '/gateway', false, ({ core }) => ok({ url: core.baseUrl.replace(/^http/, 'ws') })],
    ['GET', '/gateway/bot', true, ({ core }) => ok({
      url: core.baseUrl.replace(/^http/, 'ws'), shards: 1,
      session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
    })],
    ['GET', '/users/@me', true, ({ core }) => ok({ ...core.botUser(), verified: true, mfa_enabled: false, flags: 0, email: null, banner: null })],
    ['GET', '/applications/@me', true, ({ core }) => ok({
      id: core.appId, name: core.botUser().username, icon: null, description: '', bot_public: false, bot_require_code_grant: false,
      verify_key: '0'.repeat(64), flags: 0, team: null, bot: core.botUser(), approximate_guild_count: 1, integration_types_config: { '0': {} },
    })],
    ...channelRoutes.map(([m, t, h]) => [m, t, true, h] as const),
    ['GET', '/applications/:app/commands', true, commands('GET')],
    ['PUT', '/applications/:app/commands', true, commands('PUT')],
    ['POST', '/applications/:app/commands', true, commands('POST')],
    ['GET', '/applications/:app/guilds/:guild/commands', true, commands('GET')],
    ['PUT', '/applications/:app/guilds/:guild/commands', true, commands('PUT')],
    ['POST', '/applications/:app/guilds/:guild/commands', true, commands('POST')],
    ['POST', '/interactions/:interaction/:token/callback', false, callback],
    ['POST', '/webhooks/:app/:token', false, (ctx) => {
      const it = interactionByToken(ctx.core, ctx.params);
      if (!it?.callback) return unknownWebhook(); // no follow-ups before the interaction is acknowledged
      const result = createMessage(ctx, it.channelId, ctx.body, CREATE_FLAGS | 64, interactionExtras(ctx.core, it));
      if (result.status === 200) it.followUpIds.push((result.body as FakeDiscordMessage).id);
      return result.status === 200 && ctx.query.get('wait') !== 'true' ? NO_CONTENT : result;
    }],
    ['GET', '/webhooks/:app/:token/messages/:message', false, (ctx) => {
      const found = webhookMessage(ctx);
      return 'm' in found ? ok(found.m) : found;
    }],
    ['PATCH', '/webhooks/:app/:token/messages/:message', false, (ctx) => {
      const found = webhookMessage(ctx);
      return 'm' in found ? editMessage(ctx, found.m, ctx.body) : found;
    }],
    ['DELETE', '/webhooks/:app/:token/messages/:message', false, (ctx) => {
      const found = webhookMessage(ctx);
      return 'm' in found && ctx.core.messages.delete(found.m.id) ? NO_CONTENT : (found as Result);
    }],
  ] as Array<readonly [string, string, boolean, (ctx: Ctx) => Result]>
).map(([method, template, auth, handler]) => ({
  method, template, auth, handler,
  re: new RegExp(`^${template.replace(/:(\w+)/g, '(?<$1>[^/]+)')}$`),
}));

function failureResult(f: FakeDiscordFailure, bucket: string): Result {
  if ('retryAfter' in f) {
    const global = f.global === true;
    const headers: Record<string, string> = { 'retry-after': String(Math.ceil(f.retryAfter)), 'x-ratelimit-scope': global ? 'global' : 'user' };
    if (global) headers['x-ratelimit-global'] = 'true';
    else {
      Object.assign(headers, {
        'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': f.retryAfter.toFixed(3),
        'x-ratelimit-reset': (Date.now() / 1000 + f.retryAfter).toFixed(3), 'x-ratelimit-bucket': createHash('md5').update(bucket).digest('hex'),
      });
    }
    return { status: 429, headers, body: { message: 'You are being rate limited.', retry_after: f.retryAfter, global } };
  }
  return fail(f.status, f.code ?? 0, f.message ?? `${f.status}: ${STATUS_CODES[f.status] ?? 'Error'}`);
}

export async function handleRest(core: FakeDiscordCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const at = Date.now();
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = (req.method ?? 'GET').toUpperCase();

  const download = /^\/attachments\/\d+\/(\d+)\/[^/]+$/.exec(url.pathname);
  const file = download && method === 'GET' ? core.files.find((f) => f.attachmentId === download[1]) : undefined;
  if (file) {
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.bytes.length }).end(file.bytes);
    return;
  }

  const versioned = /^\/api(?:\/v(\d+))?(\/.*)$/.exec(url.pathname);
  let path = versioned?.[2] ?? url.pathname;
  try {
    path = decodeURIComponent(path); // discord.js encodes "@original" as "%40original"
  } catch {
    // keep it raw
  }
  const token = /^Bot\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
  let body: unknown;
  const uploads: Upload[] = [];
  let invalid: Result | undefined;
  const contentType = req.headers['content-type'] ?? '';
  if (raw.length > 0 && contentType.startsWith('multipart/form-data')) {
    const request = new Request('http://fake/', { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(raw) });
    const form = await request.formData();
    const fields: Json = {};
    for (const [key, value] of form) {
      if (typeof value !== 'string') {
        const bytes = Buffer.from(await value.arrayBuffer());
        uploads.push({ field: key, filename: value.name, contentType: value.type || 'application/octet-stream', bytes });
      } else if (key !== 'payload_json') {
        fields[key] = value;
      } else {
        try {
          Object.assign(fields, JSON.parse(value));
        } catch {
          invalid = fail(400, 50109, 'The request body contains invalid JSON.');
        }
      }
    }
    body = fields;
  } else if (raw.length > 0) {
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      invalid = fail(400, 50109, 'The request body contains invalid JSON.');
    }
  }

  const route = versioned ? ROUTES.find((r) => r.method === method && r.re.test(path)) : undefined;
  const send = (result: Result): void => {
    core.calls.push({
      method, path, route: route?.template ?? path, query: Object.fromEntries(url.searchParams), body: body ?? null,
      files: uploads.map((u) => ({ field: u.field, filename: u.filename, size: u.bytes.length })),
      token, status: result.status, response: result.body === undefined ? undefined : structuredClone(result.body), at,
    });
    core.notify();
    if (result.body === undefined) {
      res.writeHead(result.status, result.headers ?? {}).end();
      return;
    }
    const text = JSON.stringify(result.body);
    res.writeHead(result.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...result.headers }).end(text);
  };

  const rule = core.failures.find((f) => f.left > 0 && f.test(method, path));
  if (rule) {
    rule.left -= 1;
    if (rule.left === 0) core.failures.splice(core.failures.indexOf(rule), 1);
    return send(failureResult(rule.failure, route?.template ?? path));
  }
  if (versioned?.[1] && versioned[1] !== '10' && versioned[1] !== '9') return send(fail(400, 50041, 'Invalid API version provided.'));
  if (!route) {
    const otherMethod = versioned && ROUTES.some((r) => r.re.test(path));
    return send(otherMethod ? fail(405, 0, '405: Method Not Allowed') : fail(404, 0, '404: Not Found'));
  }
  if (route.auth && !core.tokenOk(token)) return send(fail(401, 0, '401: Unauthorized'));
  if (invalid) return send(invalid);
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(route.re.exec(path)?.groups ?? {})) params[k] = v;
  const json = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Json) : {};
  return send(route.handler({ core, params, query: url.searchParams, body: json, raw: body, uploads }));
}
