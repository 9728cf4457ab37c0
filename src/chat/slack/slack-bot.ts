// The Slack front end: Bolt over HTTP (signing secret) or Socket Mode (app token), the /ftp
// command and the summary's buttons. The only place that imports @slack/*.
import bolt from '@slack/bolt';
import type { App as BoltApp, SlashCommand, BlockButtonAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { randomUUID } from 'node:crypto';
import type { HttpRoute } from '../../http/http-server.js';
import { parseCommand } from '../../bot/commands.js';
import type { CheckCoordinator } from '../../bot/check-coordinator.js';
import type { AlertActions, ChatAdapter } from '../chat-adapter.js';
import type { Delivery } from '../../bot/delivery-book.js';
import { type ChatMessage, errorMessage, helpMessage, progressMessage } from '../../bot/messages.js';
import { ACTION_IDS, renderBlocks } from './render-blocks.js';
import { QueueUnavailableError } from '../../queue/check-queue.js';
import type { ChatCommandAnswers } from '../../bot/scope.js';
import type { StatusAnswers } from '../../bot/status-answer.js';
import { type RunbookConductor, RunbookRequestError } from '../../bot/runbook-conductor.js';
import { StaleActionError } from '../../runbooks/runbook-session.js';
import type { ChatGate } from '../../bot/access-gate.js';
import { type Role, roleFor, roleForButton } from '../../bot/access.js';

const { App, HTTPReceiver, LogLevel } = bolt;

export interface SlackSettings {
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  port: number;
  apiUrl?: string;
}

export function slackSettings(env: NodeJS.ProcessEnv): SlackSettings | undefined {
  if (!env.SLACK_BOT_TOKEN) return undefined;
  return {
    botToken: env.SLACK_BOT_TOKEN,
    signingSecret: env.SLACK_SIGNING_SECRET,
    appToken: env.SLACK_APP_TOKEN,
    port: Number(env.PORT ?? 3000),
    apiUrl: env.SLACK_API_URL,
  };
}

export interface SlackBotDeps {
  coordinator: CheckCoordinator;
  answers: ChatCommandAnswers;
  gate: ChatGate;
}

export class SlackBot implements ChatAdapter {
  readonly app: BoltApp;
  /** Over HTTP: Slack's events endpoint, served by the bot's own HTTP server (src/http). */
  readonly routes: HttpRoute[] = [];
  private readonly client: WebClient;
  private alerts: AlertActions | undefined;
  private status: StatusAnswers | undefined;
  private runbooks: RunbookConductor | undefined;

  constructor(private readonly settings: SlackSettings, private readonly deps: SlackBotDeps) {
    const socketMode = Boolean(settings.appToken);
    if (!socketMode && !settings.signingSecret) {
      throw new Error('Slack over HTTP needs SLACK_SIGNING_SECRET (or set SLACK_APP_TOKEN for Socket Mode)');
    }
    // Over HTTP, Bolt's receiver only verifies and parses; the bot's own server (with its
    // timeouts, connection cap and error handling) carries the requests to it.
    const receiver = socketMode ? undefined : new HTTPReceiver({ signingSecret: settings.signingSecret!, endpoints: '/slack/events', logLevel: LogLevel.WARN });
    if (receiver) this.routes.push({ method: 'POST', prefix: '/slack/events', handler: receiver.requestListener });
    this.app = new App({
      token: settings.botToken,
      // Socket Mode: the socket client gets clientOptions of its own (only the API URL), so it keeps
      // its library default of 100 retries for apps.connections.open. With our 5 it gave up during a
      // short Slack outage and the error escaped uncaught, ending the process
      // (slackapi/node-slack-sdk#2656).
      ...(socketMode
        ? { socketMode: true, appToken: settings.appToken, installerOptions: { clientOptions: { ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}) } } }
        : { receiver }),
      clientOptions: { ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}), retryConfig: { retries: 5, factor: 1.5, minTimeout: 200, maxTimeout: 5_000 } },
      // Bolt checks the token once at start-up (auth.test) and caches the bot's identity; without
      // that it would call auth.test before acknowledging every single command.
      logLevel: LogLevel.WARN,
    });
    this.client = this.app.client;
    this.app.command('/ftp', async ({ command, ack, respond }) => {
      await this.onCommand(command, ack, respond);
    });
    this.app.action<BlockButtonAction>(ACTION_IDS.recheck, async ({ ack, body, action, respond }) => {
      await ack();
      const { target } = JSON.parse(action.value ?? '{}') as { target?: string };
      const channel = body.channel?.id;
      if (!target || !channel) return;
      const refusal = (await this.admit(body.user.id, 'recheck', roleForButton(target))) ?? this.deps.answers.refuseSubject(target, channel);
      if (refusal) return void (await respond({ response_type: 'ephemeral', replace_original: false, text: refusal } as never).catch(() => undefined));
      await this.startCheck(channel, target, body.message?.ts);
    });
    this.app.action<BlockButtonAction>(ACTION_IDS.acknowledge, async ({ ack, body, action, respond }) => {
      await ack();
      const refusal = await this.admit(body.user.id, 'acknowledge', 'operator', false);
      if (refusal) return void (await respond({ response_type: 'ephemeral', replace_original: false, text: refusal } as never).catch(() => undefined));
      const { alert } = JSON.parse(action.value ?? '{}') as { alert?: string };
      if (!alert || !this.alerts) return;
      const open = await this.alerts.acknowledge(alert, body.user.id);
      if (!open) await respond({ response_type: 'ephemeral', replace_original: false, text: 'this incident is already resolved' } as never);
    });
    this.app.action<BlockButtonAction>(ACTION_IDS.mute, async ({ ack, body, action, respond }) => {
      await ack();
      const refusal = await this.admit(body.user.id, 'mute', 'operator', false);
      if (refusal) return void (await respond({ response_type: 'ephemeral', replace_original: false, text: refusal } as never).catch(() => undefined));
      const { target, minutes } = JSON.parse(action.value ?? '{}') as { target?: string; minutes?: number };
      if (!target || !minutes || !this.alerts) return;
      await this.alerts.mute(target, minutes, body.user.id);
      await respond({ response_type: 'ephemeral', replace_original: false, text: `${target}: no new alert threads for ${minutes} min (muted by <@${body.user.id}>)` } as never);
    });
    this.app.action<BlockButtonAction>(ACTION_IDS.runbook, async ({ ack, body, action, respond }) => {
      await ack();
      const { runbook, target } = JSON.parse(action.value ?? '{}') as { runbook?: string; target?: string };
      const channel = body.channel?.id;
      if (!runbook || !target || !channel) return;
      // The runbook runs in the thread of the message clicked: the alert's root, or the summary.
      const message = body.message as { ts?: string; thread_ts?: string } | undefined;
      const refusal = await this.admit(body.user.id, 'runbook', 'operator');
      if (refusal) return void (await respond({ response_type: 'ephemeral', replace_original: false, text: refusal } as never).catch(() => undefined));
      await this.openRunbook(runbook, target, channel, body.user.id, message?.thread_ts ?? message?.ts, (text) => respond({ response_type: 'ephemeral', replace_original: false, text } as never));
    });
    // One action id per runbook action (ftpops.rb.done, ftpops.rb.run-check, …).
    this.app.action<BlockButtonAction>(new RegExp(`^${ACTION_IDS.runbookStep.replace('.', '\\.')}\\.`), async ({ ack, body, action, respond }) => {
      await ack();
      const type = action.action_id.slice(ACTION_IDS.runbookStep.length + 1);
      const { s, v } = JSON.parse(action.value ?? '{}') as { s?: string; v?: number };
      const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text } as never).catch(() => undefined);
      if (!this.runbooks || typeof s !== 'string' || typeof v !== 'number') return void (await tell('runbooks are not running in this bot'));
      const refusal = await this.admit(body.user.id, `runbook ${type}`, 'operator', type === 'run-check');
      if (refusal) return void (await tell(refusal));
      try {
        await this.runbooks.act(s, type as never, v, body.user.id);
      } catch (err) {
        await tell(err instanceof StaleActionError ? `Nothing changed: ${err.message}.` : `⚠️ ${(err as Error).message}`);
      }
    });
  }

  useRunbooks(conductor: RunbookConductor): void {
    this.runbooks = conductor;
  }

  /** RunbookChat: post a message (in a thread) and return its ts. */
  async post(channel: string, message: ChatMessage, threadId?: string): Promise<string> {
    const r = renderBlocks(message);
    const posted = await this.client.chat.postMessage({ channel, text: r.text, blocks: r.blocks as never, ...(threadId ? { thread_ts: threadId } : {}) });
    if (!posted.ts) throw new Error('Slack returned no ts for the message');
    return posted.ts;
  }

  /** RunbookChat: edit a message in place. */
  async edit(channel: string, messageId: string, message: ChatMessage): Promise<void> {
    const r = renderBlocks(message);
    await this.client.chat.update({ channel, ts: messageId, text: r.text, blocks: r.blocks as never });
  }

  /** Start (or point at) a runbook session; `tell` answers the person who asked, privately. */
  private async openRunbook(query: string, target: string, channel: string, user: string, threadId: string | undefined, tell: (text: string) => Promise<unknown>): Promise<void> {
    const refusal = this.deps.answers.refuseTarget(target, channel);
    if (refusal || !this.runbooks) {
      await tell(refusal ?? 'runbooks are not running in this bot').catch(() => undefined);
      return;
    }
    try {
      const started = await this.runbooks.open({ query, target, platform: 'slack', channel, by: user, ...(threadId ? { threadId } : {}) });
      if (started.alreadyOpen) await tell(`The runbook "${started.runbook.title}" is already open in this thread; carry on there.`).catch(() => undefined);
    } catch (err) {
      const known = err instanceof RunbookRequestError || err instanceof StaleActionError;
      await tell(known ? (err as Error).message : `⚠️ cannot open the runbook: ${(err as Error).message}`).catch(() => undefined);
    }
  }

  useAlerts(alerts: AlertActions, status: StatusAnswers): void {
    this.alerts = alerts;
    this.status = status;
  }

  get describe(): string {
    return `Slack ${this.settings.appToken ? 'Socket Mode' : `HTTP on port ${this.settings.port}`}`;
  }

  async start(): Promise<void> {
    if (this.settings.appToken) await this.app.start();
  }

  async stop(): Promise<void> {
    if (this.settings.appToken) await this.app.stop();
  }

  /** DeliveryChannel: replace the progress message with newer progress or the final answer. */
  async show(delivery: Delivery, message: ChatMessage, final: boolean): Promise<void> {
    const rendering = renderBlocks(message);
    await this.client.chat.update({ channel: delivery.channel, ts: delivery.messageId, text: rendering.text, blocks: rendering.blocks as never });
    if (final) {
      for (const chunk of rendering.threadDetail ?? []) {
        await this.client.chat.postMessage({ channel: delivery.channel, thread_ts: delivery.messageId, text: chunk });
      }
    }
  }

  /** AlertChannel: an incident's root message, its edits and its thread. */
  async postRoot(channel: string, message: ChatMessage): Promise<string> {
    const r = renderBlocks(message);
    const posted = await this.client.chat.postMessage({ channel, text: r.text, blocks: r.blocks as never });
    if (!posted.ts) throw new Error('Slack returned no ts for the alert root');
    return posted.ts;
  }

  async updateRoot(channel: string, rootId: string, message: ChatMessage): Promise<void> {
    const r = renderBlocks(message);
    await this.client.chat.update({ channel, ts: rootId, text: r.text, blocks: r.blocks as never });
  }

  async reply(channel: string, rootId: string, message: ChatMessage): Promise<void> {
    const r = renderBlocks(message);
    await this.client.chat.postMessage({ channel, thread_ts: rootId, text: r.text, blocks: r.blocks as never });
  }

  /** Role and rate for this person (Slack user groups looked up only when access lists name some). */
  private async admit(user: string, what: string, need: Role, counted = true): Promise<string | undefined> {
    return this.deps.gate.admit({ platform: 'slack', user, groups: await this.groupsOf(user) }, what, need, counted);
  }

  private readonly groupMembers = new Map<string, { members: Set<string>; at: number }>();

  /** The Slack user groups (of those the access lists mention) this user is in; cached 5 minutes. */
  private async groupsOf(user: string): Promise<string[]> {
    const groups = this.deps.gate.policy().groupsMentioned().filter((g) => /^S[A-Z0-9]+$/.test(g));
    const mine: string[] = [];
    for (const group of groups) {
      let cached = this.groupMembers.get(group);
      if (!cached || Date.now() - cached.at > 5 * 60_000) {
        const answer = await this.client.usergroups.users.list({ usergroup: group }).catch(() => undefined);
        cached = { members: new Set(answer?.users ?? []), at: Date.now() };
        this.groupMembers.set(group, cached);
      }
      if (cached.members.has(user)) mine.push(group);
    }
    return mine;
  }

  private async onCommand(command: SlashCommand, ack: (r?: never) => Promise<void>, respond: (r: never) => Promise<unknown>): Promise<void> {
    const parsed = parseCommand(command.text ?? '');
    const denied = await this.admit(command.user_id, parsed.kind, roleFor(parsed));
    if (denied) {
      await ack({ response_type: 'ephemeral', text: denied } as never);
      return;
    }
    if (parsed.kind === 'mute') {
      const refusal = this.deps.answers.refuseTarget(parsed.target, command.channel_id);
      if (refusal || !this.alerts) {
        await ack({ response_type: 'ephemeral', text: refusal ?? 'alerts are not running in this bot' } as never);
        return;
      }
      await this.alerts.mute(parsed.target, parsed.minutes, command.user_id);
      await ack({ response_type: 'in_channel', text: `🔕 ${parsed.target}: no new alert threads for ${parsed.minutes} min (muted by <@${command.user_id}>)` } as never);
      return;
    }
    if (parsed.kind === 'runbook') {
      await ack();
      await this.openRunbook(parsed.query, parsed.target, command.channel_id, command.user_id, undefined, (text) => respond({ response_type: 'ephemeral', text } as never));
      return;
    }
    if (parsed.kind === 'status') {
      const refusal = parsed.target ? this.deps.answers.refuseTarget(parsed.target, command.channel_id) : undefined;
      if (refusal || !this.status) {
        await ack({ response_type: 'ephemeral', text: refusal ?? 'status is not available in this bot' } as never);
        return;
      }
      await ack();
      await this.postStatus(command.channel_id, parsed.target).catch(async (err: Error) => {
        await respond({ response_type: 'ephemeral', text: `⚠️ cannot show the status: ${err.message}` } as never).catch(() => undefined);
      });
      return;
    }
    if (parsed.kind !== 'check') {
      // Help, explain and targets are answered in the acknowledgement itself, to the asker only.
      const text = parsed.kind === 'help' ? this.deps.answers.help(parsed.problem) : parsed.kind === 'explain' ? this.deps.answers.explain(parsed.query) : this.deps.answers.targets(command.channel_id);
      const rendering = parsed.kind === 'help' && !parsed.problem ? renderBlocks(helpMessage()) : undefined;
      await ack({ response_type: 'ephemeral', text, ...(rendering ? { blocks: rendering.blocks } : {}) } as never);
      return;
    }
    const refusal = this.deps.answers.refuseSubject(parsed.target, command.channel_id);
    if (refusal) {
      await ack({ response_type: 'ephemeral', text: refusal } as never);
      return;
    }
    await ack();
    // Yield to the event loop first: in a burst, the other commands' acknowledgements (Slack
    // allows 3 s) go out before this one's follow-up work starts.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      await this.startCheck(command.channel_id, parsed.target);
    } catch (err) {
      await respond({ response_type: 'ephemeral', text: `⚠️ ${(err as Error).message}` } as never).catch(() => undefined);
    }
  }

  /** /ftp status: the words in the channel, and for one target its 24-hour chart as an image. */
  private async postStatus(channel: string, target: string | undefined): Promise<void> {
    const answer = target ? await this.status!.forTarget(target) : await this.status!.forTargets(this.deps.answers.targetNames(channel));
    const posted = await this.client.chat.postMessage({ channel, text: answer.text });
    if (answer.chart) {
      await this.client.files.uploadV2({
        channel_id: channel,
        ...(posted.ts ? { thread_ts: posted.ts } : {}),
        file: answer.chart.png,
        filename: answer.chart.filename,
        title: answer.chart.title,
      } as never);
    }
  }

  /** Post "checking …", then queue the check; the coordinator turns that message into the answer. */
  private async startCheck(channel: string, target: string, threadTs?: string): Promise<void> {
    const progress = renderBlocks(progressMessage(target, this.deps.answers.urlOf(target), []));
    const posted = await this.client.chat.postMessage({ channel, text: progress.text, blocks: progress.blocks as never, ...(threadTs ? { thread_ts: threadTs } : {}) });
    const delivery: Delivery = {
      id: randomUUID(),
      platform: 'slack',
      channel,
      messageId: posted.ts ?? '',
      target,
      deadlineAt: this.deps.coordinator.deadlineFor(target),
    };
    try {
      await this.deps.coordinator.request(delivery);
    } catch (err) {
      const text = err instanceof QueueUnavailableError ? err.message : `cannot start the check: ${(err as Error).message}`;
      await this.show(delivery, errorMessage(text), true);
    }
  }
}
