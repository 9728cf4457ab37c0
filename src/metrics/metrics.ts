// ftpops's Prometheus metrics (prom-client): one registry per process, shared by the bot and the
// worker when they run in one process (`ftpops all`). Label sets are bounded: `target` is a
// configured target's name (ad-hoc URL checks all count as target="adhoc"; with
// FTPOPS_METRICS_PER_TARGET=0 every target counts as "all", for fleets too large for per-target
// series), `stage` and `code` come from the probe engine and the findings catalogue, `platform`
// and `class` from fixed lists. Nothing a person types ever becomes a label.
//
// Gauges read from Redis (queue jobs, open incidents, Redis round trip) are measured when scraped,
// by whatever sources this process registered (watchQueue, watchIncidents, watchRedis).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ALERT_CLASSES } from '../alerts/alert-classes.js';

export const ADHOC_TARGET = 'adhoc';

export interface QueueCounts {
  waiting: number;
  active: number;
  failed: number;
  delayed: number;
}

/** A report as the metrics need it (a ProbeReport fits). */
export interface ObservedReport {
  target: string;
  ok: boolean;
  durationMs: number;
  finding: { code: string } | null;
  stages: ReadonlyArray<{ name: string; status: string; durationMs: number }>;
}

export class FtpopsMetrics {
  readonly registry = new Registry();
  private readonly queues: Array<() => Promise<QueueCounts>> = [];
  private readonly incidentSources: Array<() => Promise<Record<string, number>>> = [];
  private readonly redisPings: Array<() => Promise<number>> = [];
  private perTarget = true;

  private readonly checkDuration = new Histogram({
    name: 'ftpops_check_duration_seconds',
    help: 'Time of finished checks, whole (stage="total") and per stage that ran',
    labelNames: ['target', 'stage'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  private readonly checkResults = new Counter({
    name: 'ftpops_check_results_total',
    help: 'Finished checks by finding code (code="ok" for a pass)',
    labelNames: ['target', 'code'] as const,
    registers: [this.registry],
  });

  private readonly schedulerLag = new Histogram({
    name: 'ftpops_scheduler_lag_seconds',
    help: 'How late a scheduled check started, from the time it was due',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });

  private readonly recordTime = new Histogram({
    name: 'ftpops_result_record_seconds',
    help: 'Time a worker takes to keep a finished check (history, rollup, alert evaluation), waiting for its turn included',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly ingestedLines = new Counter({
    name: 'ftpops_ingested_lines_total',
    help: 'Server log lines received, parsed into an event or unknown to every parser',
    labelNames: ['target', 'result'] as const,
    registers: [this.registry],
  });

  private readonly chatErrors = new Counter({
    name: 'ftpops_chat_api_errors_total',
    help: 'Chat API calls (post, edit) that failed after the client library gave up',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });

  private readonly chatRetries = new Counter({
    name: 'ftpops_chat_api_retries_total',
    help: 'Chat API calls retried by the client library (rate limited)',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ftpops_' });
    const queues = this.queues;
    new Gauge({
      name: 'ftpops_queue_jobs',
      help: 'Check jobs in the queue by state (the same from every process: use max())',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const counts = await Promise.all(queues.map((read) => read().catch(() => undefined)));
        const first = counts.find((c) => c !== undefined);
        if (first) for (const [state, n] of Object.entries(first)) this.set({ state }, n);
      },
    });
    const incidents = this.incidentSources;
    new Gauge({
      name: 'ftpops_open_incidents',
      help: 'Incidents open now, by alert class (the same from every process: use max())',
      labelNames: ['class'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const counts = await Promise.all(incidents.map((read) => read().catch(() => undefined)));
        const first = counts.find((c) => c !== undefined);
        // Every class, 0 included: a series that vanishes at 0 breaks alert rules and graphs.
        if (first) for (const cls of new Set([...ALERT_CLASSES, ...Object.keys(first)])) this.set({ class: cls }, first[cls] ?? 0);
      },
    });
    const pings = this.redisPings;
    new Gauge({
      name: 'ftpops_redis_rtt_seconds',
      help: 'Round trip of a PING to Redis, measured at scrape time (absent when Redis does not answer)',
      registers: [this.registry],
      async collect() {
        this.reset();
        const ping = pings[0];
        const ms = ping ? await ping().catch(() => undefined) : undefined;
        if (ms !== undefined) this.set(ms / 1_000);
      },
    });
  }

  /** FTPOPS_METRICS_PER_TARGET=0: one "all" target label instead of one per target. */
  configure(env: NodeJS.ProcessEnv): this {
    this.perTarget = env.FTPOPS_METRICS_PER_TARGET !== '0';
    return this;
  }

  /** The label for a target: its name if configured, "adhoc" for an ad-hoc URL. */
  targetLabel(target: string, configured: boolean): string {
    if (!configured) return ADHOC_TARGET;
    return this.perTarget ? target : 'all';
  }

  observeReport(report: ObservedReport, configured: boolean): void {
    const target = this.targetLabel(report.target, configured);
    this.checkDuration.observe({ target, stage: 'total' }, report.durationMs / 1_000);
    for (const stage of report.stages) if (stage.status !== 'skipped') this.checkDuration.observe({ target, stage: stage.name }, stage.durationMs / 1_000);
    this.checkResults.inc({ target, code: report.ok ? 'ok' : (report.finding?.code ?? 'unknown') });
  }

  observeSchedulerLag(lagMs: number): void {
    this.schedulerLag.observe(Math.max(0, lagMs) / 1_000);
  }

  observeRecord(ms: number): void {
    this.recordTime.observe(ms / 1_000);
  }

  observeIngest(target: string, parsed: number, unknown: number): void {
    const label = this.targetLabel(target, true);
    if (parsed) this.ingestedLines.inc({ target: label, result: 'parsed' }, parsed);
    if (unknown) this.ingestedLines.inc({ target: label, result: 'unknown' }, unknown);
  }

  chatError(platform: string): void {
    this.chatErrors.inc({ platform });
  }

  chatRetry(platform: string): void {
    this.chatRetries.inc({ platform });
  }

  /** Each watch* returns the function that stops watching (a stopped bot or worker). */
  watchQueue(read: () => Promise<QueueCounts>): () => void {
    return watch(this.queues, read);
  }

  watchIncidents(read: () => Promise<Record<string, number>>): () => void {
    return watch(this.incidentSources, read);
  }

  /** `ping` resolves with the round trip in ms. */
  watchRedis(ping: () => Promise<number>): () => void {
    return watch(this.redisPings, ping);
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function watch<T>(list: T[], item: T): () => void {
  list.push(item);
  return () => {
    const at = list.indexOf(item);
    if (at >= 0) list.splice(at, 1);
  };
}

let shared: FtpopsMetrics | undefined;

/** This process's metrics (created on first use). */
export function processMetrics(): FtpopsMetrics {
  shared ??= new FtpopsMetrics();
  return shared;
}
