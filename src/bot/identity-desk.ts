// Server identity in chat: posts each new change (from the worker's outbox) in the target's alert
// channel on every platform, with Accept new key / Treat as suspicious; carries out those
// decisions and answers /ftp identity. Decisions are judged by the router first (role, scope).
import type { TargetConfig } from '../config/targets-file.js';
import type { IdentityStore, PendingChange } from '../identity/identity-store.js';
import { identityLines, identityReport } from '../identity/identity-report.js';
import type { ChatOutbound, ChatOutbounds } from './incoming.js';
import { alertChannelOf } from './alert-poster.js';
import type { ChatPlatform, IdentityChangeMessage } from './messages.js';
import { type Rich, rich, richLines } from './rich.js';

/** The runbook "Treat as suspicious" opens. */
export const IDENTITY_RUNBOOK: Record<PendingChange['kind'], string> = { ssh: 'ssh-host-key-changed', tls: 'certificates' };

export type Decision = { ok: true; change: PendingChange; text: Rich } | { ok: false; text: Rich };

export class IdentityDesk {
  private timer: NodeJS.Timeout | undefined;
  private draining = false;

  constructor(
    private readonly store: IdentityStore,
    private readonly targets: () => Map<string, TargetConfig>,
    private readonly chats: ChatOutbounds,
    private readonly now: () => Date = () => new Date(),
    private readonly everyMs = 500,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.drain().catch(() => undefined), this.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Posts waiting notices; one that cannot be posted anywhere yet goes back for the next round. */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      const notices = await this.store.takeNotices(20);
      const later = [];
      for (const notice of notices) {
        const config = this.targets().get(notice.target);
        const places = (Object.entries(this.chats) as Array<[ChatPlatform, ChatOutbound]>).flatMap(([platform, chat]) => {
          const channel = alertChannelOf(config, platform);
          return channel ? [{ chat, channel }] : [];
        });
        const message = identityChangeMessage(notice.change);
        const results = await Promise.allSettled(places.map((p) => p.chat.post({ channel: p.channel }, message)));
        if (places.length && results.every((r) => r.status === 'rejected')) later.push(notice);
      }
      await this.store.returnNotices(later);
    } finally {
      this.draining = false;
    }
  }

  async describe(target: string): Promise<Rich> {
    const config = this.targets().get(target);
    if (!config) return rich`no target ${{ code: target }}`;
    const lines = identityLines(await identityReport(config, this.store));
    return richLines([[{ strong: lines[0]! }], ...lines.slice(1).map((l) => [l])]);
  }

  /** One line for /ftp status: a change waiting for a decision, or the latest renewal (within 30 days). */
  async statusNote(target: string, now = this.now().getTime()): Promise<string | undefined> {
    const waiting = await this.store.pending(target);
    if (waiting) return `identity: ${waiting.kind === 'ssh' ? 'host key' : 'certificate'} changed, waiting for a decision since ${waiting.firstSeenAt} (/ftp identity ${target})`;
    const renewed = (await this.store.history(target, 10)).find((e) => e.kind === 'renewed');
    if (renewed && now - Date.parse(renewed.at) < 30 * 86_400_000) return `certificate ${renewed.text} (${renewed.at.slice(0, 10)})`;
    return undefined;
  }

  async accept(target: string, change: string, by: string): Promise<Decision> {
    const waiting = await this.store.pending(target);
    if (waiting?.id === change && waiting.against === 'pin') {
      return { ok: false, text: rich`${target}'s ${waiting.kind === 'ssh' ? 'host key' : 'certificate'} is pinned in the config file: after confirming ${waiting.new} out of band, change the pin there.` };
    }
    const accepted = await this.store.accept(target, change, by, this.now());
    if (!accepted) return { ok: false, text: rich`this change of ${target} is no longer waiting (accepted already, or superseded by a newer one: see ${{ code: `/ftp identity ${target}` }}).` };
    return { ok: true, change: accepted, text: rich`✅ ${{ user: by }} accepted the new ${accepted.kind === 'ssh' ? 'host key' : 'certificate'} of ${target}: ${accepted.new} (was ${accepted.old}). The next check verifies against it.` };
  }

  async suspicious(target: string, change: string, by: string): Promise<Decision> {
    const marked = await this.store.markSuspicious(target, change, by, this.now());
    if (!marked) return { ok: false, text: rich`this change of ${target} is no longer waiting (see ${{ code: `/ftp identity ${target}` }}).` };
    return { ok: true, change: marked, text: rich`🚩 ${{ user: by }} treats the new ${marked.kind === 'ssh' ? 'host key' : 'certificate'} of ${target} as suspicious; checks keep failing until it is confirmed out of band.` };
  }
}

export function identityChangeMessage(c: PendingChange): IdentityChangeMessage {
  const what = c.kind === 'ssh' ? 'Host key changed' : 'Certificate changed';
  const lines: Rich[] = [
    // Plain text, not code spans: a certificate's names are the server's words and are escaped as such.
    rich`old: ${c.old}`,
    rich`new: ${c.new}`,
    rich`first seen: ${c.firstSeenAt}`,
    rich`${c.what}`,
    ...(c.others ? [rich`${c.others}`] : []),
    c.against === 'pin'
      ? rich`pinned in the config file: no credentials were sent; change the pin there once the new one is confirmed out of band.`
      : rich`no credentials were sent; checks fail until an admin accepts the new one (after confirming it out of band).`,
  ];
  return {
    kind: 'identity-change',
    target: c.target,
    title: `🔑 ${what} — ${c.target}`,
    text: richLines(lines),
    actions: [
      ...(c.against === 'remembered' ? [{ kind: 'identity-decision' as const, decision: 'accept' as const, change: c.id, target: c.target, label: c.kind === 'ssh' ? 'Accept new key' : 'Accept new certificate' }] : []),
      { kind: 'identity-decision', decision: 'suspicious', change: c.id, target: c.target, label: 'Treat as suspicious' },
    ],
  };
}
