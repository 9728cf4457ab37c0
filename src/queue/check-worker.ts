// The worker side: takes check jobs off the queue, runs the probe engine, publishes progress
// after every stage and returns the report. Secrets are resolved here, from this worker's own
// environment and files, and scrubbed from the report before it goes back to Redis. With a slot
// gate, at most N checks of one target probe it at once across all workers (./target-slots.ts).
import { type Job, Worker } from 'bullmq';
import type { ProbeEngine } from '../probes/probe-engine.js';
import type { ProbeReport, ProbeRequest, StageResult } from '../probes/probe.js';
import { ConfigError } from '../config/config-error.js';
import { redactValue } from '../secrets/redact.js';
import { CHECK_QUEUE, type CheckJobData, type CheckJobResult, type CheckProgress } from './check-job.js';
import { createRedis, type RedisSettings } from './redis-connection.js';
import { SlotWaitTimeout, type TargetSlotGate } from './target-slots.js';

/** A slot's lease outlives the check's own deadline by this much (teardown, a slow reply). */
const SLOT_LEASE_MARGIN_MS = 10_000;

export interface CheckWorkerOptions {
  redis: RedisSettings;
  engine: Pick<ProbeEngine, 'run'>;
  /** Target name → request with secrets; throws ConfigError for an unknown target or secret. */
  resolveRequest: (target: string) => ProbeRequest;
  concurrency: number;
  /** How long a job lock lives without renewal; a killed worker's job is picked up again after it. */
  lockMs: number;
  /** Keeps history and feeds the alerts with every finished check. */
  onReport?: (report: ProbeReport) => Promise<unknown>;
  /**
   * Per-target concurrency cap shared by every worker (TargetSlots). While a job waits for a slot
   * it stays active and publishes nothing; a killed worker's slot frees itself when its lease
   * (the check's timeout + a margin) runs out. Without it, checks are not capped per target.
   */
  targetSlots?: TargetSlotGate;
  /** How long a job waits for a slot before it ends as an error; default: the check's own timeout. */
  slotWaitMs?: number;
  /**
   * Server identity (src/identity/): what the server must present, and what it did. Applied to a
   * target's own checks, not to a runbook's probe of another protocol.
   */
  identity?: IdentityHooks;
}

export interface IdentityHooks {
  expect(target: string, req: ProbeRequest): Promise<ProbeRequest>;
  observe(target: string, req: ProbeRequest, report: ProbeReport): Promise<ProbeReport>;
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

/**
 * The request a job asks for, from its target's request. The one place a job's `protocol` is
 * applied. Probing as plain FTP a target whose own protocol protects its credentials (ftpes, ftps,
 * sftp) must not weaken how those travel: that request carries no user name, password or key and
 * is a plaintext-exposure probe (a throwaway USER, never PASS). A plain ftp:// target keeps its
 * normal check: its credentials cross in plain text anyway.
 */
export function requestForJob(target: ProbeRequest, data: CheckJobData): ProbeRequest {
  if (!data.protocol) return target;
  const asked: ProbeRequest = { ...target, protocol: data.protocol, hostKey: undefined, write: false };
  if (target.protocol === 'ftp') return asked;
  const { user: _user, password: _password, privateKey: _privateKey, passphrase: _passphrase, ...withoutCredentials } = asked;
  return { ...withoutCredentials, plaintextProbe: true };
}

async function runCheck(job: Job<CheckJobData, CheckJobResult>, options: CheckWorkerOptions): Promise<CheckJobResult> {
  let req: ProbeRequest;
  // Masked in what goes back to Redis: the target's own secrets, whatever the request carries.
  let secrets: Array<string | undefined>;
  let user: string | undefined;
  try {
    const target = options.resolveRequest(job.data.target);
    secrets = [target.password, target.passphrase];
    user = target.user;
    req = requestForJob(target, job.data);
  } catch (err) {
    if (err instanceof ConfigError) return { kind: 'error', message: err.message };
    throw err;
  }
  const identity = job.data.protocol ? undefined : options.identity;
  if (identity) {
    try {
      req = await identity.expect(job.data.target, req);
    } catch (err) {
      // Without the remembered key the check could not tell the server from an impostor.
      return { kind: 'error', message: `cannot read the remembered server identity: ${(err as Error).message}` };
    }
  }
  const slots = options.targetSlots;
  let holder: string | undefined;
  if (slots) {
    try {
      holder = await slots.acquire(job.data.target, { leaseMs: req.timeoutMs + SLOT_LEASE_MARGIN_MS, waitMs: options.slotWaitMs ?? req.timeoutMs });
    } catch (err) {
      if (err instanceof SlotWaitTimeout) return { kind: 'error', message: err.message };
      throw err;
    }
  }
  const stages: StageResult[] = [];
  let report: ProbeReport;
  try {
    report = await options.engine.run(req, (stage) => {
      stages.push(stage);
      // Scrubbed like the report: a failed stage's detail is the server's reply, which can echo the password.
      const progress: CheckProgress = redactValue({ stages: [...stages] }, secrets, user);
      // Progress is a courtesy; a lost update must not fail the check.
      job.updateProgress(progress as unknown as object).catch(() => undefined);
    });
  } finally {
    // A release lost to a Redis blip costs only the rest of the lease, not the check's answer.
    if (slots && holder !== undefined) await slots.release(job.data.target, holder).catch(() => undefined);
  }
  if (identity) report = await identity.observe(job.data.target, req, report).catch(() => report);
  // The probes masked secrets in server text as they kept it; this is the last line of defence.
  const safe = redactValue(report, secrets, user);
  // History and alert evaluation must not cost the asker their answer.
  if (!job.data.protocol) await options.onReport?.(safe).catch(() => undefined);
  return { kind: 'report', report: safe };
}
