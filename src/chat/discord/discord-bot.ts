// The Discord front end: discord.js over the gateway, the /ftp slash command (with target
// autocomplete limited to what the channel may use), the same buttons as Slack. The only place,
// with its renderer, that imports discord.js.
//
// Messages go out through discord.js's REST client (client.rest) with explicit routes: a bot
// message is edited through the channel's endpoint, a slash command's own reply through the
// interaction's webhook (Discord refuses the channel endpoint for interaction responses). That
// webhook token lives in memory only; after a restart the answer is posted as a new message.
import { Client, Events, GatewayIntentBits, MessageFlags, Routes } from 'discord.js';
import type { AutocompleteInteraction, ButtonInteraction, ChatInputCommandInteraction, Interaction } from 'discord.js';
import { randomUUID } from 'node:crypto';
import type { CheckCoordinator } from '../../bot/check-coordinator.js';
import type { AlertActions, ChatAdapter } from '../chat-adapter.js';
import type { Delivery } from '../../bot/delivery-book.js';
import { type ChatMessage, errorMessage, helpMessage, progressMessage } from '../../bot/messages.js';
import type { ChatCommandAnswers } from '../../bot/scope.js';
import type { StatusAnswers } from '../../bot/status-answer.js';
import { type RunbookConductor, RunbookRequestError } from '../../bot/runbook-conductor.js';
import { StaleActionError } from '../../runbooks/runbook-session.js';
import { QueueUnavailableError } from '../../queue/check-queue.js';
import { CUSTOM_IDS, type DiscordPayload, renderDiscord } from './render-embeds.js';
import { commandFromOptions } from './command-definition.js';
import type { ChatGate } from '../../bot/access-gate.js';
import { type Role, roleFor, roleForButton } from '../../bot/access.js';

export interface DiscordSettings {
  token: string;
  applicationId?: string;
  guildId?: string;
  /** Base URL of the REST API ("…/api"), for a local fake in tests. */
  apiUrl?: string;
}

export function discordSettings(env: NodeJS.ProcessEnv): DiscordSettings | undefined {
  if (!env.DISCORD_TOKEN) return undefined;
  return { token: env.DISCORD_TOKEN, applicationId: env.DISCORD_APPLICATION_ID, guildId: env.DISCORD_GUILD_ID, apiUrl: env.DISCORD_API_URL };
}

export interface DiscordBotDeps {
  coordinator: CheckCoordinator;
  answers: ChatCommandAnswers;
  gate: ChatGate;
  /** Runbook ids, finding codes and alert classes, for the runbook option's autocomplete. */
  runbookChoices: () => string[];
}

/** Discord's error code when a thread already exists for a message. */
const THREAD_ALREADY_CREATED = 160004;

export class DiscordBot implements ChatAdapter {
  readonly describe = 'Discord gateway';
  readonly client: Client;
  private alerts: AlertActions | undefined;
  private status: StatusAnswers | undefined;
  private runbooks: RunbookConductor | undefined;
  /** Slash commands whose reply is still to be edited (their webhook tokens live 15 min). */
  private readonly pending = new Map<string, ChatInputCommandInteraction>();

  constructor(private readonly settings: DiscordSettings, private readonly deps: DiscordBotDeps) {
    this.client = new Client({ intents: [GatewayIntentBits.Guilds], ...(settings.apiUrl ? { rest: { api: settings.apiUrl } } : {}) });
    this.client.on(Events.InteractionCreate, (interaction) => void this.onInteraction(interaction).catch(() => undefined));
    // discord.js reconnects by itself; an error event without a listener would crash the process.
    this.client.on(Events.Error, () => undefined);
  }

  useAlerts(alerts: AlertActions, status: StatusAnswers): void {
    this.alerts = alerts;
    this.status = status;
  }

  useRunbooks(conductor: RunbookConductor): void {
    this.runbooks = conductor;
  }

  async start(): Promise<void> {
    const ready = new Promise<void>((resolve) => this.client.once(Events.ClientReady, () => resolve()));
    await this.client.login(this.settings.token);
    await ready;
  }

  async stop(): Promise<void> {
    await this.client.destroy();
  }

  // ------------------------------------------------------------------ DeliveryChannel

