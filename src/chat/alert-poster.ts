// Carries out the effects of the alert machine in chat: one root message per incident in the
// target's alert channel, edited as the incident changes, thread replies only for what matters
// (escalation, still firing, resolution). Effects come off the Redis outbox, each to exactly
// one bot; an effect that cannot be carried out yet (its root is not posted) goes back.
import type { Redis } from 'ioredis';
import type { TargetConfig } from '../config/targets-file.js';
import { type AlertClass, RUNBOOK_OF_CLASS } from '../alerts/alert-classes.js';
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

/** One incident per target and origin; the classes firing in it, each with its own state. */
interface Root {
  channel: string;
  id: string;
  target: string;
  origin: OutboxEntry['origin'];
  firstSeenAt: number;
  classes: Partial<Record<AlertClass, { severity: Severity; detail: string }>>;
  /** Who acknowledged it (chat user id). */
  ackedBy?: string;
  /** Opened while the target was muted or in maintenance: nothing is posted for it. */
  suppressed?: boolean;
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
        return { alert: `${alert} (${Object.keys(r.classes).join(', ')})`, severity: worst(r), detail: detailOf(r), firstSeenAt: r.firstSeenAt, ...(r.ackedBy ? { ackedBy: r.ackedBy } : {}) };
      });
  }

  /** The thread of an incident open for this target in this channel, if there is one. */
  async openThread(target: string, channel: string): Promise<string | undefined> {
    for (const origin of ['check', 'logs'] as const) {
      const raw = await this.redis.hget(this.rootsKey, `${target}:${origin}`);
      const root = raw ? (JSON.parse(raw) as Root) : undefined;
      if (root && !root.suppressed && root.channel === channel) return root.id;
    }
    return undefined;
  }

  /** Record who acknowledged an incident and show it on the root. False if it is no longer open. */
  async acknowledge(alert: string, user: string): Promise<boolean> {
    const raw = await this.redis.hget(this.rootsKey, alert);
    if (!raw) return false;
    const root: Root = { ...(JSON.parse(raw) as Root), ackedBy: user };
    await this.redis.hset(this.rootsKey, alert, JSON.stringify(root));
    if (!root.suppressed) await this.chat.updateRoot(root.channel, root.id, this.alertMessage(root, 'firing'));
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
        if (later.some((l) => sameIncident(l, entry)) || !(await this.carryOut(entry).catch(() => false))) later.push(entry);
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
    const field = `${entry.target}:${entry.origin}`;
    const effect = entry.effect;
    const raw = await this.redis.hget(this.rootsKey, field);
    const root = raw ? (JSON.parse(raw) as Root) : undefined;

    if (effect.type === 'open') {
      const classState = { severity: effect.severity, detail: effect.detail };
      if (root) {
        // Another class joins the open incident: its thread hears about it.
        const joined: Root = { ...root, classes: { ...root.classes, [entry.class]: classState } };
        await this.redis.hset(this.rootsKey, field, JSON.stringify(joined));
        if (!root.suppressed) {
          await this.chat.updateRoot(root.channel, root.id, this.alertMessage(joined, 'firing'));
          await this.chat.reply(root.channel, root.id, { kind: 'alert-update', text: `➕ Also ${entry.class} (${effect.severity}): ${effect.detail}` });
        }
        return true;
      }
      const fresh: Root = { channel, id: '', target: entry.target, origin: entry.origin, firstSeenAt: effect.firstSeenAt, classes: { [entry.class]: classState } };
      if ((await this.mutedUntil(entry.target)) || inMaintenance(this.targets().get(entry.target), Date.now())) {
        await this.redis.hset(this.rootsKey, field, JSON.stringify({ ...fresh, suppressed: true } satisfies Root));
        return true;
      }
      fresh.id = await this.chat.postRoot(channel, this.alertMessage(fresh, 'firing'));
      await this.redis.hset(this.rootsKey, field, JSON.stringify(fresh));
      return true;
    }

    if (!root?.classes[entry.class]) return false;
    if (effect.type === 'resolve') {
      const { [entry.class]: _gone, ...rest } = root.classes;
      const remaining: Root = { ...root, classes: rest };
      if (Object.keys(rest).length === 0) {
        await this.redis.hdel(this.rootsKey, field);
        if (root.suppressed) return true;
        await this.chat.updateRoot(root.channel, root.id, this.alertMessage(root, 'resolved', Date.now() - root.firstSeenAt));
        await this.chat.reply(root.channel, root.id, { kind: 'alert-update', text: `✅ Resolved after ${minutes(effect.durationMs)}: ${effect.detail}` });
        return true;
      }
      await this.redis.hset(this.rootsKey, field, JSON.stringify(remaining));
      if (root.suppressed) return true;
      await this.chat.updateRoot(root.channel, root.id, this.alertMessage(remaining, 'firing'));
      await this.chat.reply(root.channel, root.id, { kind: 'alert-update', text: `✅ ${entry.class} recovered after ${minutes(effect.durationMs)}; still firing: ${Object.keys(rest).join(', ')}` });
      return true;
    }

    const current = root.classes[entry.class]!;
    const updated: Root = { ...root, classes: { ...root.classes, [entry.class]: { severity: severityAfter(effect, current.severity), detail: effect.detail } } };
    await this.redis.hset(this.rootsKey, field, JSON.stringify(updated));
    if (root.suppressed) return true;
    await this.chat.updateRoot(root.channel, root.id, this.alertMessage(updated, 'firing'));
    const note = threadNote(entry.class, effect);
    if (note) await this.chat.reply(root.channel, root.id, { kind: 'alert-update', text: note });
    return true;
  }

  private alertMessage(root: Root, status: AlertMessage['status'], durationMs?: number): AlertMessage {
    const classes = Object.keys(root.classes) as AlertClass[];
    const runbook = RUNBOOK_OF_CLASS[classes[0] ?? 'unreachable'];
    return {
      kind: 'alert',
      target: root.target,
      alertClass: classes.join(' + '),
      origin: root.origin,
      status,
      severity: worst(root),
      detail: detailOf(root),
      firstSeenAt: new Date(root.firstSeenAt).toISOString(),
      ...(durationMs !== undefined ? { durationMs } : {}),
      runbook,
      ...(root.ackedBy ? { ackedBy: root.ackedBy } : {}),
      actions: [
        { kind: 'acknowledge', alert: `${root.target}:${root.origin}` },
        { kind: 'mute', target: root.target, minutes: 60 },
        { kind: 'open-runbook', runbook, code: classes[0] ?? '', target: root.target },
        { kind: 'recheck', target: root.target },
      ],
    };
  }
}

