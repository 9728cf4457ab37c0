// The Discord transport: discord.js over the gateway. A /ftp slash command (its subcommand and
// options joined into the same text Slack sends) or a button click becomes an Incoming for the
// router; autocomplete asks the router what the channel may use. The only place, with its
// renderer and the command registration, that imports discord.js.
//
// Messages go out through discord.js's REST client (client.rest) with explicit routes: a bot
// message is edited through the channel's endpoint, a slash command's own reply through the
// interaction's webhook (Discord refuses the channel endpoint for interaction responses). That
// webhook token lives in memory only; after a restart the answer is posted as a new message.
import { Client, Events, GatewayIntentBits, MessageFlags, RESTEvents, Routes } from 'discord.js';
import { processMetrics } from '../../metrics/metrics.js';
import type { AutocompleteInteraction, ButtonInteraction, ChatInputCommandInteraction, Interaction } from 'discord.js';
import type { Incoming, MessageRef, Place, Responder, Where } from '../../bot/incoming.js';
import { type ChatMessage, chartOf } from '../../bot/messages.js';
import { COMMANDS, type Router } from '../../bot/router.js';
import type { ChatAdapter } from '../chat-adapter.js';
import type { DiscordSettings } from '../chat-settings.js';
import { CUSTOM_ID_PREFIX, type DiscordPayload, renderDiscord } from './render-embeds.js';

/** Discord's error code when a thread already exists for a message. */
const THREAD_ALREADY_CREATED = 160004;
/** Discord wants an answer to an interaction within 3 s: a slow decision gets a "thinking…" first. */
const DEFER_AFTER_MS = 2_000;
/** A slash command's reply can be edited through its webhook for 15 minutes. */
const WEBHOOK_MS = 15 * 60_000;

export class DiscordAdapter implements ChatAdapter {
  readonly describe = 'Discord gateway';
  readonly client: Client;
  /** Slash commands whose reply is still to be edited (their webhook tokens live 15 min). */
  private readonly pending = new Map<string, ChatInputCommandInteraction>();

  constructor(private readonly settings: DiscordSettings, private readonly router: Router) {
    this.client = new Client({ intents: [GatewayIntentBits.Guilds], ...(settings.apiUrl ? { rest: { api: settings.apiUrl } } : {}) });
    this.client.on(Events.InteractionCreate, (interaction) => void this.onInteraction(interaction).catch(() => undefined));
    // discord.js reconnects by itself; an error event without a listener would crash the process.
    this.client.on(Events.Error, () => undefined);
    // discord.js's REST client waits out rate limits and retries; count them.
    this.client.rest.on(RESTEvents.RateLimited, () => processMetrics().chatRetry('discord'));
  }

  /** The gateway connection is up (for /readyz). */
  connected(): boolean {
    return this.client.isReady();
  }

  async start(): Promise<void> {
    const ready = new Promise<void>((resolve) => this.client.once(Events.ClientReady, () => resolve()));
    await this.client.login(this.settings.token);
    await ready;
  }

  async stop(): Promise<void> {
    await this.client.destroy();
  }

  // ------------------------------------------------------------------ ChatOutbound

  /** Post in the channel, or in the thread of `place.thread` (started on first use). */
  async post(place: Place, message: ChatMessage): Promise<MessageRef> {
    // A thread named by one of our refs ("channel/message", an alert root) is that message's thread.
    const root = place.thread?.includes('/') ? place.thread.slice(place.thread.indexOf('/') + 1) : place.thread;
    const where = root ? await this.threadOf(place.channel, root, message) : place.channel;
    return { channel: place.channel, id: `${where}/${await this.sendAll(where, message)}` };
  }

  async edit(ref: MessageRef, message: ChatMessage): Promise<void> {
    const { payload, followUps } = renderDiscord(message);
    if (ref.id.startsWith('i:')) {
      const interaction = this.pending.get(ref.id.slice(2));
      if (interaction) await interaction.editReply(forInteraction(payload, message) as never);
      // This bot restarted since the command: the reply's webhook token is gone with it.
      else if (message.kind !== 'progress') await this.send(ref.channel, payload, message);
    } else {
      const [where, id] = ref.id.includes('/') ? (ref.id.split('/') as [string, string]) : [ref.channel, ref.id];
      await this.client.rest.patch(Routes.channelMessage(where, id), { body: payload });
    }
    for (const text of followUps) await this.send(ref.channel, textPayload(text));
  }

