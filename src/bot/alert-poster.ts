// Carries out the effects of the alert machine in chat: one root message per incident in the
// target's alert channel on each platform (Slack, Discord, the web console), edited as the
// incident changes, thread replies only for what matters
// (escalation, still firing, resolution). Effects come off the Redis outbox, each to exactly
// one bot; an effect that cannot be carried out yet (its root is not posted) goes back.
import type { Redis } from 'ioredis';
import type { TargetConfig } from '../config/targets-file.js';
import { type AlertClass, RUNBOOK_OF_CLASS } from '../alerts/alert-classes.js';
import type { AlertEffect, Severity } from '../alerts/alert-machine.js';
import type { IncidentStore, OutboxEntry } from '../alerts/incidents.js';
import { inMaintenance } from '../alerts/alert-settings.js';
import type { OpenIncident } from '../alerts/target-status.js';
import type { AlertMessage, ChatPlatform } from './messages.js';
import type { ChatOutbound, ChatOutbounds } from './incoming.js';
import { RedisKeys } from '../queue/redis-keys.js';

/** One incident per target and origin; the classes firing in it, each with its own state. */
interface Root {
  target: string;
  origin: OutboxEntry['origin'];
  firstSeenAt: number;
  classes: Partial<Record<AlertClass, { severity: Severity; detail: string }>>;
  /** The incident's root message on each chat platform. */
  posts: Partial<Record<ChatPlatform, { channel: string; id: string }>>;
  /** Who acknowledged it (chat user id). */
  ackedBy?: string;
  /** Opened while the target was muted or in maintenance: nothing is posted for it. */
  suppressed?: boolean;
}

/** Where a target's alerts go on each platform (the web console shows every target's). */
export function alertChannelOf(target: TargetConfig | undefined, platform: ChatPlatform): string | undefined {
  if (platform === 'slack') return target?.alertChannel;
  if (platform === 'discord') return target?.discordAlertChannel;
  return target ? CONSOLE_CHANNEL : undefined;
}

/** The web console has one conversation. */
export const CONSOLE_CHANNEL = 'console';

export class AlertPoster {
  private timer: NodeJS.Timeout | undefined;
  private draining = false;

