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

export async function startWorker(env: NodeJS.ProcessEnv, config: TargetsFile = loadConfig(env)): Promise<Running> {
  const redis = redisSettings(env);
  // History and alert state: a connection of its own (alert transitions use WATCH).
  const alertsRedis = createRedis(redis.url, 'blocking');
  // At most a few checks of one target at once across all workers: never cause the 421 we diagnose.
  const slotsRedis = createRedis(redis.url, 'blocking');
  const knowledge = KnowledgeBase.load();
  // Remembered host keys and certificates: for configured targets only (an ad-hoc URL warns instead).
  const identity = new IdentityGate(new IdentityStore(alertsRedis, redis.prefix), knowledge);
  const results = new CheckResults(alertsRedis, redis.prefix, new IncidentStore(alertsRedis, redis.prefix), (target) => alertSettingsFor(config.targets.get(target)).policy);
  const worker = startCheckWorker({
    // Ad-hoc URLs are not targets: they keep no history and open no alerts.
    onReport: async (report) => (config.targets.has(report.target) ? results.record(report) : undefined),
    redis,
    engine: new ProbeEngine(knowledge),
    identity: {
      expect: async (target, req) => (config.targets.has(target) ? identity.expect(target, req) : req),
      observe: async (target, req, report) => (config.targets.has(target) ? identity.observe(target, req, report) : report),
    },
    resolveRequest: (name) => {
      if (isAdhocUrl(name)) return requestForAdhocUrl(name, new AdhocPolicy(config.access?.adhocHosts ?? []));
      const target = config.targets.get(name);
      if (!target) throw new ConfigError(`this worker has no target '${name}' in ${config.path}`);
      return requestForTarget(target, {}, env);
    },
    concurrency: positiveInt(env, 'FTPOPS_WORKER_CONCURRENCY', 4),
    targetSlots: new TargetSlots(slotsRedis, redis.prefix, { cap: () => positiveInt(env, 'FTPOPS_CHECKS_PER_TARGET', 2) }),
    lockMs: positiveInt(env, 'FTPOPS_LOCK_MS', 30_000),
  });
  await worker.waitUntilReady();
  return {
    describe: `worker (${config.targets.size} targets, Redis ${redis.prefix})`,
    stop: async () => {
      await worker.close();
      alertsRedis.disconnect();
      slotsRedis.disconnect();
    },
  };
}
