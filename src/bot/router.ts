// The one place that decides what a /ftp command or a click does, for every platform:
//   Incoming → where it may be said → the verb → role → rate → channel scope → the act → Reply
// and one audit record for each, refused or done. Adapters only translate (chat/*).
import { log } from '../log.js';
import { AccessPolicy, type Principal } from './access.js';
import type { RateGate } from './access-gate.js';
import { buttonCounted, buttonVerb } from './buttons.js';
import { COMMANDS, helpWithProblem, parseCommand } from './commands.js';
import { decodeButton, type Incoming, type Responder } from './incoming.js';
import { notice } from './messages.js';
import { replies } from './replies.js';
import { plainOf, type Rich } from './rich.js';
import { ALERT_CLASSES } from '../alerts/alert-classes.js';
import type { Act, AnyVerb, BotServices } from './verb.js';

/** What happened to one command or click, the same on every platform. */
export interface AuditRecord {
  event: 'chat';
  outcome: 'done' | 'refused' | 'failed';
  platform: Incoming['platform'];
  user: string;
  channel: string;
  /** check, recheck, mute, acknowledge, runbook-step.done, … (help for what did not parse). */
  verb: string;
  target?: string;
  /** For a refusal or a failure: the words said (or logged). */
  why?: string;
}

export interface RouterOptions {
  services: BotServices;
  rate: RateGate;
  /** Where audit records go; the log by default. */
  audit?: (record: AuditRecord) => void;
}

export class Router {
  private readonly audit: (record: AuditRecord) => void;

  constructor(private readonly options: RouterOptions) {
    this.audit = options.audit ?? logAudit;
  }

  /** Decide and act on one command or click; never throws (a failure is said to the person). */
  async handle(incoming: Incoming, reply: Responder): Promise<void> {
    const base = { event: 'chat' as const, platform: incoming.platform, user: incoming.user, channel: incoming.where.channel };
    const record = (outcome: AuditRecord['outcome'], verb: string, target?: string, why?: Rich | string) =>
      this.audit({ ...base, outcome, verb, ...(target !== undefined ? { target } : {}), ...(why !== undefined ? { why: typeof why === 'string' ? why : plainOf(why) } : {}) });
    const refuse = async (verb: string, why: Rich, target?: string) => {
      record('refused', verb, target, why);
      await reply.private(notice(why)).catch(() => undefined);
    };

    const chosen = this.choose(incoming);
    if ('problem' in chosen) return refuse(chosen.name, chosen.problem);
    const { verb, args, name, counted } = chosen;
    const target = verb.subject?.(args);
    const where = this.refuseWhere(incoming);
    if (where) return refuse(name, where, target);

    const principal: Principal = { platform: incoming.platform, user: incoming.user };
    const policy = new AccessPolicy(this.options.services.config().access);
    const mentioned = policy.groupsMentioned();
    if (mentioned.length) principal.groups = await incoming.groups(mentioned).catch(() => []);
    const act: Act = { incoming, reply, scope: { platform: incoming.platform, channel: incoming.where.channel }, services: this.options.services };
    try {
      const refusal = policy.refuse(principal, verb.need(args)) ?? (counted ? await this.options.rate.overRate(principal) : undefined) ?? (await verb.refuse?.(args, act));
      if (refusal) return await refuse(name, refusal, target);
      await verb.run(args, act);
      record('done', name, target);
    } catch (err) {
      const why = (err as Error).message ?? String(err);
      record('failed', name, target, why);
      await reply.private(notice(replies.failed(why))).catch(() => undefined);
    }
  }

  /** Completions for an option being typed (Discord's autocomplete): only what this channel may use. */
  suggest(incoming: Pick<Incoming, 'platform' | 'where'>, field: 'target' | 'runbook', typed: string): string[] {
    const { scope, library, knowledge } = this.options.services;
    const pool = field === 'runbook' ? [...library.runbooks.keys(), ...knowledge.codes(), ...ALERT_CLASSES] : scope.targetNames({ platform: incoming.platform, channel: incoming.where.channel });
    const wanted = typed.toLowerCase();
    return pool.filter((name) => name.toLowerCase().includes(wanted)).slice(0, 25);
  }

  private choose(incoming: Incoming): { verb: AnyVerb; args: unknown; name: string; counted: boolean } | { name: string; problem: Rich } {
    if (incoming.what.kind === 'command') {
      const parsed = parseCommand(incoming.what.text);
      if ('problem' in parsed) return { name: 'help', problem: helpWithProblem(parsed.problem) };
      return { verb: parsed.verb, args: parsed.args, name: parsed.verb.name, counted: parsed.verb.counted };
    }
    const button = decodeButton(incoming.what.button);
    if (!button) return { name: 'button', problem: replies.notOurButton() };
    const { verb, name } = buttonVerb(button);
    return { verb, args: button, name, counted: buttonCounted(button) };
  }

  /** Direct messages and (on Discord) servers outside the allowlist get nothing. */
  private refuseWhere(incoming: Incoming): Rich | undefined {
    if (incoming.where.dm) return replies.noDirectMessages();
    const guilds = this.options.services.config().discord?.guilds;
    if (incoming.platform === 'discord' && guilds && !guilds.includes(incoming.where.guild ?? '')) return replies.guildNotAllowed();
    return undefined;
  }
}

function logAudit(record: AuditRecord): void {
  if (record.outcome === 'done') log.info(record, 'chat');
  else log.warn(record, record.outcome === 'refused' ? 'refused' : 'failed');
}

/** The commands, for a platform that registers them (Discord's subcommands). */
export { COMMANDS };