function worst(root: Root): Severity {
  return Object.values(root.classes).some((c) => c?.severity === 'critical') ? 'critical' : 'warning';
}

function detailOf(root: Root): string {
  const entries = Object.entries(root.classes);
  return entries.length === 1 ? (entries[0]![1]?.detail ?? '') : entries.map(([cls, c]) => `${cls}: ${c?.detail}`).join('\n');
}

function sameIncident(a: OutboxEntry, b: OutboxEntry): boolean {
  return a.target === b.target && a.origin === b.origin;
}

function severityAfter(effect: AlertEffect, current: Severity): Severity {
  if (effect.type === 'escalate' || effect.type === 'ease') return effect.to;
  if (effect.type === 'remind' || effect.type === 'update' || effect.type === 'resolve') return effect.severity;
  return current;
}

/** Thread replies only for meaningful changes; a plain update only edits the root. */
function threadNote(cls: AlertClass, effect: AlertEffect): string | undefined {
  if (effect.type === 'escalate') return `⬆ ${cls} escalated to ${effect.to}: ${effect.detail}`;
  if (effect.type === 'remind') return `⏱ ${cls} still firing after ${minutes(effect.firingForMs)}: ${effect.detail}`;
  return undefined;
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 1 ? `${Math.max(1, Math.round(ms / 1000))} s` : `${m} min`;
}
