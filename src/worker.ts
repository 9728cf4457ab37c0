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
import { startDeliveries } from './deliveries/delivery-service.js';

export interface WorkerOptions {
  /** The clock expected deliveries are judged by (tests set their own). */
  now?: () => number;
}

export async function startWorker(env: NodeJS.ProcessEnv, config: TargetsFile = loadConfig(env), options: WorkerOptions = {}): Promise<Running> {
  const redis = redisSettings(env);
  // History and alert state: a connection of its own (alert transitions use WATCH).
  const alertsRedis = createRedis(redis.url, 'blocking');
  // At most a few checks of one target at once across all workers: never cause the 421 we diagnose.
  const slotsRedis = createRedis(redis.url, 'blocking');
  const results = new CheckResults(alertsRedis, redis.prefix, new IncidentStore(alertsRedis, redis.prefix), (target) => alertSettingsFor(config.targets.get(target)).policy);
  const engine = new ProbeEngine(KnowledgeBase.load());
  const resolveRequest = (name: string) => {
    if (isAdhocUrl(name)) return requestForAdhocUrl(name, new AdhocPolicy(config.access?.adhocHosts ?? []));
    const target = config.targets.get(name);
    if (!target) throw new ConfigError(`this worker has no target '${name}' in ${config.path}`);
    return requestForTarget(target, {}, env);
  };
  const worker = startCheckWorker({
    // Ad-hoc URLs are not targets: they keep no history and open no alerts.
    onReport: async (report) => (config.targets.has(report.target) ? results.record(report) : undefined),
    redis,
    engine,
    resolveRequest,
    concurrency: positiveInt(env, 'FTPOPS_WORKER_CONCURRENCY', 4),
    targetSlots: new TargetSlots(slotsRedis, redis.prefix, { cap: () => positiveInt(env, 'FTPOPS_CHECKS_PER_TARGET', 2) }),
    lockMs: positiveInt(env, 'FTPOPS_LOCK_MS', 30_000),
  });
  await worker.waitUntilReady();
  const deliveries = await startDeliveries({ env, config, redis, engine, resolveRequest, history: (t) => results.history(t), ...(options.now ? { now: options.now } : {}) });
  return {
    describe: `worker (${config.targets.size} targets, Redis ${redis.prefix})`,
    stop: async () => {
      await worker.close();
      await deliveries?.stop();
      alertsRedis.disconnect();
      slotsRedis.disconnect();
    },
  };
}
