// The worker side: takes check jobs off the queue, runs the probe engine, publishes progress
// after every stage and returns the report. Secrets are resolved here, from this worker's own
// environment and files, and scrubbed from the report before it goes back to Redis.
import { type Job, Worker } from 'bullmq';
import type { ProbeEngine } from '../probes/probe-engine.js';
import type { ProbeReport, ProbeRequest, StageResult } from '../probes/probe.js';
import { ConfigError } from '../config/config-error.js';
import { redactValue } from '../secrets/redact.js';
import { CHECK_QUEUE, type CheckJobData, type CheckJobResult, type CheckProgress } from './check-job.js';
import { createRedis, type RedisSettings } from './redis-connection.js';

export interface CheckWorkerOptions {
  redis: RedisSettings;
  engine: ProbeEngine;
  /** Target name → request with secrets; throws ConfigError for an unknown target or secret. */
  resolveRequest: (target: string) => ProbeRequest;
  concurrency: number;
  /** How long a job lock lives without renewal; a killed worker's job is picked up again after it. */
  lockMs: number;
  /** Keeps history and feeds the alerts with every finished check. */
  onReport?: (report: ProbeReport) => Promise<unknown>;
}

export function startCheckWorker(options: CheckWorkerOptions): Worker<CheckJobData, CheckJobResult> {
  const worker = new Worker<CheckJobData, CheckJobResult>(CHECK_QUEUE, (job) => runCheck(job, options), {
    connection: createRedis(options.redis.url, 'blocking'),
    prefix: options.redis.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: Math.max(1_000, Math.round(options.lockMs / 2)),
    // A check that stalled twice (its worker died twice) is failed rather than retried forever.
    maxStalledCount: 2,
  });
  // BullMQ reports connection trouble here; it reconnects by itself.
  worker.on('error', () => undefined);
  return worker;
}

async function runCheck(job: Job<CheckJobData, CheckJobResult>, options: CheckWorkerOptions): Promise<CheckJobResult> {
  let req: ProbeRequest;
  try {
    req = options.resolveRequest(job.data.target);
    if (job.data.protocol) req = { ...req, protocol: job.data.protocol, hostKey: undefined, write: false };
  } catch (err) {
    if (err instanceof ConfigError) return { kind: 'error', message: err.message };
    throw err;
  }
  const stages: StageResult[] = [];
  const report = await options.engine.run(req, (stage) => {
    stages.push(stage);
    const progress: CheckProgress = { stages: [...stages] };
    // Progress is a courtesy; a lost update must not fail the check.
    job.updateProgress(progress as unknown as object).catch(() => undefined);
  });
  const safe = redactValue(report, [req.password, req.passphrase]);
  // History and alert evaluation must not cost the asker their answer.
  if (!job.data.protocol) await options.onReport?.(safe).catch(() => undefined);
  return { kind: 'report', report: safe };
}