  // ------------------------------------------------------------------ interactions

  private async onInteraction(interaction: Interaction): Promise<void> {
    if (interaction.isAutocomplete()) return this.onAutocomplete(interaction);
    if (interaction.isChatInputCommand() && interaction.commandName === 'ftp') return this.onCommand(interaction);
    if (interaction.isButton() && interaction.customId.startsWith(CUSTOM_ID_PREFIX)) return this.onButton(interaction);
  }

  /** Where it was said: a thread counts as its parent channel for access, and is the thread. */
  private whereOf(interaction: Interaction): Where {
    const channel = interaction.channel;
    const inThread = Boolean(channel && 'isThread' in channel && channel.isThread());
    const parent = inThread && channel && 'parentId' in channel ? channel.parentId : undefined;
    return {
      channel: parent ?? interaction.channelId ?? '',
      ...(inThread && interaction.channelId ? { thread: interaction.channelId } : {}),
      ...(interaction.inGuild() ? { guild: interaction.guildId } : { dm: true }),
    };
  }

  private incoming(interaction: ChatInputCommandInteraction | ButtonInteraction, what: Incoming['what']): Incoming {
    const roles = interaction.member?.roles;
    const groups = Array.isArray(roles) ? roles : roles && 'cache' in roles ? [...roles.cache.keys()] : [];
    return { platform: 'discord', user: interaction.user.id, groups: async () => groups, where: this.whereOf(interaction), what };
  }

