// Runbooks in chat, platform-neutral: starts a session in the incident's thread (or a new one),
// posts one message per step and edits it in place as the step changes, applies people's clicks
// through the Redis store (a stale or double click changes nothing), runs the steps' checks
// through the queue like any /ftp check, waits out a verify step's quiet period (a sweeper any
// bot replica may run) and posts the timeline when the runbook ends.
import { randomBytes, randomUUID } from 'node:crypto';
import type { TargetConfig } from '../config/targets-file.js';
import { parseTargetUrl } from '../probes/target-url.js';
import type { HistoryEntry } from '../alerts/check-results.js';
import type { PlaceholderValues, Runbook, RunbookLibrary, RunbookStep } from '../runbooks/runbook.js';
import {
  BOT_ACTIONS,
  BOT_ACTOR,
  type CheckPlan,
  currentStep,
  type RunbookAction,
  type RunbookActionType,
  type RunbookSession,
  StaleActionError,
  startSession,
} from '../runbooks/runbook-session.js';
import type { RunbookPlace, RunbookStore } from '../runbooks/runbook-store.js';
import type { CheckCoordinator, CheckOutcome, RunbookCheckListener } from './check-coordinator.js';
import type { Delivery } from './delivery-book.js';
import type { ChatOutbound, ChatOutbounds } from './incoming.js';
import { closedStepMessage, runbookStepMessage, runbookTimelineMessage, type StepView } from './runbook-messages.js';

/** A request people can get wrong (unknown runbook); the message is the answer to show them. */
export class RunbookRequestError extends Error {}

export interface ConductorOptions {
  store: RunbookStore;
  library: RunbookLibrary;
  targets: () => Map<string, TargetConfig>;
  coordinator: CheckCoordinator;
  chats: ChatOutbounds;
  /** The target's recent checks, newest first (a verify step's quiet period looks at them). */
  history: (target: string) => Promise<HistoryEntry[]>;
  /** The thread of an incident open for this target in this channel. */
  incidentThread?: (target: string, channel: string) => Promise<string | undefined>;
  sweepEveryMs?: number;
  now?: () => number;
}

export interface StartRequest {
  /** Runbook id, finding code or alert class. */
  query: string;
  target: string;
  platform: RunbookPlace['platform'];
  channel: string;
  /** Run in this thread (the alert's or the summary's); otherwise the incident's, or a new one. */
  threadId?: string;
  by: string;
}

export interface Started {
  sessionId: string;
  threadId: string;
  /** True when this runbook was already open in that thread: nothing new was posted. */
  alreadyOpen: boolean;
  runbook: Runbook;
}

/** After the check's own deadline (timeout + queue grace), how long before it counts as lost. */
const OVERDUE_MARGIN_MS = 10_000;

const PEOPLE_ACTIONS = new Set<RunbookActionType>(['done', 'skip', 'back', 'yes', 'no', 'run-check']);

export class RunbookConductor implements RunbookCheckListener {
  private readonly now: () => number;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: ConductorOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.sweeper = setInterval(() => {
      void this.sweepQuiet().catch(() => undefined);
      void this.sweepOverdueChecks().catch(() => undefined);
    }, this.options.sweepEveryMs ?? 1_000);
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  /** Whether people may name this action in a click (the bot's own ones may not). */
  static isPeopleAction(action: string): action is RunbookActionType {
    return PEOPLE_ACTIONS.has(action as RunbookActionType) && !BOT_ACTIONS.includes(action as RunbookActionType);
  }

