// The contract between the bot and the workers: what a check job carries and returns.
// Job data names the target only; each worker reads the target's secrets from its own
// environment, so no secret is ever stored in Redis.
import type { ProbeReport, StageResult } from '../probes/probe.js';

export const CHECK_QUEUE = 'checks';
export const CHECK_JOB = 'check';

export interface CheckJobData {
  target: string;
  /** Started by a schedule rather than by a person. */
  scheduled?: boolean;
  /**
   * Probe the target's host and port as another protocol than configured: a runbook asking
   * "is plain FTP refused now?". Such a check is not the target's health: it stays out of the
   * history and the alerts.
   */
  protocol?: 'ftp';
}

/** Progress published after each stage. */
export interface CheckProgress {
  stages: StageResult[];
}

export type CheckJobResult = { kind: 'report'; report: ProbeReport } | { kind: 'error'; message: string };
