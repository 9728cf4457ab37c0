// The local web console as a chat platform: one conversation on this machine, in memory, shown
// by the page in ./static. It answers the same /ftp commands and buttons as Slack and Discord,
// through the same coordinator, alert poster and runbook conductor; the page receives the
// chat-neutral messages themselves (ChatMessage) and renders them.
import { randomUUID } from 'node:crypto';
import type { CheckCoordinator } from '../../bot/check-coordinator.js';
import type { AlertActions, ChatAdapter } from '../chat-adapter.js';
import type { ChatCommandAnswers } from '../../bot/scope.js';
import { parseCommand } from '../../bot/commands.js';
import type { Delivery } from '../../bot/delivery-book.js';
import { type ChatAction, type ChatMessage, errorMessage, helpMessage, progressMessage } from '../../bot/messages.js';
import { type RunbookConductor, RunbookRequestError } from '../../bot/runbook-conductor.js';
import type { StatusAnswers } from '../../bot/status-answer.js';
import { CONSOLE_CHANNEL } from '../../bot/alert-poster.js';
import { StaleActionError } from '../../runbooks/runbook-session.js';
import { QueueUnavailableError } from '../../queue/check-queue.js';

/** Plain words in the conversation: what a person typed, or a short answer of the bot's. */
export interface ConsoleText {
  kind: 'text';
  text: string;
  from: 'person' | 'bot';
  /** Only for the person who asked (an "ephemeral" answer in Slack's terms). */
  private?: boolean;
  /** A PNG as a data: URL (the /ftp status chart). */
  image?: string;
}

export interface ConsoleEntry {
  id: string;
  /** The entry this one is a thread reply to. */
  threadId?: string;
  message: ChatMessage | ConsoleText;
  at: number;
  updatedAt: number;
}

/** Memory stays bounded however long the console runs. */
const MAX_ENTRIES = 1_000;
const USER = 'console';

export class ConsoleChat implements ChatAdapter {
  private readonly entries = new Map<string, ConsoleEntry>();
  private readonly listeners = new Set<(entry: ConsoleEntry) => void>();
  private alerts: AlertActions | undefined;
  private status: StatusAnswers | undefined;
  private runbooks: RunbookConductor | undefined;

  constructor(
    readonly describe: string,
    private readonly deps: { coordinator: CheckCoordinator; answers: ChatCommandAnswers },
  ) {}

  useAlerts(alerts: AlertActions, status: StatusAnswers): void {
    this.alerts = alerts;
    this.status = status;
  }

  useRunbooks(conductor: RunbookConductor): void {
    this.runbooks = conductor;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    this.listeners.clear();
    // Open event streams end now, so the HTTP server can stop without waiting for them.
    for (const close of this.closers) close();
    this.closers.clear();
  }

  private readonly closers = new Set<() => void>();

  /** Called when the console stops (an event stream ends then); returns the unsubscribe. */
  onStop(close: () => void): () => void {
    this.closers.add(close);
    return () => this.closers.delete(close);
  }

  /** Everything so far, oldest first, for a page that just opened. */
  snapshot(): ConsoleEntry[] {
    return [...this.entries.values()];
  }

