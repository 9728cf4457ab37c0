// ftpops bot | worker | all: start, say so in one line, run until SIGTERM/SIGINT, then finish
// in-flight work and exit 0.
import { type Running, startAll, startBot, startWorker } from '../main.js';
import type { CliIo } from './cli-io.js';

const STARTERS = { bot: startBot, worker: startWorker, all: startAll } as const;

export async function runRole(role: keyof typeof STARTERS, io: CliIo): Promise<number> {
  const running: Running = await STARTERS[role](io.env);
  io.err(`ftpops: ${running.describe} running`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  io.err(`ftpops: stopping ${role}: finishing in-flight checks`);
  await running.stop();
  return 0;
}
