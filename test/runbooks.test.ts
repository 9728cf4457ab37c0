// Runbooks as data, and stepping through them: every built-in can be walked to its end along
// every branch; stale and double clicks change nothing; the walk becomes a timeline.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { fillPlaceholders, loadRunbooks, parseRunbook, type Runbook } from '../src/runbooks/runbook.js';
import { actionsFor, applyAction, BOT_ACTOR, currentStep, type RunbookAction, type RunbookActionType, type RunbookSession, StaleActionError, startSession, timelineMarkdown } from '../src/runbooks/runbook-session.js';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';

const BUILT_IN = fileURLToPath(new URL('../src/knowledge/runbooks', import.meta.url));
const runbooks = loadRunbooks([BUILT_IN]);

const PLAN = { rounds: 1, quietMs: 0 };

/** Take one offered action; a check is run and passes (the bot's result follows at once). */
function take(runbook: Runbook, session: RunbookSession, type: RunbookActionType, at: number): RunbookSession {
  if (type !== 'run-check') return applyAction(runbook, session, { type } as RunbookAction, 'U0TEST', at, session.version);
  let s = applyAction(runbook, session, { type, plan: PLAN }, 'U0TEST', at, session.version);
  s = applyAction(runbook, s, { type: 'check-result', passed: true, detail: 'ok' }, BOT_ACTOR, at, s.version);
  return s;
}

/** Every path from the first step to the end, choosing each branch at each decision. */
function walkAll(runbook: Runbook): RunbookSession[] {
  const finished: RunbookSession[] = [];
  const explore = (session: RunbookSession, depth: number) => {
    if (depth > 100) throw new Error(`${runbook.id}: no end after 100 steps (a loop?)`);
    if (session.status === 'finished') {
      finished.push(session);
      return;
    }
    for (const type of actionsFor(runbook, session).filter((a) => a !== 'back' && a !== 'skip')) explore(take(runbook, session, type, depth), depth + 1);
  };
  explore(startSession(runbook, 'prod-sftp', 0), 0);
  return finished;
}

describe('built-in runbooks', () => {
  it('all load, and every finding code leads to one that exists', () => {
    expect(runbooks.size).toBeGreaterThanOrEqual(12);
    const kb = KnowledgeBase.load();
    for (const code of kb.codes()) expect(runbooks.has(kb.definition(code)!.runbook), code).toBe(true);
  });

  it.each([...runbooks.keys()])('%s can be walked to its end along every branch', (id) => {
    const runbook = runbooks.get(id)!;
    const walks = walkAll(runbook);
    expect(walks.length).toBeGreaterThan(0);
    for (const walk of walks) {
      expect(walk.status).toBe('finished');
      expect(currentStep(runbook, walk).kind).toBe('verify');
      expect(walk.records.at(-1)).toMatchObject({ action: 'done', outcome: 'resolved' });
      expect(timelineMarkdown(runbook, walk).split('\n').filter((l) => l.startsWith('- ')).length).toBe(walk.records.length);
    }
  });
});

