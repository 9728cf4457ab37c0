// When a delivery is due: "HH:MM" on the listed days, or a cron expression, in the expectation's
// own time zone. Zone arithmetic uses Intl (the platform's tz database) and cron-parser (already
// BullMQ's); nothing here reads the clock: every function takes `now`.
//
// A due time's window: files count for an occurrence from the start of its local day (or from
// the previous occurrence, when a cron fires more than once a day). A due time that falls in a
// spring-forward gap (02:30 on the night clocks jump from 02:00 to 03:00) moves forward by the
// gap, as cron does; in the autumn overlap the first of the two 02:30s is taken.
import { createRequire } from 'node:module';
import type CronParser from 'cron-parser';

// cron-parser brings luxon: loaded on the first cron expression only, so that reading a targets
// file (every CLI command that names a target) does not pay for it when due times are HH:MM.
let cronParser: typeof CronParser | undefined;
function cron(): typeof CronParser {
  cronParser ??= createRequire(import.meta.url)('cron-parser') as typeof CronParser;
  return cronParser;
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const ALL_DAYS = new Set([0, 1, 2, 3, 4, 5, 6]);

export function parseDueTime(text: string): { hour: number; minute: number } | undefined {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  return m ? { hour: Number(m[1]), minute: Number(m[2]) } : undefined;
}

export function isValidCron(text: string): boolean {
  if (text.trim().split(/\s+/).length !== 5) return false;
  try {
    cron().parseExpression(text, { tz: 'UTC' });
    return true;
  } catch {
    return false;
  }
}

/** "daily", "mon-fri", "mon,wed,fri", "sat-sun", "fri-mon" → weekday numbers (0 = Sunday). */
export function parseDays(text: string): Set<number> | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'daily' || t === '*' || t === 'every day') return new Set(ALL_DAYS);
  if (t === 'weekdays') return new Set([1, 2, 3, 4, 5]);
  if (t === 'weekends') return new Set([0, 6]);
  const days = new Set<number>();
  for (const part of t.split(',')) {
    const range = part.trim().split('-');
    const ends = range.map((r) => DAY_NAMES.indexOf(r.trim().slice(0, 3)));
    if (ends.some((e) => e < 0) || range.some((r) => !/^[a-z]{3,9}$/.test(r.trim())) || ends.length > 2) return undefined;
    const [from, to] = [ends[0]!, ends[ends.length - 1]!];
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  return days.size ? days : undefined;
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
    formatters.set(zone, f);
  }
  return f;
}

export function localParts(ms: number, zone: string): LocalParts {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: DAY_NAMES.indexOf(parts.weekday!.toLowerCase().slice(0, 3)),
  };
}

/** The zone's offset from UTC at an instant, in ms (Berlin in summer: +7,200,000). */
function offsetAt(ms: number, zone: string): number {
  const p = localParts(ms, zone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1_000) * 1_000;
}

/** A wall-clock time in a zone → the instant. Gap times move forward; overlap times take the first. */
export function zonedToUtc(year: number, month: number, day: number, hour: number, minute: number, zone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // Two offsets around the wall time: the earlier instant whose local time is the wall time wins.
  const candidates = [offsetAt(wall - 86_400_000 / 2, zone), offsetAt(wall + 86_400_000 / 2, zone)].map((o) => wall - o);
  const exact = candidates.filter((c) => localMinute(c, zone) === wall).sort((a, b) => a - b)[0];
  if (exact !== undefined) return exact;
  // In a gap: the wall time does not exist; the offset before the jump carries it past the jump.
  return wall - offsetAt(wall - 86_400_000 / 2, zone);
}

function localMinute(ms: number, zone: string): number {
  const p = localParts(ms, zone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
}

export function startOfLocalDay(ms: number, zone: string): number {
  const p = localParts(ms, zone);
  return zonedToUtc(p.year, p.month, p.day, 0, 0, zone);
}

/** "2026-12-02": the local date of an instant (the key of a day's delivery). */
export function localDate(ms: number, zone: string): string {
  const p = localParts(ms, zone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** "06:42" in the zone. */
export function localClock(ms: number, zone: string): string {
  const p = localParts(ms, zone);
  return `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

export interface DueRule {
  due: string;
  days: string;
  timezone: string;
}

export interface Occurrences {
  /** The latest due time at or before now (on an active day). */
  previous?: number;
  /** The first due time after now. */
  next?: number;
}

/** Due times are looked for this many days around now (a yearly cron is not a delivery). */
const SEARCH_DAYS = 40;

export function occurrencesAround(rule: DueRule, now: number): Occurrences {
  const days = parseDays(rule.days) ?? ALL_DAYS;
  const time = parseDueTime(rule.due);
  if (time) {
    const out: Occurrences = {};
    const today = localParts(now, rule.timezone);
    // Walk local calendar days (UTC date arithmetic on the wall date: no DST involved).
    for (let back = 0; back <= SEARCH_DAYS && out.previous === undefined; back++) out.previous = dueOn(today, -back, time, days, rule.timezone, (t) => t <= now);
    for (let ahead = 0; ahead <= SEARCH_DAYS && out.next === undefined; ahead++) out.next = dueOn(today, ahead, time, days, rule.timezone, (t) => t > now);
    return out;
  }
  return { previous: cronStep(rule, days, now, 'prev'), next: cronStep(rule, days, now, 'next') };
}

function dueOn(today: LocalParts, shift: number, time: { hour: number; minute: number }, days: Set<number>, zone: string, accept: (t: number) => boolean): number | undefined {
  const date = new Date(Date.UTC(today.year, today.month - 1, today.day + shift));
  if (!days.has(date.getUTCDay())) return undefined;
  const t = zonedToUtc(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), time.hour, time.minute, zone);
  return accept(t) ? t : undefined;
}

function cronStep(rule: DueRule, days: Set<number>, now: number, way: 'prev' | 'next'): number | undefined {
  // cron-parser's prev() is strictly before currentDate: one ms later makes "at now" count as previous.
  const it = cron().parseExpression(rule.due, { currentDate: new Date(way === 'prev' ? now + 1 : now), tz: rule.timezone });
  const limit = now + (way === 'prev' ? -1 : 1) * SEARCH_DAYS * 86_400_000;
  for (let i = 0; i < 10_000; i++) {
    let t: number;
    try {
      t = (way === 'prev' ? it.prev() : it.next()).getTime();
    } catch {
      return undefined;
    }
    if (way === 'prev' ? t < limit : t > limit) return undefined;
    if (days.has(localParts(t, rule.timezone).weekday)) return t;
  }
  return undefined;
}

/** Where an occurrence's window begins: its local midnight, or the previous due time if later. */
export function windowStart(rule: DueRule, due: number): number {
  const dayStart = startOfLocalDay(due, rule.timezone);
  const before = occurrencesAround(rule, due - 1).previous;
  return before !== undefined && before > dayStart ? before : dayStart;
}
