// One check job through the real worker (startCheckWorker), the real probe engine and the real
// Redis on 127.0.0.1:6379, under a queue prefix of its own that is removed afterwards: what a
// chat check or a runbook step gets back, without a bot process around it.
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { KnowledgeBase } from '../../src/knowledge/knowledge-base.js';
import { ProbeEngine } from '../../src/probes/probe-engine.js';
import type { ProbeRequest } from '../../src/probes/probe.js';
import { CHECK_JOB, CHECK_QUEUE, type CheckJobData, type CheckJobResult, type CheckProgress } from '../../src/queue/check-job.js';
import { startCheckWorker } from '../../src/queue/check-worker.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

export interface WorkerJobOutcome {
  result: CheckJobResult;
  /** The last progress the worker published (every stage so far). */
  progress: CheckProgress | undefined;
  /** Everything the job left in Redis (data, progress, return value), as one text to search. */
  stored: string;
}

export async function runWorkerJob(data: CheckJobData, resolveRequest: (target: string) => ProbeRequest, timeoutMs = 30_000): Promise<WorkerJobOutcome> {
  const prefix = `{ftpops-test-${randomBytes(4).toString('hex')}}`;
  const worker = startCheckWorker({ redis: { url: REDIS_URL, prefix }, engine: new ProbeEngine(KnowledgeBase.load()), resolveRequest, concurrency: 1, lockMs: 30_000 });
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue<CheckJobData, CheckJobResult>(CHECK_QUEUE, { connection, prefix });
  try {
    await worker.waitUntilReady();
    const job = await queue.add(CHECK_JOB, data);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await job.getState();
      if (state === 'completed' || state === 'failed') break;
      if (Date.now() > deadline) throw new Error(`job still ${state} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const done = (await queue.getJob(job.id!))!;
    if (done.failedReason) throw new Error(`job failed: ${done.failedReason}`);
    const stored = JSON.stringify(await connection.hgetall(`${prefix}:${CHECK_QUEUE}:${job.id}`));
    return { result: done.returnvalue, progress: done.progress as unknown as CheckProgress | undefined, stored };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    connection.disconnect();
  }
}
