// Runbooks as data, and stepping through them: every built-in can be walked to its end along
// every branch; stale and double clicks change nothing; the walk becomes a timeline.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { fillPlaceholders, loadRunbooks, parseRunbook, type Runbook } from '../src/runbooks/runbook.js';
import { actionsFor, applyAction, currentStep, type RunbookAction, type RunbookSession, StaleActionError, startSession, timelineMarkdown } from '../src/runbooks/runbook-session.js';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';

const BUILT_IN = fileURLToPath(new URL('../src/knowledge/runbooks', import.meta.url));
const runbooks = loadRunbooks([BUILT_IN]);

/** Every path from the first step to the end, choosing each branch at each decision. */
function walkAll(runbook: Runbook): RunbookSession[] {
  const finished: RunbookSession[] = [];
  const explore = (session: RunbookSession, depth: number) => {
    if (depth > 100) throw new Error(`${runbook.id}: no end after 100 steps (a loop?)`);
    if (session.status === 'finished') {
      finished.push(session);
      return;
    }
    const options = actionsFor(runbook, session).filter((a) => a !== 'back' && a !== 'skip');
    for (const type of options) {
      const action: RunbookAction = type === 'check-result' ? { type, passed: true, detail: 'ok' } : ({ type } as RunbookAction);
      explore(applyAction(runbook, session, action, 'U0TEST', depth, session.version), depth + 1);
    }
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
      expect(timelineMarkdown(runbook, walk).split('\n').filter((l) => l.startsWith('- ')).length).toBe(walk.records.length);
    }
  });
});

describe('a session', () => {
  const runbook = runbooks.get('login-failures')!;

  it('refuses a double click and a button from an old message', () => {
    const s0 = startSession(runbook, 'prod-sftp', 0);
    const first = actionsFor(runbook, s0)[0]!;
    const action = (first === 'check-result' ? { type: first, passed: false, detail: '530 Login incorrect.' } : { type: first }) as RunbookAction;
    const s1 = applyAction(runbook, s0, action, 'U1', 1, s0.version);
    expect(() => applyAction(runbook, s1, action, 'U2', 2, s0.version)).toThrow(StaleActionError);
    expect(s1.records).toHaveLength(1);
    expect(s1.records[0]).toMatchObject({ by: 'U1', action: first });
  });

  it('goes back one step', () => {
    const s0 = startSession(runbook, 'prod-sftp', 0);
    const a = actionsFor(runbook, s0)[0]!;
    const s1 = applyAction(runbook, s0, (a === 'check-result' ? { type: a, passed: true, detail: '' } : { type: a }) as RunbookAction, 'U1', 1, 1);
    const s2 = applyAction(runbook, s1, { type: 'back' }, 'U1', 2, s1.version);
    expect(currentStep(runbook, s2).id).toBe(currentStep(runbook, s0).id);
    expect(s2.records.map((r) => r.action)).toEqual([a, 'back']);
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