  async open(request: StartRequest): Promise<Started> {
    const runbook = this.options.library.resolve(request.query);
    if (!runbook) {
      const known = [...this.options.library.runbooks.keys()].join(', ');
      throw new RunbookRequestError(`no runbook, finding code or alert class '${request.query.slice(0, 60)}' (runbooks: ${known})`);
    }
    const chat = this.chat(request.platform);
    const sessionId = randomBytes(6).toString('hex');
    let threadId = request.threadId ?? (await this.options.incidentThread?.(request.target, request.channel));
    if (threadId) {
      const holder = await this.options.store.claimThread(request.channel, threadId, runbook.id, sessionId);
      if (holder) return { sessionId: holder, threadId, alreadyOpen: true, runbook };
    } else {
      threadId = (await chat.post({ channel: request.channel }, { kind: 'runbook-start', runbookTitle: runbook.title, target: request.target, summary: runbook.summary, by: request.by })).id;
    }
    const session = startSession(runbook, request.target, this.now());
    await this.options.store.create(sessionId, session);
    // The place is stored before the first step is visible: a click that comes the moment the
    // message appears must find its session (it used to be told "this runbook session is gone").
    // Its message id follows the post; until then, this session's showing waits for it.
    const place = { platform: request.platform, channel: request.channel, threadId, messageId: '', recordsFrom: 0 };
    await this.options.store.setPlace(sessionId, place);
    const thread = threadId;
    await this.inOrder(sessionId, async () => {
      const messageId = (await chat.post({ channel: request.channel, thread }, runbookStepMessage(this.view(runbook, session, sessionId)))).id;
      await this.options.store.setPlace(sessionId, { ...place, messageId });
    });
    return { sessionId, threadId, alreadyOpen: false, runbook };
  }

  /** Where a session runs and for which target (a click is judged against them); undefined when gone. */
  async sessionPlace(sessionId: string): Promise<{ platform: RunbookPlace['platform']; channel: string; target: string } | undefined> {
    const [session, place] = await Promise.all([this.options.store.get(sessionId), this.options.store.place(sessionId)]);
    return session && place ? { platform: place.platform, channel: place.channel, target: session.target } : undefined;
  }

  /** A person's click. Throws StaleActionError (with the words to answer) when it no longer applies. */
  async act(sessionId: string, type: RunbookActionType, version: number, by: string): Promise<void> {
    if (!RunbookConductor.isPeopleAction(type)) throw new StaleActionError(`'${type}' is not a button`);
    const { runbook, session } = await this.load(sessionId);
    const action: RunbookAction = type === 'run-check' ? { type, plan: this.planFor(runbook, session) } : ({ type } as RunbookAction);
    const after = await this.options.store.act(sessionId, runbook, action, by, this.now(), version);
    // Queue first, then show "running…": once people see it, the check survives a bot restart.
    if (type === 'run-check') await this.runCheck(sessionId, runbook, after);
    await this.show(sessionId, runbook, session, after);
  }

  /** RunbookCheckListener: the answer to a check a step asked for (exactly once, via the delivery book). */
  async onResult(delivery: Delivery, outcome: CheckOutcome): Promise<void> {
    const sessionId = delivery.runbook!.session;
    const { runbook, session } = await this.load(sessionId).catch(() => ({ runbook: undefined, session: undefined }));
    if (!runbook || !session?.checking || session.version !== delivery.runbook!.version) return; // the step moved on meanwhile
    const verdict = await this.judge(currentStep(runbook, session), session, outcome);
    await this.botAct(sessionId, runbook, session, { type: 'check-result', ...verdict }, delivery.runbook!.version);
  }

  /** Quiet periods that are over: one last check each (claimed by exactly one replica). */
  private async sweepQuiet(): Promise<void> {
    for (const sessionId of await this.options.store.takeDueQuiet(this.now())) {
      const { runbook, session } = await this.load(sessionId).catch(() => ({ runbook: undefined, session: undefined }));
      if (!runbook || !session?.quiet) continue;
      await this.botAct(sessionId, runbook, session, { type: 'quiet-over' }, session.version);
    }
  }

  /**
   * A check still running long after its deadline was never queued (the bot died between the
   * click and the queue): run it again, so the step does not wait for ever.
   */
  private async sweepOverdueChecks(): Promise<void> {
    for (const [sessionId, version] of await this.options.store.takeOverdueChecks(this.now())) {
      const { runbook, session } = await this.load(sessionId).catch(() => ({ runbook: undefined, session: undefined }));
      if (runbook && session?.checking && session.version === version) await this.runCheck(sessionId, runbook, session);
    }
  }