  /** Every new or changed entry, as it happens; returns the unsubscribe. */
  subscribe(listener: (entry: ConsoleEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ------------------------------------------------------------------ ChatAdapter

  async show(delivery: Delivery, message: ChatMessage): Promise<void> {
    this.upsert(delivery.messageId, message);
  }

  async postRoot(_channel: string, message: ChatMessage): Promise<string> {
    return this.add(message);
  }

  async updateRoot(_channel: string, rootId: string, message: ChatMessage): Promise<void> {
    this.upsert(rootId, message);
  }

  async reply(_channel: string, rootId: string, message: ChatMessage): Promise<void> {
    this.add(message, rootId);
  }

  async post(_channel: string, message: ChatMessage, threadId?: string): Promise<string> {
    return this.add(message, threadId);
  }

  async edit(_channel: string, messageId: string, message: ChatMessage): Promise<void> {
    this.upsert(messageId, message);
  }

  // ------------------------------------------------------------------ what the page sends

  /** A line typed into the console: "/ftp check demo-sftp", or just "check demo-sftp". */
  async command(line: string): Promise<void> {
    const text = line.trim().replace(/^\/ftp\b\s*/i, '');
    this.add({ kind: 'text', text: `/ftp ${text}`.slice(0, 500), from: 'person' });
    const parsed = parseCommand(text);
    const say = (words: string, isPrivate = true) => void this.add({ kind: 'text', text: words, from: 'bot', private: isPrivate });
    // The console is the operator's own, on this machine: every configured target is allowed.
    const refusal = 'target' in parsed && parsed.target ? this.deps.answers.refuseSubject(parsed.target) : undefined;
    if (refusal) return say(refusal);
    switch (parsed.kind) {
      case 'help':
        if (parsed.problem) return say(this.deps.answers.help(parsed.problem));
        this.add(helpMessage());
        return;
      case 'explain':
        return say(this.deps.answers.explain(parsed.query));
      case 'targets':
        return say(this.deps.answers.targets());
      case 'mute':
        if (!this.alerts) return say('alerts are not running');
        await this.alerts.mute(parsed.target, parsed.minutes, USER);
        return say(`🔕 ${parsed.target}: no new alert threads for ${parsed.minutes} min`, false);
      case 'status': {
        if (!this.status) return say('status is not available');
        const answer = parsed.target ? await this.status.forTarget(parsed.target) : await this.status.forTargets(this.deps.answers.targetNames());
        this.add({ kind: 'text', text: answer.text, from: 'bot', ...(answer.chart ? { image: `data:image/png;base64,${answer.chart.png.toString('base64')}` } : {}) });
        return;
      }
      case 'runbook':
        return this.openRunbook(parsed.query, parsed.target, undefined);
      case 'check':
        return this.startCheck(parsed.target, undefined);
    }
  }

  /** A button on an entry. */
  async action(action: ChatAction, entryId: string): Promise<void> {
    const entry = this.entries.get(entryId);
    const thread = entry?.threadId ?? entryId;
    const say = (words: string) => void this.add({ kind: 'text', text: words, from: 'bot', private: true }, thread);
    switch (action.kind) {
      case 'recheck': {
        const refusal = this.deps.answers.refuseSubject(action.target);
        if (refusal) return say(refusal);
        return this.startCheck(action.target, thread);
      }
      case 'open-runbook':
        return this.openRunbook(action.runbook, action.target, thread);
      case 'acknowledge':
        if (this.alerts && !(await this.alerts.acknowledge(action.alert, USER))) say('this incident is already resolved');
        return;
      case 'mute':
        await this.alerts?.mute(action.target, action.minutes, USER);
        return say(`🔕 ${action.target}: no new alert threads for ${action.minutes} min`);
      case 'runbook-step':
        if (!this.runbooks) return say('runbooks are not running');
        try {
          await this.runbooks.act(action.session, action.action, action.version, USER);
        } catch (err) {
          say(err instanceof StaleActionError ? `Nothing changed: ${err.message}.` : `⚠️ ${(err as Error).message}`);
        }
    }
  }

  // ------------------------------------------------------------------ inside

  private async startCheck(target: string, threadId: string | undefined): Promise<void> {
    const id = this.add(progressMessage(target, this.deps.answers.urlOf(target), []), threadId);
    const delivery: Delivery = { id: randomUUID(), platform: 'console', channel: CONSOLE_CHANNEL, messageId: id, target, deadlineAt: this.deps.coordinator.deadlineFor(target) };
    try {
      await this.deps.coordinator.request(delivery);
    } catch (err) {
      this.upsert(id, errorMessage(err instanceof QueueUnavailableError ? err.message : `cannot start the check: ${(err as Error).message}`));
    }
  }

  private async openRunbook(query: string, target: string, threadId: string | undefined): Promise<void> {
    const say = (words: string) => void this.add({ kind: 'text', text: words, from: 'bot', private: true }, threadId);
    if (!this.runbooks) return say('runbooks are not running');
    try {
      const started = await this.runbooks.open({ query, target, platform: 'console', channel: CONSOLE_CHANNEL, by: USER, ...(threadId ? { threadId } : {}) });
      if (started.alreadyOpen) say(`The runbook "${started.runbook.title}" is already open in this thread; carry on there.`);
    } catch (err) {
      say(err instanceof RunbookRequestError || err instanceof StaleActionError ? (err as Error).message : `⚠️ cannot open the runbook: ${(err as Error).message}`);
    }
  }

  private add(message: ChatMessage | ConsoleText, threadId?: string): string {
    const id = randomUUID();
    const now = Date.now();
    const entry: ConsoleEntry = { id, message, at: now, updatedAt: now, ...(threadId && this.entries.has(threadId) ? { threadId } : {}) };
    this.entries.set(id, entry);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.emit(entry);
    return id;
  }

  /** Replace an entry's message; an entry this console no longer has (a restart) is added anew. */
  private upsert(id: string, message: ChatMessage): void {
    const entry = this.entries.get(id);
    if (!entry) {
      this.add(message);
      return;
    }
    const next = { ...entry, message, updatedAt: Date.now() };
    this.entries.set(id, next);
    this.emit(next);
  }

  private emit(entry: ConsoleEntry): void {
    for (const listener of this.listeners) listener(entry);
  }
}
