// Expected deliveries on the queue: one BullMQ job scheduler per target that has deliveries
// (every FTPOPS_DELIVERY_EVERY, one minute by default), so a folder is looked at once per
// interval however many workers run, and a worker that takes the job evaluates that target
// (src/deliveries/delivery-watch.ts). A queue of its own: the check schedulers' sync removes
// every scheduler it does not know, and a slow listing must not hold up a check.
import { type Job, Queue, Worker } from 'bullmq';
import { createRedis, type RedisSettings, whenReady } from './redis-connection.js';

export const DELIVERY_QUEUE = 'deliveries';
export const DELIVERY_JOB = 'evaluate-deliveries';

export interface DeliveryJobData {
  target: string;
}

/** Upsert a scheduler per target, remove the schedulers of targets that no longer have deliveries. */
export async function syncDeliverySchedules(settings: RedisSettings, targets: string[], everyMs: number): Promise<void> {
  const connection = createRedis(settings.url, 'command');
  const queue = new Queue<DeliveryJobData>(DELIVERY_QUEUE, { connection, prefix: settings.prefix });
  queue.on('error', () => undefined);
  try {
    await whenReady(connection, 5_000);
    for (const target of targets) {
      await queue.upsertJobScheduler(`deliveries-${target}`, { every: everyMs }, { name: DELIVERY_JOB, data: { target }, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } });
    }
    for (const scheduler of await queue.getJobSchedulers()) {
      if (!targets.includes(scheduler.key.replace(/^deliveries-/, ''))) await queue.removeJobScheduler(scheduler.key);
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

export function startDeliveryWorker(settings: RedisSettings, evaluate: (target: string) => Promise<unknown>, lockMs: number): Worker<DeliveryJobData> {
  const worker = new Worker<DeliveryJobData>(DELIVERY_QUEUE, async (job: Job<DeliveryJobData>) => {
    await evaluate(job.data.target);
  }, {
    connection: createRedis(settings.url, 'blocking'),
    prefix: settings.prefix,
    concurrency: 1,
    lockDuration: lockMs,
  });
  worker.on('error', () => undefined);
  return worker;
}
