// Runbook session → chat messages: the current step with its buttons, an earlier step as a
// closed record, and the timeline at the end. Pure and chat-neutral, like messages.ts.
import type { Runbook, RunbookStep } from '../runbooks/runbook.js';
import { fillPlaceholders, type PlaceholderValues } from '../runbooks/runbook.js';
import {
  actionsFor,
  BOT_ACTOR,
  type CheckPlan,
  currentStep,
  type RunbookActionType,
  type RunbookRecord,
  type RunbookSession,
  timelineMarkdown,
} from '../runbooks/runbook-session.js';
import type { ChatAction, RunbookStepMessage, RunbookTimelineMessage } from './messages.js';
import { type Rich, rich } from './rich.js';


export interface StepView {
  runbook: Runbook;
  session: RunbookSession;
  sessionId: string;
  values: PlaceholderValues;
  /** What the step's check would run (for check and verify steps). */
  plan: CheckPlan;
}

/** The current step, with the buttons its state offers. */
export function runbookStepMessage(view: StepView): RunbookStepMessage {
  const { runbook, session, sessionId } = view;
  const step = currentStep(runbook, session);
  const actions: ChatAction[] = actionsFor(runbook, session).map((action) => ({
    kind: 'runbook-step',
    session: sessionId,
    version: session.version,
    action,
    label: labelOf(step, session, action),
    ...(action === 'run-check' || action === 'done' || action === 'yes' ? { primary: true } : {}),
  }));
  return { ...stepFrame(view, step, session.path.length), notes: currentNotes(view, step), closed: false, actions };
}

/** A step left behind: what was done there, by whom; no buttons. */
export function closedStepMessage(view: StepView, stepId: string, position: number, records: RunbookRecord[]): RunbookStepMessage {
  const step = view.runbook.steps.find((s) => s.id === stepId) ?? view.runbook.steps[0]!;
  return { ...stepFrame(view, step, position), notes: records.map(recordLine), closed: true, actions: [] };
}

export function runbookTimelineMessage(view: StepView): RunbookTimelineMessage {
  const { runbook, session } = view;
  return { kind: 'runbook-timeline', title: `${runbook.title} — ${session.target}: ${session.status}`, markdown: timelineMarkdown(runbook, session, view.values) };
}

function stepFrame(view: StepView, step: RunbookStep, position: number): Omit<RunbookStepMessage, 'notes' | 'closed' | 'actions'> {
  const fill = (text: string) => fillPlaceholders(text, view.values);
  return {
    kind: 'runbook-step',
    runbookTitle: view.runbook.title,
    target: view.session.target,
    position,
    stepKind: step.kind,
    title: fill(step.title),
    text: fill(step.text),
    commands: (step.commands ?? []).map(fill),
  };
}

function labelOf(step: RunbookStep, session: RunbookSession, action: RunbookActionType): string {
  switch (action) {
    case 'done':
      return session.verified ? 'Resolve' : 'Done';
    case 'run-check':
      return step.kind === 'verify' ? (session.quiet || session.lastResult ? 'Verify again' : 'Run verification') : session.lastResult ? 'Run check again' : 'Run check';
    case 'skip':
      return 'Skip';
    case 'back':
      return 'Back';
    case 'yes':
      return 'Yes';
    case 'no':
      return 'No';
    default:
      return action;
  }
}

function currentNotes(view: StepView, step: RunbookStep): Rich[] {
  const { session, plan } = view;
  const notes: Rich[] = [];
  if (step.kind === 'check' && step.check && !session.checking) {
    const as = step.check.protocol ? ` (probing ${view.values.host}:${view.values.port} as plain ${step.check.protocol.toUpperCase()})` : '';
    notes.push(rich`🔎 The bot runs the check${as}: the ${{ strong: step.check.stage }} stage should ${step.check.expect === 'pass' ? 'pass' : 'fail'}.`);
  }
  if (step.kind === 'verify' && !session.checking && !session.quiet && !session.verified) {
    notes.push([`🔎 The bot runs ${plan.rounds} complete round trip${plan.rounds > 1 ? 's' : ''}, then waits ${quietText(plan.quietMs)} without a failed check and checks once more before it proposes to resolve.`]);
  }
  // The detail quotes the server: a plain span, never markup.
  if (session.lastResult) notes.push([`${session.lastResult.passed ? '✓' : '✗'} `, session.lastResult.detail]);
  if (session.checking) {
    const which = session.checking.final ? 'the last check after the quiet period' : session.checking.of > 1 ? `round trip ${session.checking.round} of ${session.checking.of}` : 'the check';
    notes.push([`⏳ Running ${which}…`]);
  }
  if (session.quiet) notes.push([`⏸ All round trips passed. Quiet period until ${clock(session.quiet.until)} UTC: if no check fails by then, the bot checks once more and proposes to resolve.`]);
  if (session.verified) notes.push(['✅ Verified: the round trips passed and the target stayed healthy. Resolve?']);
  return notes;
}

const RECORD_WORDS: Record<RunbookActionType, string> = {
  done: '✓ Done',
  skip: '↷ Skipped',
  back: '↩ Back',
  yes: '✓ Yes',
  no: '✗ No',
  'run-check': '🔎 Check started',
  'check-result': '🔎 Check',
  'quiet-over': '⏸ Quiet period over',
};

function recordLine(r: RunbookRecord): Rich {
  const what = r.action === 'done' && r.outcome === 'resolved' ? '✅ Resolved' : RECORD_WORDS[r.action];
  const who = r.by === BOT_ACTOR ? 'ftpops' : { user: r.by };
  // The outcome may quote the server: a plain span.
  return [`${what}`, ...(r.outcome && r.outcome !== 'resolved' ? [' — ', r.outcome] : []), ' · ', who, ` at ${clock(r.at)} UTC`];
}

function clock(at: number): string {
  return new Date(at).toISOString().slice(11, 16);
}

function quietText(ms: number): string {
  if (ms <= 0) return 'no time';
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}