  constructor(
    private readonly incidents: IncidentStore,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly targets: () => Map<string, TargetConfig>,
    private readonly chats: ChatOutbounds,
    private readonly everyMs = 250,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.drain().catch(() => undefined), this.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private get rootsKey(): string {
    return new RedisKeys(this.prefix).alertRoots();
  }

  private muteKey(target: string): string {
    return new RedisKeys(this.prefix).mute(target);
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
        const r = parseRoot(json);
        return { alert: `${alert} (${Object.keys(r.classes).join(', ')})`, severity: worst(r), detail: detailOf(r), firstSeenAt: r.firstSeenAt, ...(r.ackedBy ? { ackedBy: r.ackedBy } : {}) };
      });
  }

  /** The thread of an incident open for this target in this channel, if there is one. */
  async openThread(target: string, channel: string): Promise<string | undefined> {
    for (const origin of ['check', 'logs'] as const) {
      const root = await this.load(`${target}:${origin}`);
      if (!root || root.suppressed) continue;
      const post = Object.values(root.posts).find((p) => p?.channel === channel);
      if (post) return post.id;
    }
    return undefined;
  }

  /** Record who acknowledged an incident and show it on every root. False if it is no longer open. */
  async acknowledge(alert: string, user: string): Promise<boolean> {
    const found = await this.load(alert);
    if (!found) return false;
    const root: Root = { ...found, ackedBy: user };
    await this.save(alert, root);
    if (!root.suppressed) {
      await Promise.all(this.posted(root).map(([chat, post]) => chat.edit({ channel: post.channel, id: post.id }, this.alertMessage(root, 'firing'))));
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
        if (later.some((l) => sameIncident(l, entry)) || !(await this.carryOut(entry).catch(() => false))) later.push(entry);
      }
      await this.incidents.returnEffects(later);
    } finally {
      this.draining = false;
    }
  }

  /**
   * True when done (or nothing to do); false to try again later. With several platforms, each
   * one that succeeded is noted in the entry, so a retry does only what is left.
   */
  private async carryOut(entry: OutboxEntry): Promise<boolean> {
    const places = this.placesFor(entry.target);
    if (!places.length) return true;
    const field = `${entry.target}:${entry.origin}`;
    const effect = entry.effect;
    const root = await this.load(field);

    if (effect.type === 'open') {
      const base: Root = root ?? {
        target: entry.target,
        origin: entry.origin,
        firstSeenAt: effect.firstSeenAt,
        classes: {},
        posts: {},
        ...((await this.mutedUntil(entry.target)) || inMaintenance(this.targets().get(entry.target), Date.now()) ? { suppressed: true } : {}),
      };
      const next: Root = { ...base, classes: { ...base.classes, [entry.class]: { severity: effect.severity, detail: effect.detail } } };
      await this.save(field, next);
      if (next.suppressed) return true;
      return this.onEach(entry, places, async (platform, chat, channel) => {
        const post = next.posts[platform];
        if (!post) {
          next.posts[platform] = { channel, id: (await chat.post({ channel }, this.alertMessage(next, 'firing'))).id };
          await this.save(field, next);
        } else if (Object.keys(next.classes).length > 1) {
          // Another class joins the open incident: its thread hears about it.
          await chat.edit({ channel: post.channel, id: post.id }, this.alertMessage(next, 'firing'));
          await chat.post({ channel: post.channel, thread: post.id }, { kind: 'alert-update', text: `➕ Also ${entry.class} (${effect.severity}): ${effect.detail}` });
        }
      });
    }

    if (!root?.classes[entry.class]) return false;
    if (effect.type === 'resolve') {
      const { [entry.class]: _gone, ...rest } = root.classes;
      const remaining: Root = { ...root, classes: rest };
      const last = Object.keys(rest).length === 0;
      // The stored incident changes only once every platform has shown the resolution.
      const shown = root.suppressed || (await this.onEach(entry, places, async (platform, chat) => {
        const post = root.posts[platform];
        if (!post) return;
        if (last) {
          await chat.edit({ channel: post.channel, id: post.id }, this.alertMessage(root, 'resolved', Date.now() - root.firstSeenAt));
          await chat.post({ channel: post.channel, thread: post.id }, { kind: 'alert-update', text: `✅ Resolved after ${minutes(effect.durationMs)}: ${effect.detail}` });
        } else {
          await chat.edit({ channel: post.channel, id: post.id }, this.alertMessage(remaining, 'firing'));
          await chat.post({ channel: post.channel, thread: post.id }, { kind: 'alert-update', text: `✅ ${entry.class} recovered after ${minutes(effect.durationMs)}; still firing: ${Object.keys(rest).join(', ')}` });
        }
      }));
      if (!shown) return false;
      if (last) await this.redis.hdel(this.rootsKey, field);
      else await this.save(field, remaining);
      return true;
    }

    const current = root.classes[entry.class]!;
    const updated: Root = { ...root, classes: { ...root.classes, [entry.class]: { severity: severityAfter(effect, current.severity), detail: effect.detail } } };
    await this.save(field, updated);
    if (root.suppressed) return true;
    const note = threadNote(entry.class, effect);
    return this.onEach(entry, places, async (platform, chat) => {
      const post = updated.posts[platform];
      if (!post) return;
      await chat.edit({ channel: post.channel, id: post.id }, this.alertMessage(updated, 'firing'));
      if (note) await chat.post({ channel: post.channel, thread: post.id }, { kind: 'alert-update', text: note });
    });
  }

  /** Run `act` on every platform not yet done for this entry; true when all are done. */
  private async onEach(entry: OutboxEntry, places: Place[], act: (platform: ChatPlatform, chat: ChatOutbound, channel: string) => Promise<void>): Promise<boolean> {
    let allDone = true;
    for (const { platform, chat, channel } of places) {
      if (entry.done?.includes(platform)) continue;
      try {
        await act(platform, chat, channel);
        entry.done = [...(entry.done ?? []), platform];
      } catch {
        allDone = false;
      }
    }
    return allDone;
  }

  /** The platforms running in this bot on which this target has an alert channel. */
  private placesFor(target: string): Place[] {
    const config = this.targets().get(target);
    return (Object.entries(this.chats) as Array<[ChatPlatform, ChatOutbound]>).flatMap(([platform, chat]) => {
      const channel = alertChannelOf(config, platform);
      return channel ? [{ platform, chat, channel }] : [];
    });
  }

  private posted(root: Root): Array<[ChatOutbound, { channel: string; id: string }]> {
    return (Object.entries(root.posts) as Array<[ChatPlatform, { channel: string; id: string }]>).flatMap(([platform, post]) => {
      const chat = this.chats[platform];
      return chat ? [[chat, post] as [ChatOutbound, { channel: string; id: string }]] : [];
    });
  }

  private async load(field: string): Promise<Root | undefined> {
    const raw = await this.redis.hget(this.rootsKey, field);
    return raw ? parseRoot(raw) : undefined;
  }

  private async save(field: string, root: Root): Promise<void> {
    await this.redis.hset(this.rootsKey, field, JSON.stringify(root));
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

interface Place {
  platform: ChatPlatform;
  chat: ChatOutbound;
  channel: string;
}

/** Roots stored before there was more than one platform had their Slack message at the top level. */
function parseRoot(json: string): Root {
  const raw = JSON.parse(json) as Root & { channel?: string; id?: string };
  const { channel, id, ...root } = raw;
  return { ...root, posts: root.posts ?? (channel && id ? { slack: { channel, id } } : {}) };
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
