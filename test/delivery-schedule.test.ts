// Due times in the partner's zone: weekdays, weekends, both DST changes, cron expressions.
import { describe, expect, it } from 'vitest';
import { localClock, localDate, occurrencesAround, parseDays, windowStart, zonedToUtc } from '../src/deliveries/delivery-schedule.js';

const berlin = { due: '06:00', days: 'mon-fri', timezone: 'Europe/Berlin' };
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

describe('due times', () => {
  it('parses day lists, ranges and wrap-around ranges', () => {
    expect([...parseDays('mon-fri')!].sort()).toEqual([1, 2, 3, 4, 5]);
    expect([...parseDays('fri-mon')!].sort()).toEqual([0, 1, 5, 6]);
    expect([...parseDays('mon,wed,fri')!].sort()).toEqual([1, 3, 5]);
    expect(parseDays('daily')!.size).toBe(7);
    expect(parseDays('funday')).toBeUndefined();
    expect(parseDays('mon-')).toBeUndefined();
  });

  it('takes 06:00 Berlin as 05:00 UTC in winter and 04:00 UTC in summer', () => {
    expect(iso(zonedToUtc(2026, 12, 2, 6, 0, 'Europe/Berlin'))).toBe('2026-12-02T05:00:00.000Z');
    expect(iso(zonedToUtc(2026, 7, 1, 6, 0, 'Europe/Berlin'))).toBe('2026-07-01T04:00:00.000Z');
  });

  it('moves a due time in the spring-forward gap past the gap, and takes the first of the autumn overlap', () => {
    // 29 March 2026: 02:00 CET → 03:00 CEST; 02:30 does not exist.
    expect(iso(zonedToUtc(2026, 3, 29, 2, 30, 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z');
    expect(localClock(zonedToUtc(2026, 3, 29, 2, 30, 'Europe/Berlin'), 'Europe/Berlin')).toBe('03:30');
    // 25 October 2026: 03:00 CEST → 02:00 CET; 02:30 happens twice.
    expect(iso(zonedToUtc(2026, 10, 25, 2, 30, 'Europe/Berlin'))).toBe('2026-10-25T00:30:00.000Z');
  });

  it('keeps 06:00 local across the DST change (the UTC time moves, the wall time does not)', () => {
    // Friday 27 March (CET) and Monday 30 March (CEST).
    const sunday = Date.parse('2026-03-29T12:00:00Z');
    const { previous, next } = occurrencesAround(berlin, sunday);
    expect(iso(previous)).toBe('2026-03-27T05:00:00.000Z');
    expect(iso(next)).toBe('2026-03-30T04:00:00.000Z');
    const autumn = occurrencesAround(berlin, Date.parse('2026-10-25T12:00:00Z'));
    expect(iso(autumn.previous)).toBe('2026-10-23T04:00:00.000Z');
    expect(iso(autumn.next)).toBe('2026-10-26T05:00:00.000Z');
  });

  it('skips the weekend: on Saturday the last due time is Friday and the next is Monday', () => {
    const saturday = Date.parse('2026-12-05T10:00:00Z');
    const { previous, next } = occurrencesAround(berlin, saturday);
    expect(iso(previous)).toBe('2026-12-04T05:00:00.000Z');
    expect(iso(next)).toBe('2026-12-07T05:00:00.000Z');
    // Monday's window begins at Monday's local midnight (Sunday 23:00 UTC).
    expect(iso(windowStart(berlin, next!))).toBe('2026-12-06T23:00:00.000Z');
    expect(localDate(next!, 'Europe/Berlin')).toBe('2026-12-07');
  });

  it('treats the due minute itself as reached', () => {
    const due = Date.parse('2026-12-02T05:00:00Z');
    expect(occurrencesAround(berlin, due).previous).toBe(due);
    expect(occurrencesAround(berlin, due - 1).next).toBe(due);
  });

  it('follows a cron expression in the zone, filtered by days', () => {
    const rule = { due: '30 5 * * 1-5', days: 'daily', timezone: 'Europe/Berlin' };
    const { previous, next } = occurrencesAround(rule, Date.parse('2026-12-05T10:00:00Z'));
    expect(iso(previous)).toBe('2026-12-04T04:30:00.000Z');
    expect(iso(next)).toBe('2026-12-07T04:30:00.000Z');
    // Across spring forward too.
    expect(iso(occurrencesAround(rule, Date.parse('2026-03-29T12:00:00Z')).next)).toBe('2026-03-30T03:30:00.000Z');
  });

  it('gives a cron that fires several times a day windows between its due times', () => {
    const rule = { due: '0 */6 * * *', days: 'daily', timezone: 'UTC' };
    const { next } = occurrencesAround(rule, Date.parse('2026-12-02T07:00:00Z'));
    expect(iso(next)).toBe('2026-12-02T12:00:00.000Z');
    expect(iso(windowStart(rule, next!))).toBe('2026-12-02T06:00:00.000Z');
  });
});
