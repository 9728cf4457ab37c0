// Which targets a channel may see and act on. With a `channels:` map in ftpops.yaml, a channel not
// in it gets the '*' entry, or nothing: access is denied unless granted. The web console is its
// operator's own: every target.
import type { TargetsFile } from '../config/targets-file.js';
import { AdhocPolicy } from '../config/adhoc-policy.js';
import { displayUrl, isAdhocUrl, parseTargetUrl } from '../probes/target-url.js';
import type { ChatPlatform } from './messages.js';
import { replies } from './replies.js';
import type { Rich } from './rich.js';

/** Where access is judged: the channel (a thread's parent), on a platform. */
export interface ScopeChannel {
  platform: ChatPlatform;
  channel: string;
}

export class ChannelScope {
  constructor(private readonly config: () => TargetsFile) {}

  /** The targets this channel may see, in the file's order. */
  targetNames(where: ScopeChannel): string[] {
    const allowed = this.allowedIn(where);
    return [...this.config().targets.keys()].filter((t) => !allowed || allowed.includes(t));
  }

  /** A refusal, or undefined when this channel may act on this configured target. */
  refuseTarget(target: string, where: ScopeChannel): Rich | undefined {
    const allowed = this.allowedIn(where);
    if (!this.config().targets.has(target)) return replies.unknownTarget(target, this.targetNames(where));
    if (allowed && !allowed.includes(target)) return replies.channelMayNot(target, allowed);
    return undefined;
  }

  /** A check subject, a target name or an ad-hoc URL (the person is an admin): a refusal, or undefined. */
  refuseSubject(subject: string, where: ScopeChannel): Rich | undefined {
    return isAdhocUrl(subject) ? this.refuseAdhoc(subject) : this.refuseTarget(subject, where);
  }

  /** An ad-hoc URL: no password in it, and only hosts listed in access.adhocHosts. */
  refuseAdhoc(url: string): Rich | undefined {
    let parsed;
    try {
      parsed = parseTargetUrl(url);
    } catch (err) {
      return replies.refused((err as Error).message);
    }
    if (parsed.password !== undefined) return replies.adhocNoPasswords();
    const refusal = new AdhocPolicy(this.config().access?.adhocHosts ?? []).refuseHost(parsed.host);
    return refusal ? replies.refused(refusal) : undefined;
  }

  /** How a check subject is shown: a target's URL without password, or the ad-hoc URL itself. */
  urlOf(subject: string): string {
    const config = this.config().targets.get(subject);
    return config ? displayUrl(parseTargetUrl(config.url)) : subject;
  }

  private allowedIn(where: ScopeChannel): string[] | undefined {
    const channels = this.config().channels;
    if (!channels || where.platform === 'console') return undefined;
    const allowed = channels.get(where.channel) ?? channels.get('*') ?? [];
    return allowed.includes('*') ? undefined : allowed;
  }
}
