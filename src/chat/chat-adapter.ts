// A chat platform's adapter: a transport, nothing more. It turns its wire format into an Incoming
// for the router (src/bot/router.ts) with a Responder to answer through, and carries the bot's
// messages out (post, edit) rendered for its platform. It decides nothing about commands or
// buttons. Slack, Discord and the web console each have one; main.ts wires them to one router.
import type { ChatOutbound } from '../bot/incoming.js';

export interface ChatAdapter extends ChatOutbound {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One line for the start-up message: "Slack HTTP on port 3000". */
  readonly describe: string;
  /** Whether its connection to the platform is up, for /readyz; absent: always (nothing to lose). */
  connected?(): boolean;
}
