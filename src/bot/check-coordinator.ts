// From "check prod-sftp" in a chat to exactly one final answer in that chat: queues the check
// (joining a run already in flight for the same target), relays stage progress, delivers the
// result, and answers with a stage.timeout summary when no result comes in time. Chat-neutral:
// a platform adapter supplies how to show a message.
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { ProbeReport, StageResult } from '../probes/probe.js';
import { STAGE_NAMES } from '../probes/probe.js';
import type { CheckQueue } from '../queue/check-queue.js';
import type { CheckJobResult, CheckProgress } from '../queue/check-job.js';
import type { TargetConfig } from '../config/targets-file.js';
import { parseTargetUrl, displayUrl } from '../probes/target-url.js';
import { parseDuration } from '../config/duration.js';
import { type ChatMessage, errorMessage, progressMessage, summaryMessage } from './messages.js';
import type { Delivery, DeliveryBook } from './delivery-book.js';
import type { ChatOutbound, ChatOutbounds } from './incoming.js';

/** How a check ended, for whoever asked: a report (possibly a stage.timeout one) or an error. */
export type CheckOutcome = { report: ProbeReport } | { error: string };

/** Takes the answers to checks a runbook step asked for (deliveries with `runbook` set). */
export interface RunbookCheckListener {
  onResult(delivery: Delivery, outcome: CheckOutcome): Promise<void>;
}

export interface CoordinatorOptions {
  queue: CheckQueue;
  book: DeliveryBook;
  knowledge: KnowledgeBase;
  targets: () => Map<string, TargetConfig>;
  /** How each platform edits the message a check's answer replaces. */
  channels: ChatOutbounds;
  /** Set once the runbook conductor exists (it needs this coordinator to start its checks). */
  runbooks?: { listener?: RunbookCheckListener };
  /** Time on top of the check's own deadline for queueing and hand-over. */
  graceMs?: number;
  sweepEveryMs?: number;
  now?: () => number;
}

import { DEFAULT_TIMEOUT_MS } from '../probes/probe.js';

export class CheckCoordinator {
  private readonly now: () => number;
  /** Stages seen so far per job, for the timeout summary. */
  private readonly lastStages = new Map<string, StageResult[]>();
  private readonly latestProgress = new Map<string, StageResult[]>();
  private readonly progressInFlight = new Map<string, Promise<void>>();
  /** Deliveries whose final answer this bot has claimed: no more progress edits for them. */
  private readonly finished = new Set<string>();
  private sweeper: NodeJS.Timeout | undefined;
  /** Final answers claimed by this bot and not yet shown: handed back if it stops first. */
  private readonly inFlight = new Map<string, { jobId: string; delivery: Delivery; done: Promise<void> }>();
  private stopping = false;

