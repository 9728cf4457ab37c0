// Carries out the effects of the alert machine in chat: one root message per incident in the
// target's alert channel, edited as the incident changes, thread replies only for what matters
// (escalation, still firing, resolution). Effects come off the Redis outbox, each to exactly
// one bot; an effect that cannot be carried out yet (its root is not posted) goes back.
import type { Redis } from 'ioredis';
import type { TargetConfig } from '../config/targets-file.js';
import type { AlertClass } from '../alerts/alert-classes.js';
import type { AlertEffect, Severity } from '../alerts/alert-machine.js';
import type { IncidentStore, OutboxEntry } from '../alerts/incidents.js';
import { inMaintenance } from '../alerts/alert-settings.js';
import type { OpenIncident } from '../alerts/target-status.js';
import type { AlertMessage, ChatMessage } from './messages.js';

/** What a platform must do for alerts. */
export interface AlertChannel {
  postRoot(channel: string, message: ChatMessage): Promise<string>;
  updateRoot(channel: string, rootId: string, message: ChatMessage): Promise<void>;
  reply(channel: string, rootId: string, message: ChatMessage): Promise<void>;
}

const RUNBOOK_OF_CLASS: Record<AlertClass, string> = {
  auth: 'login-failures',
  capacity: 'too-many-connections',
  reset: 'connection-resets',
  unreachable: 'service-down',
  tls: 'certificates',
  cert_expiry: 'certificates',
  latency: 'timeouts',
};

interface Root {
  channel: string;
  id: string;
  firstSeenAt: number;
  severity: Severity;
  detail: string;
  /** Who acknowledged it (chat user id). */
  ackedBy?: string;
  /** Opened while the target was muted: nothing is posted for this incident. */
  suppressed?: boolean;
  origin: OutboxEntry['origin'];
  class: OutboxEntry['class'];
  target: string;
}

export class AlertPoster {
  private timer: NodeJS.Timeout | undefined;
  private draining = false;