  private async onAutocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const focused = interaction.options.getFocused(true);
    const field = focused.name === 'runbook' ? 'runbook' : 'target';
    const names = this.router.suggest({ platform: 'discord', where: this.whereOf(interaction) }, field, String(focused.value));
    await interaction.respond(names.map((name) => ({ name, value: name })));
  }

  /** The subcommand and its options, in the order the command's text takes them. */
  private async onCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const sub = interaction.options.getSubcommand(false) ?? 'help';
    const verb = COMMANDS.find((c) => c.name === sub);
    const words = (verb?.options ?? []).map((o) => interaction.options.getString(o.name)).filter((v): v is string => Boolean(v));
    const incoming = this.incoming(interaction, { kind: 'command', text: [sub, ...words].join(' ') });
    const responder = this.commandResponder(interaction);
    try {
      await this.router.handle(incoming, responder);
    } finally {
      responder.done();
    }
  }

  private async onButton(interaction: ButtonInteraction): Promise<void> {
    // The click itself changes nothing on the message it sits on.
    await interaction.deferUpdate();
    const where = this.whereOf(interaction);
    // A private (ephemeral) message can have no thread: answers to its buttons go where the person is.
    const ephemeral = interaction.message.flags.has(MessageFlags.Ephemeral);
    const incoming = this.incoming(interaction, { kind: 'click', button: interaction.customId.slice(CUSTOM_ID_PREFIX.length), message: { id: interaction.message.id, ...(where.thread ? { thread: where.thread } : {}), ...(ephemeral ? { private: true } : {}) } });
    await this.router.handle(incoming, {
      private: async (message) => void (await interaction.followUp({ ...forInteraction(renderDiscord(message).payload), flags: MessageFlags.Ephemeral } as never)),
      post: (message, thread) => this.post({ channel: interaction.channelId, ...(thread && thread !== interaction.channelId ? { thread } : {}) }, message),
    });
  }

  /**
   * A slash command's answers: the first one is the interaction's own reply (private or not);
   * later ones are follow-ups or channel messages. A decision slower than 2 s is deferred first
   * (privately), so Discord's 3 s never runs out.
   */
  private commandResponder(interaction: ChatInputCommandInteraction): Responder & { done(): void } {
    let answered = false;
    let deferred: Promise<unknown> | undefined;
    const timer = setTimeout(() => {
      if (!answered) deferred = interaction.deferReply({ flags: MessageFlags.Ephemeral }).catch(() => undefined);
    }, DEFER_AFTER_MS);
    const first = () => {
      const was = answered;
      answered = true;
      clearTimeout(timer);
      return !was;
    };
    return {
      done: () => clearTimeout(timer),
      private: async (message) => {
        const payload = forInteraction(renderDiscord(message).payload);
        const ephemeral = { ...payload, flags: MessageFlags.Ephemeral };
        if (!first()) return void (await interaction.followUp(ephemeral as never));
        // The deferral was private already; an edit takes no flags.
        if (deferred) return void (await deferred.then(() => interaction.editReply(payload as never)));
        await interaction.reply(ephemeral as never);
      },
      post: async (message, thread) => {
        const fresh = first();
        if (fresh && !deferred && !thread) {
          await interaction.reply(forInteraction(renderDiscord(message).payload, message) as never);
          this.pending.set(interaction.id, interaction);
          setTimeout(() => this.pending.delete(interaction.id), WEBHOOK_MS).unref();
          return { channel: interaction.channelId, id: `i:${interaction.id}` };
        }
        const ref = await this.post({ channel: interaction.channelId, ...(thread ? { thread } : {}) }, message);
        // The private "thinking…" has nothing left to say.
        if (fresh && deferred) await deferred.then(() => interaction.deleteReply()).catch(() => undefined);
        return ref;
      },
    };
  }

  // ------------------------------------------------------------------ REST plumbing

  private async send(channel: string, payload: DiscordPayload, message?: ChatMessage): Promise<string> {
    const chart = chartOf(message);
    const files = chart ? [{ name: chart.filename, data: chart.png, contentType: 'image/png' }] : undefined;
    const created = (await this.client.rest.post(Routes.channelMessages(channel), { body: payload, ...(files ? { files } : {}) })) as { id: string };
    return created.id;
  }

  /** Send a message and its follow-ups; resolves with the first message's id. */
  private async sendAll(channel: string, message: ChatMessage): Promise<string> {
    const { payload, followUps } = renderDiscord(message);
    const first = payload.content || payload.embeds.length ? await this.send(channel, payload, message) : await this.send(channel, textPayload(followUps.shift() ?? '…'));
    for (const text of followUps) await this.send(channel, textPayload(text));
    return first;
  }

  /**
   * The thread under a message (its id is the message's id), started on first use. An id that is
   * no message of this channel is taken as a thread of its own (a click inside a thread).
   */
  private async threadOf(channel: string, messageId: string, message: ChatMessage): Promise<string> {
    if (messageId === channel) return channel;
    try {
      const thread = (await this.client.rest.post(Routes.threads(channel, messageId), { body: { name: threadName(message), auto_archive_duration: 1440 } })) as { id: string };
      return thread.id;
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === THREAD_ALREADY_CREATED || code === 10008 || code === 50024) return messageId;
      throw err;
    }
  }
}

/**
 * A payload for discord.js's interaction methods (reply, editReply, followUp), which read their
 * own option names: `allowedMentions`, not the REST API's `allowed_mentions` (passed as is, it
 * was ignored); a status chart rides along as `files`.
 */
function forInteraction(payload: DiscordPayload, message?: ChatMessage): object {
  const { allowed_mentions: _rest, ...rest } = payload;
  const chart = chartOf(message);
  return { ...rest, allowedMentions: { parse: [] }, ...(chart ? { files: [{ attachment: chart.png, name: chart.filename, description: chart.title }] } : {}) };
}

function textPayload(content: string): DiscordPayload {
  return { content, embeds: [], components: [], allowed_mentions: { parse: [] } };
}

function threadName(message: ChatMessage): string {
  const name = message.kind === 'runbook-step' ? `📖 ${message.runbookTitle} — ${message.target}` : message.kind === 'alert' ? `${message.alertClass} — ${message.target}` : 'ftpops';
  return name.slice(0, 100);
}