  /** The bot's own transition, then whatever it leads to: show it, run the next round, wait. */
  private async botAct(sessionId: string, runbook: Runbook, before: RunbookSession, action: RunbookAction, version: number): Promise<void> {
    let after: RunbookSession;
    try {
      after = await this.options.store.act(sessionId, runbook, action, BOT_ACTOR, this.now(), version);
    } catch (err) {
      if (err instanceof StaleActionError) return; // someone skipped or went back meanwhile
      throw err;
    }
    if (after.checking) await this.runCheck(sessionId, runbook, after);
    if (after.quiet) await this.options.store.waitQuiet(sessionId, after.quiet.until);
    await this.show(sessionId, runbook, before, after);
  }

  /** Queue the step's check like any /ftp check; its answer comes back through onResult. */
  private async runCheck(sessionId: string, runbook: Runbook, session: RunbookSession): Promise<void> {
    // The check's answer edits the step's message: let a first post still under way name it.
    await this.showing.get(sessionId)?.catch(() => undefined);
    const place = await this.placeOf(sessionId);
    const protocol = currentStep(runbook, session).check?.protocol;
    const delivery: Delivery = {
      id: randomUUID(),
      platform: place.platform,
      channel: place.channel,
      messageId: place.messageId,
      target: session.target,
      deadlineAt: this.options.coordinator.deadlineFor(session.target),
      runbook: { session: sessionId, version: session.version },
      ...(protocol ? { protocol } : {}),
    };
    // The delivery book guarantees an answer once the check is queued; this covers the moment before.
    await this.options.store.expectCheck(sessionId, session.version, delivery.deadlineAt + OVERDUE_MARGIN_MS);
    try {
      await this.options.coordinator.request(delivery);
    } catch (err) {
      await this.botAct(sessionId, runbook, session, { type: 'check-result', passed: false, detail: `the check could not start: ${(err as Error).message}` }, session.version);
    }
  }

  /**
   * Make chat match the session: the same step is edited in place; on leaving a step its message
   * becomes a closed record and the next step gets a new message; at the end the timeline posts.
   */
  private show(sessionId: string, runbook: Runbook, before: RunbookSession, after: RunbookSession): Promise<void> {
    // One at a time per session: a check that answers at once must not have its step shown,
    // then painted over by the "running…" view of the click that asked for it.
    return this.inOrder(sessionId, () => this.showNow(sessionId, runbook, before, after));
  }

