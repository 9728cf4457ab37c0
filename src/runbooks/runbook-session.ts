// Stepping through a runbook: a small pure machine over (runbook, session, action). Every action
// is recorded (who, when, outcome), so the end of a walk can be posted as a timeline and copied
// into a postmortem. Decisions branch; Back returns to the step before; the last step ends it.
import type { Runbook, RunbookStep } from './runbook.js';

export type RunbookAction =
  | { type: 'done' }
  | { type: 'skip' }
  | { type: 'back' }
  | { type: 'yes' }
  | { type: 'no' }
  /** The bot ran the step's check: did the stage behave as the step expects? */
  | { type: 'check-result'; passed: boolean; detail: string };

export interface RunbookRecord {
  stepId: string;
  action: RunbookAction['type'];
  by: string;
  at: number;
  outcome?: string;
}

export interface RunbookSession {
  runbookId: string;
  target: string;
  /** Steps visited, the current one last. */
  path: string[];
  status: 'active' | 'finished';
  records: RunbookRecord[];
  startedAt: number;
  /** Bumped by every transition: a button from an older version of the message is stale. */
  version: number;
}

export function startSession(runbook: Runbook, target: string, at: number): RunbookSession {
  return { runbookId: runbook.id, target, path: [runbook.steps[0]!.id], status: 'active', records: [], startedAt: at, version: 1 };
}

export function currentStep(runbook: Runbook, session: RunbookSession): RunbookStep {
  const id = session.path.at(-1);
  return runbook.steps.find((s) => s.id === id) ?? runbook.steps[0]!;
}

/** Which actions the current step offers (the chat shows these as buttons). */
export function actionsFor(runbook: Runbook, session: RunbookSession): RunbookAction['type'][] {
  if (session.status !== 'active') return [];
  const step = currentStep(runbook, session);
  const back: RunbookAction['type'][] = session.path.length > 1 ? ['back'] : [];
  if (step.kind === 'decision') return ['yes', 'no', ...back];
  if (step.kind === 'check' || step.kind === 'verify') return ['check-result', 'skip', ...back];
  return ['done', 'skip', ...back];
}

export class StaleActionError extends Error {}

/**
 * Apply one action. `version` is the session version the person saw: a double click or an old
 * message carries an older version and changes nothing (StaleActionError).
 */
export function applyAction(runbook: Runbook, session: RunbookSession, action: RunbookAction, by: string, at: number, version: number): RunbookSession {
  if (session.status !== 'active') throw new StaleActionError('this runbook is already finished');
  if (version !== session.version) throw new StaleActionError('that button belongs to an earlier step; use the latest message');
  if (!actionsFor(runbook, session).includes(action.type)) throw new StaleActionError(`'${action.type}' is not an option at this step`);
  const step = currentStep(runbook, session);
  const record: RunbookRecord = {
    stepId: step.id,
    action: action.type,
    by,
    at,
    ...(action.type === 'check-result' ? { outcome: `${action.passed ? 'as expected' : 'not as expected'}: ${action.detail}` } : {}),
  };
  const records = [...session.records, record];
  const next = { ...session, records, version: session.version + 1 };
  if (action.type === 'back') return { ...next, path: session.path.slice(0, -1) };
  const target = action.type === 'yes' ? step.yes : action.type === 'no' ? step.no : nextId(runbook, step);
  if (!target) return { ...next, status: 'finished' };
  return { ...next, path: [...session.path, target] };
}

function nextId(runbook: Runbook, step: RunbookStep): string | undefined {
  const index = runbook.steps.findIndex((s) => s.id === step.id);
  return runbook.steps[index + 1]?.id;
}

/** The walk as Markdown, ready to paste into a postmortem. */
export function timelineMarkdown(runbook: Runbook, session: RunbookSession): string {
  const title = (id: string) => runbook.steps.find((s) => s.id === id)?.title ?? id;
  const lines = session.records.map((r) => `- ${new Date(r.at).toISOString()} — **${title(r.stepId)}**: ${r.action}${r.outcome ? ` (${r.outcome})` : ''} — <@${r.by}>`);
  return [`### ${runbook.title} — ${session.target}`, `Started ${new Date(session.startedAt).toISOString()}, ${session.status}.`, '', ...lines].join('\n');
}
