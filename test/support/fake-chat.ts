// A chat platform in memory, for testing the router and the services without any transport: it
// records what the bot says (privately, posted, edited) and builds the Incoming a command or a
// click would arrive as.
import type { ChatOutbound, Incoming, MessageRef, Place, Responder, Where } from '../../src/bot/incoming.js';
import type { ChatMessage, ChatPlatform } from '../../src/bot/messages.js';
import type { Router } from '../../src/bot/router.js';

export interface Said {
  how: 'private' | 'post' | 'edit';
  message: ChatMessage;
  place?: Place;
  ref: MessageRef;
  /** Who it was said to (private answers). */
  to?: string;
}

export interface Person {
  user: string;
  groups?: string[];
}

export class FakeChat implements ChatOutbound {
  readonly said: Said[] = [];
  private n = 0;

  constructor(readonly platform: ChatPlatform, private readonly router: Router) {}

  /**
   * Called as a message is posted, before the bot hears back (awaited: a slow platform answer):
   * for what a very fast person does while the bot still waits for its message's id.
   */
  onPost?: (said: Said) => void | Promise<void>;

  async post(place: Place, message: ChatMessage): Promise<MessageRef> {
    const ref = { channel: place.channel, id: `m${++this.n}` };
    this.said.push({ how: 'post', message, place, ref });
    await this.onPost?.(this.said.at(-1)!);
    return ref;
  }

  async edit(ref: MessageRef, message: ChatMessage): Promise<void> {
    this.said.push({ how: 'edit', message, ref });
  }

  /** What was said since `from` (an index into said). */
  since(from: number): Said[] {
    return this.said.slice(from);
  }

  async command(text: string, who: Person, where: Where): Promise<Said[]> {
    const from = this.said.length;
    await this.router.handle(this.incoming(who, where, { kind: 'command', text }), this.responder(who, where));
    return this.since(from);
  }

  async click(button: string, who: Person, where: Where, message: { id: string; thread?: string }): Promise<Said[]> {
    const from = this.said.length;
    await this.router.handle(this.incoming(who, where, { kind: 'click', button, message }), this.responder(who, where));
    return this.since(from);
  }

  /** Group lookups asked of this platform (Slack asks its API; the router should ask only when needed). */
  readonly groupLookups: string[][] = [];

  private incoming(who: Person, where: Where, what: Incoming['what']): Incoming {
    return {
      platform: this.platform,
      user: who.user,
      groups: async (mentioned) => {
        this.groupLookups.push(mentioned);
        return (who.groups ?? []).filter((g) => mentioned.includes(g));
      },
      where,
      what,
    };
  }

  private responder(who: Person, where: Where): Responder {
    return {
      private: async (message) => {
        this.said.push({ how: 'private', message, to: who.user, ref: { channel: where.channel, id: `p${++this.n}` } });
      },
      post: (message, thread) => this.post({ channel: where.channel, ...(thread ?? where.thread ? { thread: thread ?? where.thread } : {}) }, message),
    };
  }
}
