// Answers that need no probe: help, explain, targets, and whether a channel may check a target.
// Chat-neutral text (Slack and Discord both show it); the same words as the command line.
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { TargetsFile } from '../config/targets-file.js';
import { explainCommand } from '../cli/explain-command.js';
import { displayUrl, isAdhocUrl, parseTargetUrl } from '../probes/target-url.js';
import { AdhocPolicy } from '../config/adhoc-policy.js';
import { HELP_COMMANDS } from './messages.js';

export class ChatCommandAnswers {
  constructor(private readonly knowledge: KnowledgeBase, private readonly config: () => TargetsFile) {}

  help(problem?: string): string {
    const lines = HELP_COMMANDS.map((c) => `\`${c.usage}\` — ${c.description}`);
    return [...(problem ? [`${problem}.`, ''] : []), ...lines].join('\n');
  }

  explain(query: string): string {
    const lines: string[] = [];
    try {
      explainCommand(query, { out: (t) => lines.push(t), err: (t) => lines.push(t), env: {}, isTTY: false, readStdin: async () => '' }, this.knowledge);
    } catch (err) {
      return (err as Error).message;
    }
    return ['```', ...lines, '```'].join('\n');
  }

  /** The targets this channel may use; without a channel (the local console), all of them. */
  targets(channel?: string): string {
    const allowed = this.allowedIn(channel);
    const rows = [...this.config().targets.values()]
      .filter((t) => !allowed || allowed.includes(t.name))
      .map((t) => `• \`${t.name}\` ${this.urlOf(t.name)}${t.description ? ` — ${t.description}` : ''}`);
    return rows.length ? rows.join('\n') : 'no targets are configured for this channel';
  }

  /** The targets this channel may see; without a channel (the local console), all of them. */
  targetNames(channel?: string): string[] {
    const allowed = this.allowedIn(channel);
    return [...this.config().targets.keys()].filter((t) => !allowed || allowed.includes(t));
  }

  /** A one-line refusal, or undefined when this channel may check this target. */
  refuseTarget(target: string, channel?: string): string | undefined {
    const targets = this.config().targets;
    if (!targets.has(target)) {
      const known = [...targets.keys()].filter((t) => !this.allowedIn(channel) || this.allowedIn(channel)!.includes(t));
      return `unknown target '${target}'${known.length ? ` (known here: ${known.join(', ')})` : ''}`;
    }
    const allowed = this.allowedIn(channel);
    if (allowed && !allowed.includes(target)) return `this channel may not check '${target}' (allowed here: ${allowed.join(', ') || 'none'})`;
    return undefined;
  }

  /** A check subject, target name or ad-hoc URL: a one-line refusal, or undefined to go ahead. */
  refuseSubject(subject: string, channel?: string): string | undefined {
    return isAdhocUrl(subject) ? this.refuseAdhoc(subject) : this.refuseTarget(subject, channel);
  }

  /** For an ad-hoc URL (the person is an admin): a one-line refusal, or undefined to go ahead. */
  refuseAdhoc(url: string): string | undefined {
    let parsed;
    try {
      parsed = parseTargetUrl(url);
    } catch (err) {
      return (err as Error).message;
    }
    if (parsed.password !== undefined) return 'ad-hoc checks from chat carry no passwords (they would stay in the chat history): add a target to ftpops.yaml with passwordEnv or passwordFile';
    return new AdhocPolicy(this.config().access?.adhocHosts ?? []).refuseHost(parsed.host);
  }

  urlOf(target: string): string {
    const config = this.config().targets.get(target);
    return config ? displayUrl(parseTargetUrl(config.url)) : target;
  }

  /**
   * The targets a channel may check, or undefined for all. With a `channels` map configured, a
   * channel not in it gets the "*" entry, or nothing: access is denied unless granted.
   */
  private allowedIn(channel: string | undefined): string[] | undefined {
    const channels = this.config().channels;
    if (!channels || channel === undefined) return undefined;
    const allowed = channels.get(channel) ?? channels.get('*') ?? [];
    return allowed.includes('*') ? undefined : allowed;
  }
}