  constructor(
    private readonly incidents: IncidentStore,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly targets: () => Map<string, TargetConfig>,
    private readonly chat: AlertChannel,
    private readonly everyMs = 250,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.drain().catch(() => undefined), this.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private get rootsKey(): string {
    return `${this.prefix}:alert-roots`;
  }

  private muteKey(target: string): string {
    return `${this.prefix}:mute:${target}`;
  }

  /** Silence new incidents of a target for a while (open ones still resolve in their thread). */
  async mute(target: string, minutes: number, by: string): Promise<void> {
    await this.redis.set(this.muteKey(target), JSON.stringify({ by, until: Date.now() + minutes * 60_000 }), 'PX', minutes * 60_000);
  }

  async mutedUntil(target: string): Promise<number | undefined> {
    const raw = await this.redis.get(this.muteKey(target));
    return raw ? (JSON.parse(raw) as { until: number }).until : undefined;
  }

  /** The incidents of a target that are open now (for /ftp status). */
  async openIncidents(target: string): Promise<OpenIncident[]> {
    const roots = await this.redis.hgetall(this.rootsKey);
    return Object.entries(roots)
      .filter(([field]) => field.startsWith(`${target}:`))
      .map(([alert, json]) => {
        const r = JSON.parse(json) as Root;
        return { alert, severity: r.severity, detail: r.detail, firstSeenAt: r.firstSeenAt, ...(r.ackedBy ? { ackedBy: r.ackedBy } : {}) };
      });
  }

  /** Record who acknowledged an incident and show it on the root. False if it is no longer open. */
  async acknowledge(alert: string, user: string): Promise<boolean> {
    const raw = await this.redis.hget(this.rootsKey, alert);
    if (!raw) return false;
    const root = { ...(JSON.parse(raw) as Root), ackedBy: user };
    await this.redis.hset(this.rootsKey, alert, JSON.stringify(root));
    if (!root.suppressed) {
      const entry = { target: root.target, origin: root.origin, class: root.class } as OutboxEntry;
      await this.chat.updateRoot(root.channel, root.id, this.alertMessage(entry, 'firing', root.severity, root.detail, root.firstSeenAt, undefined, user));
    }
    return true;
  }

  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      const entries = await this.incidents.takeEffects(50);
      const later: OutboxEntry[] = [];
      for (const entry of entries) {
        // Keep an incident's effects in order: once one waits, the rest of that incident waits too.
        if (later.some((l) => sameAlert(l, entry)) || !(await this.carryOut(entry).catch(() => false))) later.push(entry);
      }
      await this.incidents.returnEffects(later);
    } finally {
      this.draining = false;
    }
  }

  /** True when done (or nothing to do); false to try again later. */
  private async carryOut(entry: OutboxEntry): Promise<boolean> {
    const channel = this.targets().get(entry.target)?.alertChannel;
    if (!channel) return true;
    const field = `${entry.target}:${entry.origin}:${entry.class}`;
    const effect = entry.effect;
    if (effect.type === 'open') {
      const base = { channel, firstSeenAt: effect.firstSeenAt, severity: effect.severity, detail: effect.detail, origin: entry.origin, class: entry.class, target: entry.target };
      if ((await this.mutedUntil(entry.target)) || inMaintenance(this.targets().get(entry.target), Date.now())) {
        await this.redis.hset(this.rootsKey, field, JSON.stringify({ ...base, id: '', suppressed: true } satisfies Root));
        return true;
      }
      const id = await this.chat.postRoot(channel, this.alertMessage(entry, 'firing', effect.severity, effect.detail, effect.firstSeenAt));
      await this.redis.hset(this.rootsKey, field, JSON.stringify({ ...base, id } satisfies Root));
      return true;
    }
    const raw = await this.redis.hget(this.rootsKey, field);
    if (!raw) return false;
    const root = JSON.parse(raw) as Root;
    if (root.suppressed) {
      // Muted when it opened: follow it silently, forget it when it resolves.
      if (effect.type === 'resolve') await this.redis.hdel(this.rootsKey, field);
      return true;
    }
    const severity = severityAfter(effect, root.severity);
    if (effect.type === 'resolve') {
      await this.chat.updateRoot(root.channel, root.id, this.alertMessage(entry, 'resolved', severity, root.detail, root.firstSeenAt, effect.durationMs));
      await this.chat.reply(root.channel, root.id, { kind: 'alert-update', text: `✅ Resolved after ${minutes(effect.durationMs)}: ${effect.detail}` });
      await this.redis.hdel(this.rootsKey, field);
      return true;
    }
    await this.chat.updateRoot(root.channel, root.id, this.alertMessage(entry, 'firing', severity, effect.detail, root.firstSeenAt, undefined, root.ackedBy));
    await this.redis.hset(this.rootsKey, field, JSON.stringify({ ...root, severity, detail: effect.detail }));
    const note = threadNote(effect);
    if (note) await this.chat.reply(root.channel, root.id, { kind: 'alert-update', text: note });
    return true;
  }

  private alertMessage(
    entry: Pick<OutboxEntry, 'target' | 'origin' | 'class'>,
    status: AlertMessage['status'],
    severity: Severity,
    detail: string,
    firstSeenAt: number,
    durationMs?: number,
    ackedBy?: string,
  ): AlertMessage {
    const runbook = RUNBOOK_OF_CLASS[entry.class];
    return {
      kind: 'alert',
      target: entry.target,
      alertClass: entry.class,
      origin: entry.origin,
      status,
      severity,
      detail,
      firstSeenAt: new Date(firstSeenAt).toISOString(),
      ...(durationMs !== undefined ? { durationMs } : {}),
      runbook,
      ...(ackedBy ? { ackedBy } : {}),
      actions: [
        { kind: 'acknowledge', alert: `${entry.target}:${entry.origin}:${entry.class}` },
        { kind: 'mute', target: entry.target, minutes: 60 },
        { kind: 'open-runbook', runbook, code: entry.class, target: entry.target },
        { kind: 'recheck', target: entry.target },
      ],
    };
  }
}

function sameAlert(a: OutboxEntry, b: OutboxEntry): boolean {
  return a.target === b.target && a.origin === b.origin && a.class === b.class;
}

function severityAfter(effect: AlertEffect, current: Severity): Severity {
  if (effect.type === 'escalate' || effect.type === 'ease') return effect.to;
  if (effect.type === 'remind' || effect.type === 'update' || effect.type === 'resolve') return effect.severity;
  return current;
}

/** Thread replies only for meaningful changes; a plain update only edits the root. */
function threadNote(effect: AlertEffect): string | undefined {
  if (effect.type === 'escalate') return `⬆ Escalated to ${effect.to}: ${effect.detail}`;
  if (effect.type === 'remind') return `⏱ Still firing after ${minutes(effect.firingForMs)}: ${effect.detail}`;
  return undefined;
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 1 ? `${Math.max(1, Math.round(ms / 1000))} s` : `${m} min`;
}