describe('a session', () => {
  const runbook = runbooks.get('login-failures')!;

  it('refuses a double click and a button from an old message', () => {
    const s0 = startSession(runbook, 'prod-sftp', 0);
    const action: RunbookAction = { type: 'run-check', plan: PLAN };
    const s1 = applyAction(runbook, s0, action, 'U1', 1, s0.version);
    expect(() => applyAction(runbook, s1, action, 'U2', 2, s0.version)).toThrow(StaleActionError);
    expect(s1.records).toHaveLength(1);
    expect(s1.records[0]).toMatchObject({ by: 'U1', action: 'run-check' });
    expect(actionsFor(runbook, s1)).not.toContain('run-check');
  });

  it('goes back one step', () => {
    const s0 = startSession(runbook, 'prod-sftp', 0);
    const s1 = take(runbook, s0, 'run-check', 1);
    const s2 = applyAction(runbook, s1, { type: 'back' }, 'U1', 2, s1.version);
    expect(currentStep(runbook, s2).id).toBe(currentStep(runbook, s0).id);
    expect(s2.records.map((r) => r.action)).toEqual(['run-check', 'check-result', 'back']);
  });

  it('a failed check stays on its step, shows why, and can be run again', () => {
    const s0 = startSession(runbook, 'prod-sftp', 0);
    const s1 = applyAction(runbook, s0, { type: 'run-check', plan: PLAN }, 'U1', 1, s0.version);
    const s2 = applyAction(runbook, s1, { type: 'check-result', passed: false, detail: 'login ✗ 530 Login incorrect.' }, BOT_ACTOR, 2, s1.version);
    expect(currentStep(runbook, s2).id).toBe(currentStep(runbook, s0).id);
    expect(s2.lastResult).toMatchObject({ passed: false, detail: 'login ✗ 530 Login incorrect.' });
    expect(actionsFor(runbook, s2)).toEqual(['run-check', 'skip']);
    // A late result for the check already answered changes nothing.
    expect(() => applyAction(runbook, s2, { type: 'check-result', passed: true, detail: '' }, BOT_ACTOR, 3, s1.version)).toThrow(StaleActionError);
  });

  it('verify: every round trip, then the quiet period, then a last check before it proposes to resolve', () => {
    const verifyAt = runbook.steps.findIndex((s) => s.kind === 'verify');
    let s: RunbookSession = { ...startSession(runbook, 'prod-sftp', 0), path: [runbook.steps[verifyAt]!.id] };
    s = applyAction(runbook, s, { type: 'run-check', plan: { rounds: 3, quietMs: 60_000 } }, 'U1', 1, s.version);
    for (const round of [1, 2, 3]) {
      expect(s.checking).toMatchObject({ round, of: 3 });
      s = applyAction(runbook, s, { type: 'check-result', passed: true, detail: `round ${round}` }, BOT_ACTOR, 10 + round, s.version);
    }
    expect(s.quiet).toEqual({ since: 13, until: 60_013 });
    expect(s.verified).toBeUndefined();
    s = applyAction(runbook, s, { type: 'quiet-over' }, BOT_ACTOR, 60_013, s.version);
    expect(s.checking).toMatchObject({ final: true });
    s = applyAction(runbook, s, { type: 'check-result', passed: true, detail: 'still fine' }, BOT_ACTOR, 60_020, s.version);
    expect(s.verified).toBe(true);
    expect(actionsFor(runbook, s)).toEqual(['done']);
    s = applyAction(runbook, s, { type: 'done' }, 'U2', 60_030, s.version);
    expect(s.status).toBe('finished');
    expect(s.records.at(-1)).toMatchObject({ by: 'U2', outcome: 'resolved' });
    expect(timelineMarkdown(runbook, s)).toMatch(/as expected \(round 2 of 3\): round 2\) — ftpops/);
  });

  it('verify: a failed round trip starts over', () => {
    const verifyAt = runbook.steps.findIndex((s) => s.kind === 'verify');
    let s: RunbookSession = { ...startSession(runbook, 'prod-sftp', 0), path: [runbook.steps[verifyAt]!.id] };
    s = applyAction(runbook, s, { type: 'run-check', plan: { rounds: 3, quietMs: 0 } }, 'U1', 1, s.version);
    s = applyAction(runbook, s, { type: 'check-result', passed: true, detail: 'round 1' }, BOT_ACTOR, 2, s.version);
    s = applyAction(runbook, s, { type: 'check-result', passed: false, detail: 'greet ✗ 421' }, BOT_ACTOR, 3, s.version);
    expect(s.checking).toBeUndefined();
    expect(s.verified).toBeUndefined();
    expect(actionsFor(runbook, s)).toContain('run-check');
  });

  it('fills the target into commands', () => {
    expect(fillPlaceholders('ss -tnp state established "( sport = :{port} )" # {host} {user} {other}', { host: 'files.example.com', port: 22, user: 'deploy' })).toBe(
      'ss -tnp state established "( sport = :22 )" # files.example.com deploy {other}',
    );
  });
});

describe('runbooks written by operators', () => {
  it.each([
    ['id: x\ntitle: t\nsummary: s\nsteps:\n  - { id: a, kind: decision, title: t, text: t, yes: b, no: c }\n', /steps\.0\.yes: no step 'b' to go to/],
    ['id: x\ntitle: t\nsummary: s\nsteps:\n  - { id: a, kind: check, title: t, text: t }\n', /a check step needs check/],
    ['id: x\ntitle: t\nsummary: s\nsteps:\n  - { id: a, kind: instruction, title: t, text: t }\n  - { id: a, kind: instruction, title: t, text: t }\n', /step id 'a' is used twice/],
    ['id: x\ntitle: t\nsteps: []\n', /summary|steps/],
    ['steps: [\n', /invalid YAML/],
  ])('refuses a broken runbook with file and field', (text, message) => {
    expect(() => parseRunbook(text, 'mine.yaml')).toThrow(message);
    expect(() => parseRunbook(text, 'mine.yaml')).toThrow(/^mine\.yaml: /);
  });
});