  /** Replace the "checking…" message with newer progress or the final answer. */
  async show(delivery: Delivery, message: ChatMessage, final: boolean): Promise<void> {
    const { payload, followUps } = renderDiscord(message);
    const [kind, id] = splitId(delivery.messageId);
    if (kind === 'i') {
      const interaction = this.pending.get(id);
      if (interaction) {
        await interaction.editReply(payload as never);
        if (final) this.pending.delete(id);
      } else if (final) {
        // This bot restarted since the command: the reply's webhook token is gone with it.
        await this.send(delivery.channel, payload);
      }
    } else {
      await this.client.rest.patch(Routes.channelMessage(delivery.channel, id), { body: payload });
    }
    if (final) for (const text of followUps) await this.send(delivery.channel, textPayload(text));
  }

  // ------------------------------------------------------------------ AlertChannel

  async postRoot(channel: string, message: ChatMessage): Promise<string> {
    return this.send(channel, renderDiscord(message).payload);
  }

  async updateRoot(channel: string, rootId: string, message: ChatMessage): Promise<void> {
    await this.client.rest.patch(Routes.channelMessage(channel, rootId), { body: renderDiscord(message).payload });
  }

  async reply(channel: string, rootId: string, message: ChatMessage): Promise<void> {
    const thread = await this.threadOf(channel, rootId, message);
    await this.sendAll(thread, message);
  }

  // ------------------------------------------------------------------ RunbookChat

  /** Post (in the thread of `threadId`'s message); the id names the channel it lives in. */
  async post(channel: string, message: ChatMessage, threadId?: string): Promise<string> {
    // A thread root this adapter posted is named "channel/message"; the message part starts the thread.
    const rootId = threadId?.includes('/') ? threadId.slice(threadId.indexOf('/') + 1) : threadId;
    const where = rootId ? (rootId === channel ? channel : await this.threadOf(channel, rootId, message)) : channel;
    return `${where}/${await this.sendAll(where, message)}`;
  }

  async edit(channel: string, messageId: string, message: ChatMessage): Promise<void> {
    const [where, id] = messageId.includes('/') ? (messageId.split('/') as [string, string]) : [channel, messageId];
    await this.client.rest.patch(Routes.channelMessage(where, id), { body: renderDiscord(message).payload });
  }

  // ------------------------------------------------------------------ interactions

  private async onInteraction(interaction: Interaction): Promise<void> {
    if (interaction.isAutocomplete()) return this.onAutocomplete(interaction);
    if (interaction.isChatInputCommand() && interaction.commandName === 'ftp') return this.onCommand(interaction);
    if (interaction.isButton() && interaction.customId.startsWith('ftpops:')) return this.onButton(interaction);
  }

  /** Role and rate: the member's Discord roles count as the groups of the access lists. */
  private admit(interaction: ChatInputCommandInteraction | ButtonInteraction, what: string, need: Role, counted = true): Promise<string | undefined> {
    const roles = interaction.member?.roles;
    const groups = Array.isArray(roles) ? roles : roles && 'cache' in roles ? [...roles.cache.keys()] : [];
    return this.deps.gate.admit({ platform: 'discord', user: interaction.user.id, groups }, what, need, counted);
  }

  /** Access follows the channel; a thread inherits its parent's. */
  private accessChannel(interaction: Interaction): string {
    const channel = interaction.channel;
    return (channel && 'isThread' in channel && channel.isThread() ? channel.parentId : undefined) ?? interaction.channelId ?? '';
  }

