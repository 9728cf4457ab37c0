// Stepping through a runbook: a small pure machine over (runbook, session, action). Every action
// is recorded (who, when, outcome), so the end of a walk can be posted as a timeline and copied
// into a postmortem. Decisions branch; Back returns to the step before; the last step ends it.
//
// Check and verify steps are run by the bot: a person presses "Run check" (run-check), the bot
// probes and reports back (check-result). A check step moves on when the stage behaves as the
// step expects and stays put, showing why, when it does not. A verify step wants N passing
// round trips, then a quiet period without a failed check (docs/domain.md, Thresholds), then a last check;
// only then does it propose to resolve, and a person confirms.
import { fillPlaceholders, type PlaceholderValues, type Runbook, type RunbookStep } from './runbook.js';

/** What a verify (or check) step runs: rounds of the full check, then a quiet period. */
export interface CheckPlan {
  rounds: number;
  quietMs: number;
}

export type RunbookAction =
  | { type: 'done' }
  | { type: 'skip' }
  | { type: 'back' }
  | { type: 'yes' }
  | { type: 'no' }
  /** A person asks the bot to run the step's check. */
  | { type: 'run-check'; plan: CheckPlan }
  /** The bot ran one round of the step's check: did the target behave as the step expects? */
  | { type: 'check-result'; passed: boolean; detail: string }
  /** The bot: the quiet period is over and no check failed in it; one last check follows. */
  | { type: 'quiet-over' };

export type RunbookActionType = RunbookAction['type'];

/** Actions only the bot takes; they are never offered as buttons. */
export const BOT_ACTIONS: readonly RunbookActionType[] = ['check-result', 'quiet-over'];

export interface RunbookRecord {
  stepId: string;
  action: RunbookActionType;
  by: string;
  at: number;
  outcome?: string;
}

export interface RunningCheck {
  round: number;
  of: number;
  /** The check after the quiet period, and when that period began: a failed check since then counts. */
  final?: boolean;
  quietSince?: number;
  startedAt: number;
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
  /** State of the current check or verify step; cleared when the step changes. */
  plan?: CheckPlan;
  checking?: RunningCheck;
  quiet?: { since: number; until: number };
  verified?: boolean;
  lastResult?: { passed: boolean; detail: string; at: number };
}

export function startSession(runbook: Runbook, target: string, at: number): RunbookSession {
  return { runbookId: runbook.id, target, path: [runbook.steps[0]!.id], status: 'active', records: [], startedAt: at, version: 1 };
}

export function currentStep(runbook: Runbook, session: RunbookSession): RunbookStep {
  const id = session.path.at(-1);
  return runbook.steps.find((s) => s.id === id) ?? runbook.steps[0]!;
}

/** Which actions people may take at the current step (the chat shows these as buttons). */
export function actionsFor(runbook: Runbook, session: RunbookSession): RunbookActionType[] {
  if (session.status !== 'active') return [];
  const step = currentStep(runbook, session);
  const back: RunbookActionType[] = session.path.length > 1 ? ['back'] : [];
  if (step.kind === 'decision') return ['yes', 'no', ...back];
  if (step.kind === 'check' || step.kind === 'verify') {
    if (session.verified) return ['done', ...back];
    if (session.checking) return ['skip', ...back];
    return ['run-check', 'skip', ...back];
  }
  return ['done', 'skip', ...back];
}

export class StaleActionError extends Error {}

/**
 * Apply one action. `version` is the session version the person (or the bot's check) saw: a
 * double click, an old message or a check result for a step already left carries an older
 * version and changes nothing (StaleActionError).
 */
export function applyAction(runbook: Runbook, session: RunbookSession, action: RunbookAction, by: string, at: number, version: number): RunbookSession {
  if (session.status !== 'active') throw new StaleActionError('this runbook is already finished');
  if (version !== session.version) throw new StaleActionError('that button belongs to an earlier state of this step; use the latest message');
  if (!allowed(runbook, session, action.type)) throw new StaleActionError(`'${action.type}' is not an option at this step`);
  const step = currentStep(runbook, session);
  const record: RunbookRecord = { stepId: step.id, action: action.type, by, at, ...outcomeOf(session, action) };
  const base = { ...session, records: [...session.records, record], version: session.version + 1 };
  switch (action.type) {
    case 'back':
      return leaveStep(base, session.path.slice(0, -1));
    case 'run-check':
      return { ...withoutStepState(base), plan: action.plan, checking: { round: 1, of: Math.max(1, action.plan.rounds), startedAt: at } };
    case 'quiet-over':
      return { ...base, quiet: undefined, checking: { round: 1, of: 1, final: true, quietSince: session.quiet!.since, startedAt: at } };
    case 'check-result':
      return afterCheck(runbook, step, base, action, at);
    case 'done':
    case 'skip':
      return advance(runbook, base, nextId(runbook, step));
    case 'yes':
      return advance(runbook, base, step.yes);
    case 'no':
      return advance(runbook, base, step.no);
  }
}

