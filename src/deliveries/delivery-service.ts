// The worker's part of expected deliveries: the schedulers of the targets that have any, and the
// BullMQ worker that evaluates one target per job. Nothing runs when no target has deliveries.
import type { HistoryEntry } from '../alerts/check-results.js';
import type { TargetsFile } from '../config/targets-file.js';
import { positiveInt } from '../config/env-settings.js';
import type { ProbeEngine } from '../probes/probe-engine.js';
import type { ProbeRequest } from '../probes/probe.js';
import { startDeliveryWorker, syncDeliverySchedules } from '../queue/delivery-jobs.js';
import { createRedis, type RedisSettings } from '../queue/redis-connection.js';
import { DeliveryStore } from './delivery-store.js';
import { DeliveryWatch } from './delivery-watch.js';
import { PartnerEvents } from './partner-events.js';

export interface DeliveriesDeps {
  env: NodeJS.ProcessEnv;
  config: TargetsFile;
  redis: RedisSettings;
  engine: Pick<ProbeEngine, 'run'>;
  resolveRequest: (target: string) => ProbeRequest | Promise<ProbeRequest>;
  history: (target: string) => Promise<HistoryEntry[]>;
  now?: () => number;
}

export async function startDeliveries(deps: DeliveriesDeps): Promise<{ stop(): Promise<void> } | undefined> {
  const targets = [...deps.config.targets.values()].filter((t) => t.deliveries?.length);
  // Schedulers of targets whose deliveries were removed go too, even when none is left.
  const everyMs = positiveInt(deps.env, 'FTPOPS_DELIVERY_EVERY_MS', 60_000);
  await syncDeliverySchedules(deps.redis, targets.map((t) => t.name), everyMs).catch(() => undefined);
  if (!targets.length) return undefined;
  // State transitions use WATCH: a connection of their own.
  const redis = createRedis(deps.redis.url, 'blocking');
  const watch = new DeliveryWatch({
    engine: deps.engine,
    store: new DeliveryStore(redis, deps.redis.prefix),
    events: new PartnerEvents(redis, deps.redis.prefix),
    history: deps.history,
    requestFor: deps.resolveRequest,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const worker = startDeliveryWorker(deps.redis, async (name) => {
    const target = deps.config.targets.get(name);
    if (target) await watch.evaluate(target);
  }, positiveInt(deps.env, 'FTPOPS_LOCK_MS', 30_000));
  await worker.waitUntilReady();
  return {
    stop: async () => {
      await worker.close();
      redis.disconnect();
    },
  };
}
