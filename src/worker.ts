// `ftpops worker`: takes checks off the queue and runs them. It loads the probe engine, the queue
// and the alert history, and nothing of the chat platforms.
import { KnowledgeBase } from './knowledge/knowledge-base.js';
import { ProbeEngine } from './probes/probe-engine.js';
import type { TargetsFile } from './config/targets-file.js';
import { requestForAdhocUrl, requestForTarget } from './config/probe-request.js';
import { AdhocPolicy } from './config/adhoc-policy.js';
import { isAdhocUrl } from './probes/target-url.js';
import { ConfigError } from './config/config-error.js';
import { loadConfig, positiveInt } from './config/env-settings.js';
import { createRedis, redisSettings } from './queue/redis-connection.js';
import { startCheckWorker } from './queue/check-worker.js';
import { TargetSlots } from './queue/target-slots.js';
import { CheckResults } from './alerts/check-results.js';
import { IncidentStore } from './alerts/incidents.js';
import { alertSettingsFor } from './alerts/alert-settings.js';
import type { Running } from './running.js';
import { IdentityStore } from './identity/identity-store.js';
import { IdentityGate } from './identity/identity-gate.js';
import { CheckQueue, spreadOffset } from './queue/check-queue.js';
import { healthRoutes } from './http/health.js';
import { startHttpServer } from './http/http-server.js';
import { processMetrics } from './metrics/metrics.js';
import { pingMs, queueReadiness, redisReadiness } from './metrics/redis-probes.js';
import { startDeliveries } from './deliveries/delivery-service.js';

export interface WorkerOptions {
  /** The clock expected deliveries are judged by (tests set their own). */
  now?: () => number;
}

export async function startWorker(env: NodeJS.ProcessEnv, config: TargetsFile = loadConfig(env), options: WorkerOptions = {}): Promise<Running> {
  const redis = redisSettings(env);
  // History and alert state: connections of their own, because alert transitions use WATCH
  // (per connection) and so record one result at a time per connection. One connection capped a
  // worker at about 80 checks a second (BENCHMARKS.md, scale); a small pool, with each target
  // always on the same connection so that its results stay in order.
  const recordPool = Array.from({ length: positiveInt(env, 'FTPOPS_RECORD_CONNECTIONS', 4) }, () => createRedis(redis.url, 'blocking'));
  // At most a few checks of one target at once across all workers: never cause the 421 we diagnose.
  const slotsRedis = createRedis(redis.url, 'blocking');
  const knowledge = KnowledgeBase.load();
  // Remembered host keys and certificates: for configured targets only (an ad-hoc URL warns
  // instead). A connection of its own: its MULTI/EXEC would end another transaction's WATCH.
  const identityRedis = createRedis(redis.url, 'blocking');
  const identity = new IdentityGate(new IdentityStore(identityRedis, redis.prefix), knowledge);
  const recorders = recordPool.map((connection) => new CheckResults(connection, redis.prefix, new IncidentStore(connection, redis.prefix), (target) => alertSettingsFor(config.targets.get(target)).policy));
  const resultsOf = (target: string) => recorders[spreadOffset(target, recorders.length)]!;
  const metrics = processMetrics().configure(env);
  const engine = new ProbeEngine(knowledge);
  const resolveRequest = (name: string) => {
    if (isAdhocUrl(name)) return requestForAdhocUrl(name, new AdhocPolicy(config.access?.adhocHosts ?? []));
    const target = config.targets.get(name);
    if (!target) throw new ConfigError(`this worker has no target '${name}' in ${config.path}`);
    return requestForTarget(target, {}, env);
  };
  const worker = startCheckWorker({
    // Ad-hoc URLs are not targets: they keep no history and open no alerts (and count as "adhoc").
    onReport: async (report) => {
      metrics.observeReport(report, config.targets.has(report.target));
      if (!config.targets.has(report.target)) return undefined;
      const started = performance.now();
      try {
        return await resultsOf(report.target).record(report);
      } finally {
        metrics.observeRecord(performance.now() - started);
      }
    },
    redis,
    engine,
    identity: {
      expect: async (target, req) => (config.targets.has(target) ? identity.expect(target, req) : req),
      observe: async (target, req, report) => (config.targets.has(target) ? identity.observe(target, req, report) : report),
    },
    resolveRequest,
    concurrency: positiveInt(env, 'FTPOPS_WORKER_CONCURRENCY', 4),
    targetSlots: new TargetSlots(slotsRedis, redis.prefix, { cap: () => positiveInt(env, 'FTPOPS_CHECKS_PER_TARGET', 2) }),
    lockMs: positiveInt(env, 'FTPOPS_LOCK_MS', 30_000),
  });
  // Scheduler lag: how late a scheduled check started (a scheduler's job is due at its timestamp + delay).
  worker.on('active', (job) => {
    if (job.data.scheduled && job.processedOn) metrics.observeSchedulerLag(job.processedOn - (job.timestamp + (job.opts.delay ?? 0)));
  });
  await worker.waitUntilReady();
  // Metrics and health on a port of the worker's own (FTPOPS_METRICS_PORT), when set.
  const probeRedis = createRedis(redis.url, 'command');
  const queue = new CheckQueue(redis);
  const unwatch = [metrics.watchQueue(() => queue.counts()), metrics.watchRedis(() => pingMs(probeRedis))];
  const readiness = [redisReadiness(probeRedis), queueReadiness(() => queue.counts()), { name: 'worker', check: async () => (worker.isRunning() ? undefined : 'not running') }];
  const metricsPort = env.FTPOPS_METRICS_PORT ? positiveInt(env, 'FTPOPS_METRICS_PORT', 9464) : undefined;
  const http = metricsPort ? await startHttpServer({ host: env.FTPOPS_METRICS_HOST ?? '0.0.0.0', port: metricsPort, routes: healthRoutes(() => readiness, metrics, env.FTPOPS_METRICS_TOKEN || undefined) }) : undefined;
  // A delivery folder's listing logs in like a check: the same remembered identity must match
  // before any password is offered.
  const deliveries = await startDeliveries({
    env, config, redis, engine,
    resolveRequest: (name) => identity.expect(name, resolveRequest(name)),
    history: (t) => resultsOf(t).history(t),
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    describe: `worker (${config.targets.size} targets, Redis ${redis.prefix}${http ? `, metrics on port ${http.port}` : ''})`,
    ...(http ? { port: http.port } : {}),
    stop: async () => {
      for (const stop of unwatch) stop();
      await http?.stop();
      await queue.close();
      probeRedis.disconnect();
      await worker.close();
      await deliveries?.stop();
      for (const connection of recordPool) connection.disconnect();
      identityRedis.disconnect();
      slotsRedis.disconnect();
    },
  };
}