  constructor(private readonly options: CoordinatorOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.options.queue.listen({
      onProgress: (jobId, progress) => void this.progress(jobId, progress).catch(() => undefined),
      onFinished: (jobId, result) => void this.finish(jobId, result).catch(() => undefined),
    });
    // Results that arrived while no bot listened, and deadlines that passed, are found here.
    this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), this.options.sweepEveryMs ?? 1_000);
  }

  /**
   * Stop sweeping, and let answers already on their way finish (a Slack 429 may hold one for a
   * while). Whatever is still in flight after `graceMs` goes back to the book, for the next bot.
   */
  async stop(graceMs = 5_000): Promise<void> {
    clearInterval(this.sweeper);
    this.stopping = true;
    const pending = [...this.inFlight.values()];
    if (!pending.length) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(pending.map((p) => p.done)), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    for (const { jobId, delivery } of this.inFlight.values()) await this.options.book.add(jobId, delivery).catch(() => undefined);
  }

  /** Deadline for a check of this target: its own timeout plus queueing grace. */
  deadlineFor(target: string): number {
    const config = this.options.targets().get(target);
    const timeout = config?.timeout !== undefined ? parseDuration(config.timeout, 'timeout') : DEFAULT_TIMEOUT_MS;
    return this.now() + timeout + (this.options.graceMs ?? 15_000);
  }

  /** Queue (or join) a check; the delivery's message has already been posted. Throws QueueUnavailableError. */
  async request(delivery: Delivery): Promise<string> {
    const jobId = await this.options.queue.enqueue(delivery.target, delivery.protocol ? { protocol: delivery.protocol } : {});
    await this.options.book.add(jobId, delivery);
    // The run may have finished between the add and the record (a fast check): deliver now. Once
    // recorded, the delivery is the sweeper's to finish: a failure here must not also answer.
    try {
      const { state, result, failedReason } = await this.options.queue.resultOf(jobId);
      if (state === 'completed' && result) await this.finish(jobId, result);
      if (state === 'failed') await this.finish(jobId, { kind: 'error', message: `the check failed on the worker: ${failedReason}` });
    } catch {
      // Redis hiccup: the sweeper looks again.
    }
    return jobId;
  }

  private async progress(jobId: string, progress: CheckProgress): Promise<void> {
    if (!Array.isArray(progress?.stages)) return;
    this.lastStages.set(jobId, progress.stages);
    for (const delivery of await this.options.book.list(jobId)) this.queueProgress(delivery, progress.stages);
  }

  /**
   * Progress edits are coalesced per message: at most one in flight, and only the newest
   * stages are sent next. Many people waiting on one run, or a burst of stages, never queue
   * up a backlog of stale edits ahead of the final answer.
   */
  private queueProgress(delivery: Delivery, stages: StageResult[]): void {
    // A runbook step shows "running the check…" until the result; no stage-by-stage edits.
    if (this.finished.has(delivery.id) || delivery.runbook) return;
    this.latestProgress.set(delivery.id, stages);
    if (this.progressInFlight.has(delivery.id)) return;
    const flush = (async () => {
      for (let next = this.latestProgress.get(delivery.id); next; next = this.latestProgress.get(delivery.id)) {
        this.latestProgress.delete(delivery.id);
        if (this.finished.has(delivery.id)) break;
        await this.show(delivery, progressMessage(delivery.target, this.urlOf(delivery.target), next)).catch(() => undefined);
      }
    })().finally(() => this.progressInFlight.delete(delivery.id));
    this.progressInFlight.set(delivery.id, flush);
  }

  private async finish(jobId: string, result: CheckJobResult): Promise<void> {
    this.lastStages.delete(jobId);
    const outcome: CheckOutcome = result.kind === 'report' ? { report: result.report } : { error: result.message };
    const deliveries = await this.options.book.list(jobId);
    await Promise.all(deliveries.map((delivery) => this.deliver(jobId, delivery, outcome)));
  }

  /**
   * Claim the delivery (exactly one bot wins), then replace the progress message for good, or
   * hand the outcome to the runbook step that asked for it.
   */
  private async deliver(jobId: string, delivery: Delivery, outcome: CheckOutcome): Promise<void> {
    if (this.stopping || !(await this.options.book.claim(jobId, delivery.id))) return;
    const done = this.showFinal(jobId, delivery, outcome);
    this.inFlight.set(delivery.id, { jobId, delivery, done });
    try {
      await done;
    } finally {
      this.inFlight.delete(delivery.id);
    }
  }

  private async showFinal(jobId: string, delivery: Delivery, outcome: CheckOutcome): Promise<void> {
    this.finished.add(delivery.id);
    // A progress edit still on its way must not land after, and over, the final answer.
    await this.progressInFlight.get(delivery.id);
    try {
      if (delivery.runbook) {
        const listener = this.options.runbooks?.listener;
        if (!listener) throw new Error('no runbook conductor in this bot yet');
        await listener.onResult(delivery, outcome);
      } else {
        await this.show(delivery, 'report' in outcome ? summaryMessage(outcome.report) : errorMessage(outcome.error));
      }
    } catch {
      // The platform refused even after its client's retries: hand the delivery back so the
      // sweeper tries again, rather than leaving the message at "checking…".
      this.finished.delete(delivery.id);
      await this.options.book.add(jobId, delivery);
    } finally {
      setTimeout(() => this.finished.delete(delivery.id), 60_000).unref();
    }
  }

  private async sweep(): Promise<void> {
    for (const { jobId, deadlineAt } of await this.options.book.pending()) {
      const { state, result, failedReason } = await this.options.queue.resultOf(jobId);
      if (state === 'completed' && result) await this.finish(jobId, result);
      else if (state === 'failed') await this.finish(jobId, { kind: 'error', message: `the check failed on the worker: ${failedReason}` });
      else if (deadlineAt <= this.now()) await this.timeOut(jobId, state);
    }
  }

  /** No result in time: every waiting message still ends as a summary, with stage.timeout. */
  private async timeOut(jobId: string, state: string): Promise<void> {
    const stages = this.lastStages.get(jobId) ?? [];
    const late = (await this.options.book.list(jobId)).filter((d) => d.deadlineAt <= this.now());
    await Promise.all(late.map((delivery) => this.deliver(jobId, delivery, { report: this.timeoutReport(delivery, stages, state) })));
  }

  private timeoutReport(delivery: Delivery, stages: StageResult[], state: string): ProbeReport {
    const done = new Set(stages.map((s) => s.name));
    const stuckAt = STAGE_NAMES.find((n) => !done.has(n)) ?? 'close';
    const waiting = state === 'waiting' || state === 'prioritized' || state === 'delayed';
    const detail = waiting ? 'no worker picked the check up in time: is an ftpops worker running?' : `no result in time; the check was ${state}`;
    const config = this.options.targets().get(delivery.target);
    const url = config ? parseTargetUrl(config.url) : undefined;
    return {
      target: delivery.target,
      url: this.urlOf(delivery.target),
      protocol: url?.protocol ?? 'ftp',
      ok: false,
      startedAt: new Date(delivery.deadlineAt).toISOString(),
      durationMs: 0,
      stages: [...stages, ...STAGE_NAMES.filter((n) => !done.has(n)).map((name) => ({ name, status: 'skipped' as const, durationMs: 0, detail: 'not reached' }))],
      finding: this.options.knowledge.finding('stage.timeout', stuckAt, null, detail),
      warnings: [],
      facts: {},
    };
  }

  private urlOf(target: string): string {
    const config = this.options.targets().get(target);
    if (!config) return target;
    return displayUrl(parseTargetUrl(config.url));
  }

  /** Replace the delivery's message (progress, or the final answer). */
  private async show(delivery: Delivery, message: ChatMessage): Promise<void> {
    const channel: ChatOutbound | undefined = this.options.channels[delivery.platform];
    await channel?.edit({ channel: delivery.channel, id: delivery.messageId }, message);
  }
}
