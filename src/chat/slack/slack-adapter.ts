// The Slack transport: Bolt over HTTP (signing secret; served by the bot's own HTTP server) or
// Socket Mode (app token). Every /ftp command and button click is acknowledged at once, then
// handed to the router as an Incoming; answers go out through response_url (private) and
// chat.postMessage / chat.update. The only place, with its renderer, that imports @slack/*.
// Named imports: Node reads them from Bolt's CommonJS, and so does vitest (a default import is
// the App class there, not the module).
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { App as BoltApp, BlockButtonAction, RespondFn } from '@slack/bolt';
import { type WebClient, WebClientEvent } from '@slack/web-api';
import { processMetrics } from '../../metrics/metrics.js';
import type { HttpRoute } from '../../http/http-server.js';
import type { Incoming, MessageRef, Place, Responder } from '../../bot/incoming.js';
import { type ChatMessage, chartOf } from '../../bot/messages.js';
import type { Router } from '../../bot/router.js';
import type { ChatAdapter } from '../chat-adapter.js';
import type { SlackSettings } from '../chat-settings.js';
import { ACTION_PREFIX, renderBlocks, type SlackRendering } from './render-blocks.js';

/** How long a user group's members are trusted before Slack is asked again. */
const GROUP_CACHE_MS = 5 * 60_000;

export class SlackAdapter implements ChatAdapter {
  readonly app: BoltApp;
  /** Over HTTP: Slack's events endpoint, served by the bot's own HTTP server (src/http). */
  readonly routes: HttpRoute[] = [];
  private readonly client: WebClient;
  private readonly groupMembers = new Map<string, { members: Set<string>; at: number }>();

  constructor(private readonly settings: SlackSettings, private readonly router: Router) {
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
      logLevel: LogLevel.WARN,
    });
    this.client = this.app.client;
    // The Web API client retries rate-limited calls by itself; count them.
    this.client.on(WebClientEvent.RATE_LIMITED, () => processMetrics().chatRetry('slack'));
    this.app.command('/ftp', async ({ command, ack, respond }) => {
      // Acknowledge first (Slack allows 3 s): every refusal and answer follows through response_url.
      await ack();
      const incoming: Incoming = {
        platform: 'slack',
        user: command.user_id,
        groups: (mentioned) => this.groupsOf(command.user_id, mentioned),
        where: { channel: command.channel_id },
        what: { kind: 'command', text: command.text ?? '' },
      };
      await this.router.handle(incoming, this.responder(command.channel_id, respond));
    });
    this.app.action<BlockButtonAction>(new RegExp(`^${ACTION_PREFIX.replace('.', '\\.')}`), async ({ ack, body, action, respond }) => {
      await ack();
      // A click on an ephemeral message (a private answer) comes without `message`: only its
      // container names it, and no thread can hang off it.
      const container = (body as { container?: { channel_id?: string; message_ts?: string; thread_ts?: string; is_ephemeral?: boolean } }).container;
      const channel = body.channel?.id ?? container?.channel_id;
      const message = body.message as { ts?: string; thread_ts?: string } | undefined;
      const ts = message?.ts ?? container?.message_ts;
      if (!channel || !ts) return;
      const threadTs = message?.thread_ts ?? container?.thread_ts;
      const thread = threadTs && threadTs !== ts ? threadTs : undefined;
      const incoming: Incoming = {
        platform: 'slack',
        user: body.user.id,
        groups: (mentioned) => this.groupsOf(body.user.id, mentioned),
        where: { channel, ...(thread ? { thread } : {}) },
        what: { kind: 'click', button: action.value ?? '', message: { id: ts, ...(thread ? { thread } : {}), ...(container?.is_ephemeral ? { private: true } : {}) } },
      };
      await this.router.handle(incoming, this.responder(channel, respond, true));
    });
  }

  get describe(): string {
    return `Slack ${this.settings.appToken ? 'Socket Mode' : `HTTP on port ${this.settings.port}`}`;
  }

  async start(): Promise<void> {
    if (this.settings.appToken) {
      // Socket Mode: the socket client says when it loses and regains Slack (for /readyz).
      const socket = (this.app as unknown as { receiver?: { client?: { on(event: string, listener: () => void): void } } }).receiver?.client;
      socket?.on('connected', () => (this.up = true));
      socket?.on('disconnected', () => (this.up = false));
      socket?.on('reconnecting', () => (this.up = false));
      await this.app.start();
    }
    this.up = true;
  }

  async stop(): Promise<void> {
    this.up = false;
    if (this.settings.appToken) await this.app.stop();
  }

  /** Over HTTP there is no connection to lose: up once started. */
  connected(): boolean {
    return this.up;
  }

  private up = false;

  // ------------------------------------------------------------------ ChatOutbound

  async post(place: Place, message: ChatMessage): Promise<MessageRef> {
    const r = renderBlocks(message);
    const posted = await this.client.chat.postMessage({ channel: place.channel, text: r.text, blocks: r.blocks as never, ...(place.thread ? { thread_ts: place.thread } : {}) });
    if (!posted.ts) throw new Error('Slack returned no ts for the message');
    const ref = { channel: place.channel, id: posted.ts };
    await this.postExtras(ref, message, r);
    return ref;
  }

  async edit(ref: MessageRef, message: ChatMessage): Promise<void> {
    const r = renderBlocks(message);
    await this.client.chat.update({ channel: ref.channel, ts: ref.id, text: r.text, blocks: r.blocks as never });
    await this.postExtras(ref, message, r);
  }

  /** What does not fit in a message goes to its thread: clipped detail, a status chart. */
  private async postExtras(ref: MessageRef, message: ChatMessage, r: SlackRendering): Promise<void> {
    for (const chunk of r.threadDetail ?? []) await this.client.chat.postMessage({ channel: ref.channel, thread_ts: ref.id, text: chunk });
    const chart = chartOf(message);
    if (chart) {
      const { png, filename, title } = chart;
      await this.client.files.uploadV2({ channel_id: ref.channel, thread_ts: ref.id, file: png, filename, title } as never);
    }
  }

  // ------------------------------------------------------------------ answering the asker

  private responder(channel: string, respond: RespondFn, click = false): Responder {
    return {
      private: async (message) => {
        const r = renderBlocks(message);
        // A click's private answer must not replace the message the button sits on.
        await respond({ response_type: 'ephemeral', text: r.text, blocks: r.blocks as never, ...(click ? { replace_original: false } : {}) } as never);
      },
      post: (message, thread) => this.post({ channel, ...(thread ? { thread } : {}) }, message),
    };
  }

  /** The user groups (of those the access lists name) this person is in; cached a few minutes. */
  private async groupsOf(user: string, mentioned: string[]): Promise<string[]> {
    const mine: string[] = [];
    for (const group of mentioned.filter((g) => /^S[A-Z0-9]+$/.test(g))) {
      let cached = this.groupMembers.get(group);
      if (!cached || Date.now() - cached.at > GROUP_CACHE_MS) {
        const answer = await this.client.usergroups.users.list({ usergroup: group }).catch(() => undefined);
        cached = { members: new Set(answer?.users ?? []), at: Date.now() };
        this.groupMembers.set(group, cached);
      }
      if (cached.members.has(user)) mine.push(group);
    }
    return mine;
  }
}