  private async onAutocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const focused = interaction.options.getFocused(true);
    const typed = String(focused.value).toLowerCase();
    const pool = focused.name === 'runbook' ? this.deps.runbookChoices() : this.deps.answers.targetNames(this.accessChannel(interaction));
    const matches = pool.filter((name) => name.toLowerCase().includes(typed)).slice(0, 25);
    await interaction.respond(matches.map((name) => ({ name, value: name })));
  }

  private async onCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const options: Record<string, string | undefined> = {};
    for (const name of ['runbook', 'target', 'code', 'for']) options[name] = interaction.options.getString(name) ?? undefined;
    const parsed = commandFromOptions(interaction.options.getSubcommand(false) ?? 'help', options);
    const access = this.accessChannel(interaction);
    const privately = (content: string) => interaction.reply({ content: clipContent(content), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    const denied = await this.admit(interaction, parsed.kind, roleFor(parsed));
    if (denied) return void (await privately(denied));
    const refusal = 'target' in parsed && parsed.target ? this.deps.answers.refuseSubject(parsed.target, access) : undefined;
    if (refusal) return void (await privately(refusal));
    switch (parsed.kind) {
      case 'help':
        if (parsed.problem) return void (await privately(this.deps.answers.help(parsed.problem)));
        return void (await interaction.reply({ ...(renderDiscord(helpMessage()).payload as object), flags: MessageFlags.Ephemeral }));
      case 'explain':
        return void (await privately(this.deps.answers.explain(parsed.query)));
      case 'targets':
        return void (await privately(this.deps.answers.targets(access)));
      case 'mute':
        if (!this.alerts) return void (await privately('alerts are not running in this bot'));
        await this.alerts.mute(parsed.target, parsed.minutes, interaction.user.id);
        return void (await interaction.reply({ content: `🔕 ${parsed.target}: no new alert threads for ${parsed.minutes} min (muted by <@${interaction.user.id}>)`, allowedMentions: { parse: [] } }));
      case 'status':
        return this.onStatus(interaction, parsed.target, access);
      case 'runbook':
        await interaction.deferReply({ flags: MessageFlags.Ephemeral });
        await this.openRunbook(parsed.query, parsed.target, interaction.channelId, interaction.user.id, undefined, (text) => interaction.editReply({ content: clipContent(text) }));
        return;
      case 'check':
        await interaction.deferReply();
        this.pending.set(interaction.id, interaction);
        setTimeout(() => this.pending.delete(interaction.id), 15 * 60_000).unref();
        await interaction.editReply(renderDiscord(progressMessage(parsed.target, this.deps.answers.urlOf(parsed.target), [])).payload as never);
        await this.requestCheck(interaction.channelId, parsed.target, `i:${interaction.id}`);
    }
  }

  private async onStatus(interaction: ChatInputCommandInteraction, target: string | undefined, access: string): Promise<void> {
    if (!this.status) return void (await interaction.reply({ content: 'status is not available in this bot', flags: MessageFlags.Ephemeral }));
    await interaction.deferReply();
    try {
      const answer = target ? await this.status.forTarget(target) : await this.status.forTargets(this.deps.answers.targetNames(access));
      await interaction.editReply({ content: clipContent(answer.text), allowedMentions: { parse: [] }, ...(answer.chart ? { files: [{ attachment: answer.chart.png, name: answer.chart.filename, description: answer.chart.title }] } : {}) });
    } catch (err) {
      await interaction.editReply({ content: `⚠️ cannot show the status: ${(err as Error).message}` });
    }
  }

  private async onButton(interaction: ButtonInteraction): Promise<void> {
    const id = interaction.customId;
    const tell = (content: string) => interaction.followUp({ content: clipContent(content), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } }).catch(() => undefined);
    await interaction.deferUpdate();
    const access = this.accessChannel(interaction);
    const recheckTarget = id.startsWith(`${CUSTOM_IDS.recheck}:`) ? id.slice(CUSTOM_IDS.recheck.length + 1) : undefined;
    // Buttons that start work count against the rate; stepping, acknowledging and muting do not.
    const starts = id.startsWith(`${CUSTOM_IDS.recheck}:`) || id.startsWith(`${CUSTOM_IDS.runbook}:`) || id.startsWith(`${CUSTOM_IDS.runbookStep}:run-check:`);
    const denied = await this.admit(interaction, id.split(':')[1] ?? 'button', roleForButton(recheckTarget), starts);
    if (denied) return void (await tell(denied));
    if (id.startsWith(`${CUSTOM_IDS.runbookStep}:`)) {
      const [, , action, session, version] = id.split(':');
      if (!this.runbooks || !session || !action) return void (await tell('runbooks are not running in this bot'));
      try {
        await this.runbooks.act(session, action as never, Number(version), interaction.user.id);
      } catch (err) {
        await tell(err instanceof StaleActionError ? `Nothing changed: ${err.message}.` : `⚠️ ${(err as Error).message}`);
      }
      return;
    }
    if (id.startsWith(`${CUSTOM_IDS.recheck}:`)) {
      const target = id.slice(CUSTOM_IDS.recheck.length + 1);
      const refusal = this.deps.answers.refuseSubject(target, access);
      if (refusal) return void (await tell(refusal));
      const progress = renderDiscord(progressMessage(target, this.deps.answers.urlOf(target), [])).payload;
      const messageId = await this.send(interaction.channelId, progress);
      await this.requestCheck(interaction.channelId, target, `m:${messageId}`);
      return;
    }
    if (id.startsWith(`${CUSTOM_IDS.runbook}:`)) {
      const [runbook, ...rest] = id.slice(CUSTOM_IDS.runbook.length + 1).split(':');
      const inThread = interaction.channel?.isThread() ?? false;
      // The runbook runs in the thread of the message clicked (or in the thread it sits in).
      await this.openRunbook(runbook ?? '', rest.join(':'), interaction.channelId, interaction.user.id, inThread ? interaction.channelId : interaction.message.id, tell);
      return;
    }
    if (id.startsWith(`${CUSTOM_IDS.acknowledge}:`)) {
      const alert = id.slice(CUSTOM_IDS.acknowledge.length + 1);
      if (this.alerts && !(await this.alerts.acknowledge(alert, interaction.user.id))) await tell('this incident is already resolved');
      return;
    }
    if (id.startsWith(`${CUSTOM_IDS.mute}:`)) {
      const [minutes, ...target] = id.slice(CUSTOM_IDS.mute.length + 1).split(':');
      if (!this.alerts) return;
      await this.alerts.mute(target.join(':'), Number(minutes), interaction.user.id);
      await tell(`${target.join(':')}: no new alert threads for ${minutes} min (muted by <@${interaction.user.id}>)`);
    }
  }

  private async openRunbook(query: string, target: string, channel: string, user: string, threadId: string | undefined, tell: (text: string) => Promise<unknown>): Promise<void> {
    const refusal = this.deps.answers.refuseTarget(target, channel);
    if (refusal || !this.runbooks) return void (await tell(refusal ?? 'runbooks are not running in this bot'));
    try {
      const started = await this.runbooks.open({ query, target, platform: 'discord', channel, by: user, ...(threadId ? { threadId } : {}) });
      await tell(started.alreadyOpen ? `The runbook "${started.runbook.title}" is already open in this thread; carry on there.` : `📖 ${started.runbook.title} for ${target}: the steps are in the thread.`);
    } catch (err) {
      const known = err instanceof RunbookRequestError || err instanceof StaleActionError;
      await tell(known ? (err as Error).message : `⚠️ cannot open the runbook: ${(err as Error).message}`);
    }
  }

  /** Queue the check; the coordinator turns the "checking…" message into the answer. */
  private async requestCheck(channel: string, target: string, messageId: string): Promise<void> {
    const delivery: Delivery = { id: randomUUID(), platform: 'discord', channel, messageId, target, deadlineAt: this.deps.coordinator.deadlineFor(target) };
    try {
      await this.deps.coordinator.request(delivery);
    } catch (err) {
      const text = err instanceof QueueUnavailableError ? err.message : `cannot start the check: ${(err as Error).message}`;
      await this.show(delivery, errorMessage(text), true);
    }
  }

  // ------------------------------------------------------------------ REST plumbing

  private async send(channel: string, payload: DiscordPayload): Promise<string> {
    const created = (await this.client.rest.post(Routes.channelMessages(channel), { body: payload })) as { id: string };
    return created.id;
  }

  /** Send a message and its follow-ups; resolves with the first message's id. */
  private async sendAll(channel: string, message: ChatMessage): Promise<string> {
    const { payload, followUps } = renderDiscord(message);
    const first = payload.content || payload.embeds.length ? await this.send(channel, payload) : await this.send(channel, textPayload(followUps.shift() ?? '…'));
    for (const text of followUps) await this.send(channel, textPayload(text));
    return first;
  }

  /** The thread hanging off a message, started on first use (its id is the message's id). */
  private async threadOf(channel: string, messageId: string, message: ChatMessage): Promise<string> {
    try {
      const thread = (await this.client.rest.post(Routes.threads(channel, messageId), { body: { name: threadName(message), auto_archive_duration: 1440 } })) as { id: string };
      return thread.id;
    } catch (err) {
      if ((err as { code?: number }).code === THREAD_ALREADY_CREATED) return messageId;
      throw err;
    }
  }
}

function splitId(messageId: string): ['i' | 'm', string] {
  return [messageId.startsWith('i:') ? 'i' : 'm', messageId.slice(2)];
}

function textPayload(content: string): DiscordPayload {
  return { content, embeds: [], components: [], allowed_mentions: { parse: [] } };
}

function clipContent(text: string): string {
  return text.length <= 2000 ? text : `${text.slice(0, 1999)}…`;
}

function threadName(message: ChatMessage): string {
  const name = message.kind === 'runbook-step' ? `📖 ${message.runbookTitle} — ${message.target}` : message.kind === 'alert' ? `${message.alertClass} — ${message.target}` : 'ftpops incident';
  return name.slice(0, 100);
}
