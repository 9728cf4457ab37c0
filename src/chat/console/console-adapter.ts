// The local web console as a chat platform: one conversation on this machine, in memory, shown
// by the page in ./static. What is typed and clicked goes to the router like Slack's and
// Discord's; the page receives the chat-neutral messages themselves (ChatMessage) and renders them.
import { randomUUID } from 'node:crypto';
import type { Incoming, MessageRef, Place, Responder } from '../../bot/incoming.js';
import { buttonId } from '../../bot/incoming.js';
import type { ChatMessage } from '../../bot/messages.js';
import type { Router } from '../../bot/router.js';
import type { ChatAdapter } from '../chat-adapter.js';
import { CONSOLE_CHANNEL } from '../../bot/alert-poster.js';

/** The person at the console: the operator of this machine (the access policy makes them admin). */
const USER = 'console';
/** Memory stays bounded however long the console runs. */
const MAX_ENTRIES = 1_000;

/** What a person typed, as the conversation shows it. */
export interface ConsoleText {
  kind: 'text';
  text: string;
  from: 'person';
}

export interface ConsoleEntry {
  id: string;
  /** The entry this one is a thread reply to. */
  threadId?: string;
  message: ChatMessage | ConsoleText;
  /** Only for the person who asked (an "ephemeral" answer in Slack's terms). */
  private?: boolean;
  at: number;
  updatedAt: number;
}

export class ConsoleAdapter implements ChatAdapter {
  private readonly entries = new Map<string, ConsoleEntry>();
  private readonly listeners = new Set<(entry: ConsoleEntry) => void>();
  private readonly closers = new Set<() => void>();

  constructor(readonly describe: string, private readonly router: Router) {}

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    this.listeners.clear();
    // Open event streams end now, so the HTTP server can stop without waiting for them.
    for (const close of this.closers) close();
    this.closers.clear();
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

  /** Called when the console stops (an event stream ends then); returns the unsubscribe. */
  onStop(close: () => void): () => void {
    this.closers.add(close);
    return () => this.closers.delete(close);
  }

  // ------------------------------------------------------------------ ChatOutbound

  async post(place: Place, message: ChatMessage): Promise<MessageRef> {
    return { channel: CONSOLE_CHANNEL, id: this.add(message, place.thread) };
  }

  async edit(ref: MessageRef, message: ChatMessage): Promise<void> {
    this.upsert(ref.id, message);
  }

  // ------------------------------------------------------------------ what the page sends

  /** A line typed into the console: "/ftp check demo-sftp", or just "check demo-sftp". */
  async command(line: string): Promise<void> {
    const text = line.trim().replace(/^\/ftp\b\s*/i, '');
    this.add({ kind: 'text', text: `/ftp ${text}`.slice(0, 500), from: 'person' });
    await this.router.handle(this.incoming({ kind: 'command', text }, undefined), this.responder(undefined));
  }

  /** A button clicked on an entry: the button's id as the page sent it back (untrusted). */
  async click(button: string, entryId: string): Promise<void> {
    const entry = this.entries.get(entryId);
    const thread = entry?.threadId;
    const incoming = this.incoming({ kind: 'click', button, message: { id: entryId, ...(thread ? { thread } : {}) } }, thread);
    await this.router.handle(incoming, this.responder(thread ?? (entry ? entryId : undefined)));
  }

  private incoming(what: Incoming['what'], thread: string | undefined): Incoming {
    return { platform: 'console', user: USER, groups: async () => [], where: { channel: CONSOLE_CHANNEL, ...(thread ? { thread } : {}) }, what };
  }

  /** Private answers go where the person is (the thread of what they clicked). */
  private responder(privateThread: string | undefined): Responder {
    return {
      private: async (message) => void this.add(message, privateThread, true),
      post: async (message, thread) => ({ channel: CONSOLE_CHANNEL, id: this.add(message, thread) }),
    };
  }

  // ------------------------------------------------------------------ inside

  private add(message: ChatMessage | ConsoleText, threadId?: string, isPrivate = false): string {
    const id = randomUUID();
    const now = Date.now();
    const entry: ConsoleEntry = { id, message, at: now, updatedAt: now, ...(threadId && this.entries.has(threadId) ? { threadId } : {}), ...(isPrivate ? { private: true } : {}) };
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

/**
 * An entry as the page gets it (JSON): each button with the id a click sends back, a chart as a
 * data: URL.
 */
export function entryForPage(entry: ConsoleEntry): unknown {
  const m = entry.message;
  const actions = 'actions' in m ? { actions: m.actions.map((a) => ({ ...a, id: buttonId(a) })) } : {};
  const png = m.kind === 'status' || m.kind === 'report' ? m.chart?.png : undefined;
  const chart = png ? { chart: undefined, image: `data:image/png;base64,${png.toString('base64')}` } : {};
  return { ...entry, message: { ...m, ...actions, ...chart } };
}
