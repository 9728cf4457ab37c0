// Every Redis key ftpops writes, built in one place from the deployment's prefix
// (FTPOPS_QUEUE_PREFIX, hash-tagged like "{ftpops}" so a Redis Cluster keeps them on one slot).
// BullMQ names its own keys under the same prefix.
export class RedisKeys {
  constructor(readonly prefix: string) {}

  // Chat: who waits for which check, and how fast people type.
  deliveries(jobId: string): string {
    return `${this.prefix}:deliveries:${jobId}`;
  }
  deliveriesPending(): string {
    return `${this.prefix}:deliveries-pending`;
  }
  rate(platform: string, user: string, minute: number): string {
    return `${this.prefix}:rate:${platform}:${user}:${minute}`;
  }

  // Checks: per-target concurrency slots.
  slots(target: string): string {
    return `${this.prefix}:slots:${target}`;
  }
  // History by time (src/history/): raw results (48 h), hourly rollups (400 days), the first
  // check, incident episodes, and the incidents open now.
  results(target: string): string {
    return `${this.prefix}:results:${target}`;
  }
  rollup(target: string, hourStart: number): string {
    return `${this.prefix}:rollup:${target}:${Math.floor(hourStart / 3_600_000)}`;
  }
  firstCheck(target: string): string {
    return `${this.prefix}:first-check:${target}`;
  }
  incidentLog(target: string): string {
    return `${this.prefix}:incident-log:${target}`;
  }
  openIncidents(): string {
    return `${this.prefix}:incidents-open`;
  }

  // Alerts: evaluation windows, incident state, the effects outbox, posted roots, mutes.
  window(target: string, bucket: number | string): string {
    return `${this.prefix}:win:${target}:${bucket}`;
  }
  incident(target: string, origin: string, alertClass: string): string {
    return `${this.prefix}:alert:${target}:${origin}:${alertClass}`;
  }
  alertOutbox(): string {
    return `${this.prefix}:alert-outbox`;
  }
  alertRoots(): string {
    return `${this.prefix}:alert-roots`;
  }
  mute(target: string): string {
    return `${this.prefix}:mute:${target}`;
  }

  // Server logs: lines no parser knew, per target.
  ingestUnknown(): string {
    return `${this.prefix}:ingest-unknown`;
  }
  // … and the events kept as evidence for expected deliveries, and when lines last came in.
  ingestEvents(target: string): string {
    return `${this.prefix}:ingest-events:${target}`;
  }
  ingestSeen(target: string): string {
    return `${this.prefix}:ingest-seen:${target}`;
  }

  // Expected deliveries: the state of one occurrence (or of a pickup folder), and the targets' boards.
  deliveryState(target: string, delivery: string, occurrence: string): string {
    return `${this.prefix}:delivery:${target}:${delivery}:${occurrence}`;
  }
  deliveryBoard(target: string): string {
    return `${this.prefix}:delivery-board:${target}`;
  }

  // Runbook sessions, the thread each is open in, and the sweeps' schedules.
  runbookSession(sessionId: string): string {
    return `${this.prefix}:runbook:${sessionId}`;
  }
  runbookPlace(sessionId: string): string {
    return `${this.prefix}:runbook:${sessionId}:place`;
  }
  runbookOpen(channel: string, threadId: string, runbookId: string): string {
    return `${this.prefix}:runbook-open:${channel}:${threadId}:${runbookId}`;
  }
  runbookQuiet(): string {
    return `${this.prefix}:runbook-quiet`;
  }
  runbookChecking(): string {
    return `${this.prefix}:runbook-checking`;
  }

  // Server identity: the remembered host key / certificate, a change waiting for a decision,
  // the history of changes and decisions, and the notices the bot posts.
  identity(target: string): string {
    return `${this.prefix}:identity:${target}`;
  }
  identityPending(target: string): string {
    return `${this.prefix}:identity-pending:${target}`;
  }
  identityHistory(target: string): string {
    return `${this.prefix}:identity-history:${target}`;
  }
  identityOutbox(): string {
    return `${this.prefix}:identity-outbox`;
  }
}
