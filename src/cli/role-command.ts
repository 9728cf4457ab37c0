// ftpops bot | worker | all: start, say so in one line, run until SIGTERM/SIGINT, then finish
// in-flight work and exit 0.
import type { Running } from '../running.js';
import { ConfigError } from '../config/config-error.js';
import type { CliIo } from './cli-io.js';

export type Role = 'bot' | 'worker' | 'all' | 'demo';

/** Where the local web console listens: loopback unless asked otherwise. */
export interface LocalFlags {
  host?: string;
  port?: string;
}

export async function runRole(role: Role, io: CliIo, flags: LocalFlags = {}): Promise<number> {
  const local = { host: flags.host ?? '127.0.0.1', port: consolePort(flags.port ?? io.env.PORT ?? '3000') };
  // Each role loads only its own parts: a worker never loads the chat platforms' libraries.
  const running: Running =
    role === 'bot'
      ? await (await import('../main.js')).startBot(io.env)
      : role === 'worker'
        ? await (await import('../worker.js')).startWorker(io.env)
        : role === 'all'
          ? await (await import('../local.js')).startAll(io.env, local)
          : await (await import('../local.js')).startLocal(io.env, { ...local, demo: true });
  io.err(`ftpops: ${running.describe} running`);
  if (running.consoleUrl) io.err(`ftpops: open ${running.consoleUrl} and type /ftp help`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  io.err(`ftpops: stopping ${role}: finishing in-flight checks`);
  await running.stop();
  return 0;
}

function consolePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new ConfigError(`'${text.slice(0, 20)}' is not a port number`);
  return port;
}
