// Runbook steps and timelines as chat shows them: placeholders filled, buttons per state with
// the session version in every value, Slack's limits kept, server text escaped.
import { describe, expect, it } from 'vitest';
import { loadRunbooks, BUILT_IN_RUNBOOKS, RunbookLibrary, type Runbook } from '../src/runbooks/runbook.js';
import { applyAction, BOT_ACTOR, type RunbookSession, startSession } from '../src/runbooks/runbook-session.js';
import { mrkdwn } from '../src/chat/slack/blocks.js';
import { richLines } from '../src/bot/rich.js';
import { closedStepMessage, runbookStepMessage, runbookTimelineMessage, type StepView } from '../src/bot/runbook-messages.js';
import { renderBlocks, SLACK_LIMITS } from '../src/chat/slack/render-blocks.js';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { ALERT_CLASSES, RUNBOOK_OF_CLASS } from '../src/alerts/alert-classes.js';

const runbooks = loadRunbooks([BUILT_IN_RUNBOOKS]);
const values = { host: 'files.example.com', port: 2121, user: 'deploy', protocol: 'ftpes' };

function view(runbook: Runbook, session: RunbookSession, plan = { rounds: 3, quietMs: 30 * 60_000 }): StepView {
  return { runbook, session, sessionId: 'abc123', values, plan };
}

const buttonsOf = (message: Parameters<typeof renderBlocks>[0]) => renderBlocks(message).blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));

describe('the runbook library', () => {
  const kb = KnowledgeBase.load();
  const library = new RunbookLibrary(runbooks, (code) => kb.definition(code)?.runbook ?? RUNBOOK_OF_CLASS[code as keyof typeof RUNBOOK_OF_CLASS]);

  it('every finding code and every alert class leads to a runbook', () => {
    for (const code of kb.codes()) expect(library.resolve(code)?.id, code).toBe(kb.definition(code)!.runbook);
    for (const cls of ALERT_CLASSES) expect(library.resolve(cls)?.id, cls).toBe(RUNBOOK_OF_CLASS[cls]);
    expect(library.resolve('too-many-connections')?.title).toMatch(/Too many connections/);
    expect(library.resolve('no.such.code')).toBeUndefined();
  });

  it("an operator's runbook claiming a code wins over the built-in", () => {
    const own: Runbook = { ...runbooks.get('login-failures')!, id: 'our-530-process', title: 'Our 530 process', findings: ['auth.failed'] };
    const mixed = new RunbookLibrary(new Map([...runbooks, [own.id, own]]), (code) => kb.definition(code)?.runbook);
    expect(mixed.resolve('auth.failed')?.id).toBe('our-530-process');
    expect(mixed.resolve('tls.required')?.id).toBe('login-failures');
  });

  it('a folder that cannot be read is a one-line configuration error', () => {
    expect(() => RunbookLibrary.load({ FTPOPS_RUNBOOKS: '/nonexistent/runbooks' })).toThrow(/^FTPOPS_RUNBOOKS: cannot read runbooks from '\/nonexistent\/runbooks'/);
  });
});

