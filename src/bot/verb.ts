// The shape of a verb (a /ftp command or a button): what it needs (role, rate), what it acts on
// (for channel scope and the audit record), and what it does. The router runs every verb the
// same way (router.ts); commands.ts and buttons.ts list them.
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { TargetsFile } from '../config/targets-file.js';
import type { RunbookLibrary } from '../runbooks/runbook.js';
import type { Role } from './access.js';
import type { AlertPoster } from './alert-poster.js';
import type { CheckCoordinator } from './check-coordinator.js';
import type { ChatOutbounds, Incoming, Responder } from './incoming.js';
import type { Rich } from './rich.js';
import type { RunbookConductor } from './runbook-conductor.js';
import type { ChannelScope, ScopeChannel } from './scope.js';
import type { StatusAnswers } from './status-answer.js';
import type { IdentityDesk } from './identity-desk.js';
import type { ReportAnswers } from './report-answer.js';
import type { DeliveryBoardReader } from '../deliveries/delivery-board-reader.js';

/** What verbs act through. Built once, before any adapter listens. */
export interface BotServices {
  config: () => TargetsFile;
  knowledge: KnowledgeBase;
  library: RunbookLibrary;
  scope: ChannelScope;
  checks: Pick<CheckCoordinator, 'request' | 'deadlineFor'>;
  alerts: Pick<AlertPoster, 'mute' | 'acknowledge'>;
  status: Pick<StatusAnswers, 'forTarget' | 'forTargets'>;
  /** /ftp report (optional so that routers built without history still work). */
  reports?: Pick<ReportAnswers, 'forTarget'>;
  runbooks: Pick<RunbookConductor, 'open' | 'act' | 'sessionPlace'>;
  /** Server identity: /ftp identity and the Accept / Suspicious buttons. */
  identity: Pick<IdentityDesk, 'describe' | 'accept' | 'suspicious'>;
  /** To edit what a verb posted (a check's "checking…" that cannot be queued). */
  outbounds: ChatOutbounds;
  /** Today's expected deliveries, as the workers last judged them. */
  deliveries: Pick<DeliveryBoardReader, 'rows'>;
}

/** One run of a verb: who asked where, how to answer, and the services. */
export interface Act {
  incoming: Incoming;
  reply: Responder;
  /** The channel whose access applies (a thread's parent). */
  scope: ScopeChannel;
  services: BotServices;
}

export interface Verb<A> {
  /** The name in the audit record: the same on every platform. */
  name: string;
  need(args: A): Role;
  /** Counts against the per-person rate (commands, and buttons that start work). */
  counted: boolean;
  /** The target (or ad-hoc URL) it acts on, for the audit record. */
  subject?(args: A): string | undefined;
  /** Whether this channel may do it to that subject: a refusal, or undefined. */
  refuse?(args: A, act: Act): Promise<Rich | undefined> | Rich | undefined;
  run(args: A, act: Act): Promise<void>;
}

/** A /ftp command: its help line, its Discord options (in the order its text takes them), its parser. */
export interface CommandVerb<A> extends Verb<A> {
  usage: string;
  description: string;
  options: CommandOption[];
  /**
   * The words after the verb → its arguments, or a one-line problem with the help text. `rest`
   * is the same text whole (line ends kept, up to 4,000 characters), for a verb that takes
   * pasted text rather than words.
   */
  parse(words: string[], rest: string): A | { problem: Rich };
}

export interface CommandOption {
  name: string;
  description: string;
  required: boolean;
  /** Offer completions from the channel's targets or the runbooks. */
  complete?: 'target' | 'runbook';
}

/** Kept loose where verbs of different argument types sit side by side in one table. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommandVerb = CommandVerb<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyVerb = Verb<any>;

/** What every verb that acts on one configured target shares: operators only, and the channel must be allowed the target. */
export function actsOnTarget<A extends { target: string }>(): Required<Pick<Verb<A>, 'need' | 'subject' | 'refuse'>> {
  return {
    need: () => 'operator',
    subject: (a) => a.target,
    refuse: (a, act) => act.services.scope.refuseTarget(a.target, act.scope),
  };
}

export function isProblem<A>(parsed: A | { problem: Rich }): parsed is { problem: Rich } {
  return typeof parsed === 'object' && parsed !== null && 'problem' in parsed;
}
