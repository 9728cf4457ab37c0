// Runs the stages of one check: each with its own deadline (never past the overall one),
// a measured duration, and any failure turned into a FailureSignal.
import type { FailureSignal, StageListener, StageName, StageResult, StageTimeouts } from './probe.js';
import { type ProtocolFamily, toFailureSignal } from './failure-signal.js';
import type { TextCleaner } from './server-text.js';

/** Thrown by StageRunner.run when a stage fails; carries the classified signal. */
export class StageFailure extends Error {
  constructor(readonly signal: FailureSignal) {
    super(`${signal.stage}: ${signal.source}:${signal.key}`);
    this.name = 'StageFailure';
  }
}

export interface StageRunnerOptions {
  family: ProtocolFamily;
  stageTimeouts: StageTimeouts;
  timeoutMs: number;
  onStage?: StageListener;
  /** Called when a stage times out, so the probe can tear down the sockets it was waiting on. */
  onAbort?: () => void;
  /** The check's cleaner for server text in failures (see server-text.ts); default cleanText. */
  clean?: TextCleaner;
  now?: () => number;
}

export class StageRunner {
  readonly stages: StageResult[] = [];
  private readonly now: () => number;
  private readonly deadline: number;
  /** A signal a guard (e.g. the reply-size limit) raised while a stage was running; it wins. */
  private pendingSignal: FailureSignal | undefined;

  constructor(private readonly options: StageRunnerOptions) {
    this.now = options.now ?? (() => performance.now());
    this.deadline = this.now() + options.timeoutMs;
  }

  /** Milliseconds left before the overall deadline. */
  remainingMs(): number {
    return Math.max(0, this.deadline - this.now());
  }

  /** Let a watchdog outside the current await report what really went wrong. */
  raise(signal: FailureSignal): void {
    this.pendingSignal ??= signal;
  }

  /**
   * Run one stage. Resolves with the stage's value, or throws StageFailure.
   * `detail` describes the success in one line for people.
   */
  async run<T>(name: StageName, work: () => Promise<T>, detail?: (value: T) => string | undefined): Promise<T> {
    const started = this.now();
    const budget = Math.min(this.options.stageTimeouts[name], this.remainingMs());
    const boundByOverall = budget < this.options.stageTimeouts[name];
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const overall = boundByOverall;
        reject(new StageFailure({
          source: 'timeout',
          key: overall ? 'overall' : 'stage',
          stage: name,
          message: `no answer within ${Math.round(budget)} ms${overall ? ' (overall deadline)' : ''}`,
        }));
        this.options.onAbort?.();
      }, budget);
    });
    try {
      const value = await Promise.race([work(), timeout]);
      if (this.pendingSignal) throw new StageFailure({ ...this.pendingSignal, stage: name });
      this.record({ name, status: 'ok', durationMs: this.now() - started, detail: detail?.(value) });
      return value;
    } catch (err) {
      const signal = this.pendingSignal
        ? { ...this.pendingSignal, stage: name }
        : err instanceof StageFailure
          ? err.signal
          : toFailureSignal(err, name, this.options.family, this.options.clean);
      this.record({ name, status: 'failed', durationMs: this.now() - started, detail: signal.message });
      throw new StageFailure(signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Record a stage that was not run (e.g. transfer without --write). */
  skip(name: StageName, detail?: string): void {
    this.record({ name, status: 'skipped', durationMs: 0, detail });
  }

  private record(result: StageResult): void {
    const rounded = { ...result, durationMs: Math.round(result.durationMs * 10) / 10 };
    if (rounded.detail === undefined) delete rounded.detail;
    this.stages.push(rounded);
    this.options.onStage?.(rounded);
  }
}