describe('a runbook step in chat', () => {
  const runbook = runbooks.get('too-many-connections')!;
  const s0 = startSession(runbook, 'prod-ftp', Date.UTC(2026, 11, 1, 10, 0));

  it('a check step: what the bot will run, and Run check / Skip with the session version', () => {
    const m = runbookStepMessage(view(runbook, s0));
    expect(m).toMatchObject({ kind: 'runbook-step', position: 1, stepKind: 'check', closed: false });
    expect(m.text).toContain('files.example.com:2121');
    expect(notesText(m)).toMatch(/the \*greet\* stage should pass/);
    const buttons = buttonsOf(m);
    expect(buttons.map((b) => [b.action_id, b.text.text])).toEqual([
      ['ftpops.rb.run-check', 'Run check'],
      ['ftpops.rb.skip', 'Skip'],
    ]);
    expect(buttons.map((b) => b.value)).toEqual(['rb:run-check:abc123:1', 'rb:skip:abc123:1']);
  });

  it('while the check runs only Skip is offered; a failed check shows why and offers it again', () => {
    const running = applyAction(runbook, s0, { type: 'run-check', plan: { rounds: 1, quietMs: 0 } }, 'U1', s0.startedAt + 1_000, 1);
    expect(buttonsOf(runbookStepMessage(view(runbook, running))).map((b) => b.text.text)).toEqual(['Skip']);
    expect(notesText(runbookStepMessage(view(runbook, running)))).toContain('⏳ Running the check');
    const failed = applyAction(runbook, running, { type: 'check-result', passed: false, detail: 'greet failed: ftp.unavailable — 421 <too many>' }, BOT_ACTOR, s0.startedAt + 2_000, 2);
    const m = runbookStepMessage(view(runbook, failed));
    expect(notesText(m)).toContain('✗ greet failed: ftp.unavailable — 421 &lt;too many&gt;');
    expect(m.notes.at(-1)).toEqual(['✗ ', 'greet failed: ftp.unavailable — 421 <too many>']);
    const rendered = JSON.stringify(renderBlocks(m).blocks);
    expect(rendered).toContain('421 &lt;too many&gt;');
    expect(buttonsOf(m).map((b) => b.text.text)).toEqual(['Run check again', 'Skip']);
  });

  it('a closed step keeps who did what, without buttons; commands are filled in and copyable', () => {
    const s1 = applyAction(runbook, s0, { type: 'skip' }, 'U0ANN', s0.startedAt + 60_000, 1);
    const closed = closedStepMessage(view(runbook, s1), 'recheck-greeting', 1, s1.records);
    expect(closed.closed).toBe(true);
    expect(closed.notes).toEqual([['↷ Skipped', ' · ', { user: 'U0ANN' }, ' at 10:01 UTC']]);
    expect(notesText(closed)).toBe('↷ Skipped · <@U0ANN> at 10:01 UTC');
    expect(buttonsOf(closed)).toEqual([]);
    const next = runbookStepMessage(view(runbook, s1));
    expect(next.commands[0]).toContain("sport = :2121");
    expect(JSON.stringify(renderBlocks(next).blocks)).toContain('```ss -tn state established');
  });

  it('verify: the plan in words, the quiet period, then Resolve', () => {
    const verify = runbook.steps.find((s) => s.kind === 'verify')!;
    let s: RunbookSession = { ...s0, path: [verify.id] };
    expect(notesText(runbookStepMessage(view(runbook, s)))).toMatch(/3 complete round trips, then waits 30 min/);
    expect(buttonsOf(runbookStepMessage(view(runbook, s)))[0]!.text.text).toBe('Run verification');
    s = applyAction(runbook, s, { type: 'run-check', plan: { rounds: 1, quietMs: 30 * 60_000 } }, 'U1', s0.startedAt, s.version);
    s = applyAction(runbook, s, { type: 'check-result', passed: true, detail: 'the round trip passed' }, BOT_ACTOR, s0.startedAt, s.version);
    expect(notesText(runbookStepMessage(view(runbook, s)))).toMatch(/Quiet period until 10:30 UTC/);
    s = applyAction(runbook, s, { type: 'quiet-over' }, BOT_ACTOR, s0.startedAt + 30 * 60_000, s.version);
    s = applyAction(runbook, s, { type: 'check-result', passed: true, detail: 'the last check passed' }, BOT_ACTOR, s0.startedAt + 30 * 60_000, s.version);
    expect(buttonsOf(runbookStepMessage(view(runbook, s))).map((b) => b.text.text)).toEqual(['Resolve']);
  });

  it('every step of every built-in renders within Slack limits', () => {
    for (const rb of runbooks.values()) {
      for (const step of rb.steps) {
        const r = renderBlocks(runbookStepMessage(view(rb, { ...startSession(rb, 'prod-ftp', 0), path: [step.id] })));
        expect(r.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
        for (const b of r.blocks) if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
        expect(r.text).not.toMatch(/\{host\}|\{port\}/);
      }
    }
  });

  it('the timeline: a copyable Markdown block, mentions kept, long walks split within limits', () => {
    let s = s0;
    for (let i = 0; i < 200; i++) {
      s = applyAction(runbook, s, { type: 'run-check', plan: { rounds: 1, quietMs: 0 } }, 'U0ANN', s0.startedAt + i, s.version);
      s = applyAction(runbook, s, { type: 'check-result', passed: false, detail: `try ${i}: 421 & <busy>` }, BOT_ACTOR, s0.startedAt + i, s.version);
    }
    const m = runbookTimelineMessage(view(runbook, s));
    expect(m.markdown.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(400);
    const r = renderBlocks(m);
    expect(r.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const sections = r.blocks.filter((b) => b.type === 'section').map((b) => (b.type === 'section' ? b.text.text : ''));
    for (const t of sections) {
      expect(t.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect(t.startsWith('```') && t.endsWith('```')).toBe(true);
    }
    expect(sections.join('')).toContain('&lt;@U0ANN&gt;');
    expect(sections.join('')).toContain('421 &amp; &lt;busy&gt;');
  });
});

/** The notes as Slack shows them (mrkdwn): server words escaped, our mentions and emphasis rendered. */
function notesText(m: { notes: Parameters<typeof richLines>[0] }): string {
  return mrkdwn(richLines(m.notes));
}