  /** Runs `work` after whatever this session is already showing (in this process). */
  private inOrder(sessionId: string, work: () => Promise<void>): Promise<void> {
    const previous = this.showing.get(sessionId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.showing.set(sessionId, next);
    void next.finally(() => this.showing.get(sessionId) === next && this.showing.delete(sessionId)).catch(() => undefined);
    return next;
  }

  private readonly showing = new Map<string, Promise<void>>();

  private async showNow(sessionId: string, runbook: Runbook, before: RunbookSession, after: RunbookSession): Promise<void> {
    const place = await this.placeOf(sessionId);
    const chat = this.chat(place.platform);
    const view = this.view(runbook, after, sessionId);
    const left = after.status !== 'active' || after.path.length !== before.path.length || after.path.at(-1) !== before.path.at(-1);
    if (!left) {
      // A faster transition (a check that answered at once) may have been shown already: never
      // paint an older state over it.
      if (((await this.options.store.get(sessionId))?.version ?? 0) > after.version) return;
      await chat.edit({ channel: place.channel, id: place.messageId }, runbookStepMessage(view));
      return;
    }
    const stepId = before.path.at(-1)!;
    const records = after.records.slice(place.recordsFrom).filter((r) => r.stepId === stepId);
    await chat.edit({ channel: place.channel, id: place.messageId }, closedStepMessage(view, stepId, before.path.length, records));
    if (after.status === 'active') {
      const messageId = (await chat.post({ channel: place.channel, thread: place.threadId }, runbookStepMessage(view))).id;
      await this.options.store.setPlace(sessionId, { ...place, messageId, recordsFrom: after.records.length });
    } else {
      await chat.post({ channel: place.channel, thread: place.threadId }, runbookTimelineMessage(view));
    }
  }

  /** Did the target behave as the step expects? With a one-line reason either way. */
  private async judge(step: RunbookStep, session: RunbookSession, outcome: CheckOutcome): Promise<{ passed: boolean; detail: string }> {
    if ('error' in outcome) return { passed: false, detail: `the check could not run: ${outcome.error}` };
    const { report } = outcome;
    const f = report.finding;
    const reason = f ? `${f.code}${f.reply ? ` — ${f.reply.code ?? ''} ${f.reply.text}`.replace(/ {2,}/g, ' ') : f.detail ? ` — ${f.detail}` : ''}` : '';
    if (step.kind === 'check' && step.check) {
      const stage = report.stages.find((s) => s.name === step.check!.stage);
      const ok = stage?.status === 'ok';
      const passed = ok === (step.check.expect === 'pass');
      const what = ok ? `${stage.name} passed in ${Math.round(stage.durationMs)} ms` : stage?.status === 'failed' ? `${step.check.stage} failed` : `${step.check.stage} not reached (stopped at ${f?.stage ?? 'an earlier stage'})`;
      return { passed, detail: `${what}${!ok && reason ? `: ${reason}` : ''}` };
    }
    const running = session.checking!;
    const round = running.final ? 'the last check' : running.of > 1 ? `round trip ${running.round} of ${running.of}` : 'the round trip';
    if (!report.ok) return { passed: false, detail: `${round} failed at ${f?.stage ?? 'a stage'}: ${reason}` };
    if (running.final && running.quietSince !== undefined) {
      const failed = (await this.options.history(session.target)).find((h) => !h.ok && Date.parse(h.at) >= running.quietSince!);
      if (failed) return { passed: false, detail: `a check failed during the quiet period, at ${failed.at.slice(11, 16)} UTC: ${failed.code}` };
    }
    const transfer = report.stages.find((s) => s.name === 'transfer')?.status === 'ok' ? 'upload and download' : 'login and listing; give the target write: true for a full upload/download round trip';
    return { passed: true, detail: `${round} passed in ${Math.round(report.durationMs)} ms (${transfer})${running.final ? '; no failed check during the quiet period' : ''}` };
  }

  /** Check steps run once; verify steps take the target's recovery settings over the runbook's. */
  private planFor(runbook: Runbook, session: RunbookSession): CheckPlan {
    const step = currentStep(runbook, session);
    if (step.kind !== 'verify' || !step.verify) return { rounds: 1, quietMs: 0 };
    const recovery = this.options.targets().get(session.target)?.recovery;
    return { rounds: recovery?.roundTrips ?? step.verify.roundTrips, quietMs: Math.round((recovery?.quietMinutes ?? step.verify.quietMinutes) * 60_000) };
  }

  private view(runbook: Runbook, session: RunbookSession, sessionId: string): StepView {
    return { runbook, session, sessionId, values: this.placeholders(session.target), plan: this.planFor(runbook, session) };
  }

  private placeholders(target: string): PlaceholderValues {
    const config = this.options.targets().get(target);
    if (!config) return {};
    const url = parseTargetUrl(config.url);
    return { host: url.host, port: url.port, protocol: url.protocol, ...(url.user ? { user: url.user } : {}) };
  }

  private async load(sessionId: string): Promise<{ runbook: Runbook; session: RunbookSession }> {
    const session = await this.options.store.get(sessionId);
    if (!session) throw new StaleActionError('this runbook session is gone (older than 30 days?)');
    const runbook = this.options.library.runbooks.get(session.runbookId);
    if (!runbook) throw new StaleActionError(`the runbook '${session.runbookId}' is no longer installed`);
    return { runbook, session };
  }

  private async placeOf(sessionId: string): Promise<RunbookPlace> {
    const place = await this.options.store.place(sessionId);
    if (!place) throw new StaleActionError('this runbook session has no message any more');
    return place;
  }

  private chat(platform: RunbookPlace['platform']): ChatOutbound {
    const chat = this.options.chats[platform];
    if (!chat) throw new Error(`no ${platform} connection in this bot`);
    return chat;
  }
}
