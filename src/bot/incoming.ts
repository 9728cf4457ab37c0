// What crosses the seam between a chat platform and the router. An adapter turns its wire format
// (a Slack slash command or block_actions payload, a Discord interaction, a console POST) into
// one Incoming, and gives the router a Responder to answer through; services reach chat through
// a ChatOutbound (post, edit). Everything here is platform-free.
import { isAdhocUrl } from '../probes/target-url.js';
import type { RunbookActionType } from '../runbooks/runbook-session.js';
import type { ChatAction, ChatMessage, ChatPlatform } from './messages.js';
import type { AlertOrigin } from '../alerts/incidents.js';

/** A message the bot posted, as its platform names it: enough to edit it or to thread under it. */
export interface MessageRef {
  /** The channel it was posted to (for a thread reply: the thread's parent channel). */
  channel: string;
  /** The platform's own id, opaque outside its adapter (Slack: ts; Discord: "thread/message" or "i:<interaction>"). */
  id: string;
}

/** Where to post: a channel, or the thread under one of its messages. */
export interface Place {
  channel: string;
  /** The thread's root message id (or, where the platform has thread channels, the thread's id). */
  thread?: string;
}

/** Where something was said. */
export interface Where {
  /** The channel; for something said in a thread, the thread's parent (access follows the channel). */
  channel: string;
  /** The thread it was said in, if any. */
  thread?: string;
  /** A direct message with the bot: no channel, no roles, so no access to anything. */
  dm?: boolean;
  /** Discord: the server (guild) it came from. */
  guild?: string;
}

export type What =
  | { kind: 'command'; text: string }
  /**
   * A click: the button's id as the platform gave it back (untrusted), and the message it sat on
   * (`private`: an answer only the clicker sees, which no thread can hang off).
   */
  | { kind: 'click'; button: string; message: { id: string; thread?: string; private?: boolean } };

export interface Incoming {
  platform: ChatPlatform;
  /** The person's id on that platform. */
  user: string;
  /**
   * The groups (Slack user groups, Discord roles) the person is in, of those given: asked only
   * when the access lists name groups (a Slack lookup costs an API call).
   */
  groups(mentioned: string[]): Promise<string[]>;
  where: Where;
  what: What;
}

/** How the router answers the person who asked. */
export interface Responder {
  /** Only the person who asked sees it. */
  private(message: ChatMessage): Promise<void>;
  /** Everyone there sees it: in `thread` when given, else where the person is. Resolves with its ref. */
  post(message: ChatMessage, thread?: string): Promise<MessageRef>;
}

/** How services (check answers, alert threads, runbook steps) reach a platform. */
export interface ChatOutbound {
  post(place: Place, message: ChatMessage): Promise<MessageRef>;
  /** Replace a message (when it no longer exists, the adapter may post it anew). */
  edit(ref: MessageRef, message: ChatMessage): Promise<void>;
}

export type ChatOutbounds = Partial<Record<ChatPlatform, ChatOutbound>>;

// ---------------------------------------------------------------------------- the button codec

/** A click, decoded: every field checked for shape; what it names is checked again by the router. */
export type Button =
  | { kind: 'recheck'; subject: string }
  | { kind: 'open-runbook'; runbook: string; target: string }
  | { kind: 'acknowledge'; target: string; origin: AlertOrigin }
  | { kind: 'mute'; target: string; minutes: number }
  | { kind: 'runbook-step'; session: string; version: number; action: RunbookActionType }
  | { kind: 'identity'; decision: 'accept' | 'suspicious'; change: string; target: string };

/** The longest mute a click or a command may ask for: 7 days. */
export const MAX_MUTE_MINUTES = 7 * 24 * 60;

const NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/i;
const SESSION = /^[0-9a-f]{6,64}$/;
/** Identity decisions: one button kind each, so Slack's action ids stay unique in the message. */
const IDENTITY_DECISIONS = { idaccept: 'accept', idsuspect: 'suspicious' } as const;
/** An expected delivery's incident: its name, and the local date of the due time for an arrival. */
const DELIVERY_ORIGIN = /^[a-z0-9][a-z0-9._-]{0,63}(?:@\d{4}-\d\d-\d\d)?$/i;
const STEP_ACTIONS: readonly RunbookActionType[] = ['done', 'skip', 'back', 'yes', 'no', 'run-check'];

/** The id a button carries: "recheck:prod-sftp", "mute:60:prod-sftp", "rb:done:1a2b3c:4". */
export function buttonId(action: ChatAction): string {
  switch (action.kind) {
    case 'recheck':
      return `recheck:${action.target}`;
    case 'open-runbook':
      return `runbook:${action.runbook}:${action.target}`;
    case 'acknowledge':
      return `ack:${action.alert}`;
    case 'mute':
      return `mute:${action.minutes}:${action.target}`;
    case 'runbook-step':
      return `rb:${action.action}:${action.session}:${action.version}`;
    case 'identity-decision':
      return `${action.decision === 'accept' ? 'idaccept' : 'idsuspect'}:${action.change}:${action.target}`;
  }
}

/** A button id as a click brings it back; undefined for anything that is not one of ours. */
export function decodeButton(id: string): Button | undefined {
  if (typeof id !== 'string' || id.length > 600) return undefined;
  const [kind, ...rest] = id.split(':');
  switch (kind) {
    case 'recheck': {
      const subject = rest.join(':');
      return NAME.test(subject) || (isAdhocUrl(subject) && subject.length <= 500) ? { kind: 'recheck', subject } : undefined;
    }
    case 'runbook': {
      const [runbook, target, ...extra] = rest;
      return runbook && target && !extra.length && NAME.test(runbook) && NAME.test(target) ? { kind: 'open-runbook', runbook, target } : undefined;
    }
    case 'ack': {
      const [target, origin, ...extra] = rest;
      if (target && NAME.test(target) && origin === 'delivery' && extra.length === 1 && DELIVERY_ORIGIN.test(extra[0]!)) return { kind: 'acknowledge', target, origin: `delivery:${extra[0]}` };
      return target && NAME.test(target) && (origin === 'check' || origin === 'logs') && !extra.length ? { kind: 'acknowledge', target, origin } : undefined;
    }
    case 'mute': {
      const [minutes, target, ...extra] = rest;
      const n = Number(minutes);
      const sane = /^\d{1,5}$/.test(minutes ?? '') && n >= 1 && n <= MAX_MUTE_MINUTES;
      return sane && target && NAME.test(target) && !extra.length ? { kind: 'mute', target, minutes: n } : undefined;
    }
    case 'rb': {
      const [action, session, version, ...extra] = rest;
      const v = Number(version);
      const ok = STEP_ACTIONS.includes(action as RunbookActionType) && SESSION.test(session ?? '') && /^\d{1,9}$/.test(version ?? '') && !extra.length;
      return ok ? { kind: 'runbook-step', session: session!, version: v, action: action as RunbookActionType } : undefined;
    }
    case 'idaccept':
    case 'idsuspect': {
      const [change, target, ...extra] = rest;
      return change && SESSION.test(change) && target && NAME.test(target) && !extra.length ? { kind: 'identity', decision: IDENTITY_DECISIONS[kind], change, target } : undefined;
    }
    default:
      return undefined;
  }
}
