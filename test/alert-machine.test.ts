// The alert state machine: hysteresis, one open per incident, no spam from flapping input.
import { describe, expect, it } from 'vitest';
import { type AlertEffect, type AlertPolicy, type AlertState, type Evaluation, INITIAL_ALERT_STATE, transition } from '../src/alerts/alert-machine.js';

const policy: AlertPolicy = { fireAfter: 2, resolveAfter: 3, remindEveryMs: 60_000 };

function run(inputs: Array<Evaluation['breach']>, p = policy, stepMs = 1_000): { state: AlertState; effects: AlertEffect[] } {
  let state = INITIAL_ALERT_STATE;
  const effects: AlertEffect[] = [];
  inputs.forEach((breach, i) => {
    const out = transition(state, { at: i * stepMs, breach, detail: `eval ${i}` }, p);
    state = out.state;
    effects.push(...out.effects);
  });
  return { state, effects };
}

// 'update' only edits the root message with fresh counts; everything else is a thread event.
const types = (effects: AlertEffect[]) => effects.filter((e) => e.type !== 'update').map((e) => e.type);

describe('alert machine', () => {
  it('a single breach stays pending and goes away quietly', () => {
    const { state, effects } = run(['warning', null]);
    expect(effects).toEqual([]);
    expect(state.status).toBe('ok');
  });

  it('fires once after consecutive breaches, resolves after K good results, with the duration', () => {
    const { state, effects } = run(['warning', 'warning', 'warning', null, null, null]);
    expect(types(effects)).toEqual(['open', 'resolve']);
    expect(effects.find((e) => e.type === 'resolve')).toMatchObject({ durationMs: 5_000 });
    expect(state.status).toBe('ok');
  });

  it('escalates once, eases without a thread reply', () => {
    const { effects } = run(['warning', 'warning', 'critical', 'critical', 'warning']);
    expect(types(effects)).toEqual(['open', 'escalate', 'ease']);
  });

  it('opens at the worst severity seen while pending', () => {
    const { effects } = run(['warning', 'critical']);
    expect(effects[0]).toMatchObject({ type: 'open', severity: 'critical' });
  });

  it('a critical breach fires at once; a warning waits for confirmation', () => {
    expect(types(run(['critical']).effects)).toEqual(['open']);
    expect(types(run(['warning']).effects)).toEqual([]);
  });

  it('flapping input neither spams nor resolves early', () => {
    const flapping = Array.from({ length: 40 }, (_, i) => (i % 3 === 2 ? null : 'warning')) as Array<Evaluation['breach']>;
    const { effects, state } = run(flapping);
    expect(types(effects).filter((t) => t === 'open')).toHaveLength(1);
    expect(types(effects)).not.toContain('resolve');
    expect(state.status).toBe('firing');
  });

  it('reminds while still firing, at most once per interval', () => {
    // Fires at 25 s; 60 s intervals from the last notice: reminders at 100 s and 175 s, up to 225 s.
    const { effects } = run(Array.from({ length: 10 }, () => 'warning' as const), policy, 25_000);
    expect(types(effects).filter((t) => t === 'remind')).toHaveLength(2);
  });

  it('edits the root when the counts change, and stays silent when nothing changed', () => {
    let state = INITIAL_ALERT_STATE;
    const feed = (detail: string, at: number) => {
      const out = transition(state, { at, breach: 'warning', detail }, policy);
      state = out.state;
      return out.effects.map((e) => e.type);
    };
    feed('5 failed logins', 0);
    expect(feed('5 failed logins', 1_000)).toEqual(['open']);
    expect(feed('9 failed logins', 2_000)).toEqual(['update']);
    expect(feed('9 failed logins', 3_000)).toEqual([]);
  });

  it('is pure: the input state is never changed', () => {
    const frozen = Object.freeze({ ...INITIAL_ALERT_STATE });
    expect(() => transition(frozen, { at: 0, breach: 'warning', detail: 'x' }, policy)).not.toThrow();
    expect(frozen).toEqual(INITIAL_ALERT_STATE);
  });
});