function allowed(runbook: Runbook, session: RunbookSession, type: RunbookActionType): boolean {
  if (type === 'check-result') return Boolean(session.checking);
  if (type === 'quiet-over') return Boolean(session.quiet);
  return actionsFor(runbook, session).includes(type);
}

function outcomeOf(session: RunbookSession, action: RunbookAction): Pick<RunbookRecord, 'outcome'> {
  if (action.type === 'check-result') {
    const round = session.checking && session.checking.of > 1 ? ` (round ${session.checking.round} of ${session.checking.of})` : session.checking?.final ? ' (after the quiet period)' : '';
    return { outcome: `${action.passed ? 'as expected' : 'not as expected'}${round}: ${action.detail}` };
  }
  if (action.type === 'run-check' && (action.plan.rounds > 1 || action.plan.quietMs > 0)) {
    return { outcome: `${action.plan.rounds} round trip${action.plan.rounds > 1 ? 's' : ''}, then ${quietWords(action.plan.quietMs)} quiet` };
  }
  if (action.type === 'done' && session.verified) return { outcome: 'resolved' };
  return {};
}

function quietWords(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

function afterCheck(runbook: Runbook, step: RunbookStep, base: RunbookSession, result: { passed: boolean; detail: string }, at: number): RunbookSession {
  const running = base.checking!;
  const lastResult = { passed: result.passed, detail: result.detail, at };
  if (!result.passed) return { ...base, checking: undefined, quiet: undefined, lastResult };
  if (step.kind !== 'verify') return advance(runbook, { ...base, lastResult }, nextId(runbook, step));
  if (running.round < running.of) return { ...base, lastResult, checking: { ...running, round: running.round + 1 } };
  const quietMs = base.plan?.quietMs ?? 0;
  if (!running.final && quietMs > 0) return { ...base, lastResult, checking: undefined, quiet: { since: at, until: at + quietMs } };
  return { ...base, lastResult, checking: undefined, verified: true };
}

function advance(runbook: Runbook, session: RunbookSession, to: string | undefined): RunbookSession {
  if (!to) return { ...withoutStepState(session), status: 'finished' };
  return leaveStep(session, [...session.path, to]);
}

function leaveStep(session: RunbookSession, path: string[]): RunbookSession {
  return { ...withoutStepState(session), path };
}

function withoutStepState(session: RunbookSession): RunbookSession {
  const { plan: _plan, checking: _checking, quiet: _quiet, verified: _verified, lastResult: _last, ...rest } = session;
  return rest;
}

function nextId(runbook: Runbook, step: RunbookStep): string | undefined {
  const index = runbook.steps.findIndex((s) => s.id === step.id);
  return runbook.steps[index + 1]?.id;
}

/** Who did it, as chat shows it: the bot by name, people as mentions. */
export function actorName(by: string): string {
  return by === BOT_ACTOR ? 'ftpops' : `<@${by}>`;
}

/** The `by` of actions the bot takes itself. */
export const BOT_ACTOR = 'ftpops';

const ACTION_WORDS: Record<RunbookActionType, string> = {
  done: 'done',
  skip: 'skipped',
  back: 'went back',
  yes: 'yes',
  no: 'no',
  'run-check': 'ran the check',
  'check-result': 'check result',
  'quiet-over': 'quiet period over',
};

/** The walk as Markdown, ready to paste into a postmortem. */
export function timelineMarkdown(runbook: Runbook, session: RunbookSession, values: PlaceholderValues = {}): string {
  const title = (id: string) => fillPlaceholders(runbook.steps.find((s) => s.id === id)?.title ?? id, values);
  const lines = session.records.map((r) => `- ${new Date(r.at).toISOString()} — **${title(r.stepId)}**: ${ACTION_WORDS[r.action]}${r.outcome ? ` (${r.outcome})` : ''} — ${actorName(r.by)}`);
  const end = session.records.at(-1);
  const span = end ? `, ${session.status} after ${Math.max(1, Math.round((end.at - session.startedAt) / 60_000))} min` : '';
  return [`### ${runbook.title} — ${session.target}`, `Started ${new Date(session.startedAt).toISOString()}${span}.`, '', ...lines].join('\n');
}
