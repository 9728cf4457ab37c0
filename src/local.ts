// `ftpops all` and `ftpops demo`: bot and worker in one process; with no chat tokens, the local web
// console with Redis found or started, and the demo servers.
import type { TargetsFile } from './config/targets-file.js';
import { ConfigError } from './config/config-error.js';
import { loadConfig } from './config/env-settings.js';
import { ensureRedis } from './queue/local-redis.js';
import { discordSettings, slackSettings } from './chat/chat-settings.js';
import { startBot } from './main.js';
import { startWorker } from './worker.js';
import type { Running } from './running.js';

/**
 * No chat tokens: everything on this machine. Redis (found or started), in-process demo servers
 * with switchable faults (unless `demo` is false), a worker, and the bot with the web console.
 */
export async function startLocal(env: NodeJS.ProcessEnv, options: { host: string; port: number; demo: boolean }): Promise<Running> {
  const redis = await ensureRedis(env);
  const stops: Array<() => Promise<void>> = [redis.stop];
  try {
    let localEnv: NodeJS.ProcessEnv = { ...env, REDIS_URL: redis.url };
    const config: TargetsFile = loadConfig(localEnv);
    const demo = options.demo ? await (await loadDemoServers()).startDemoServers() : undefined;
    if (demo) {
      stops.unshift(demo.stop);
      localEnv = { ...localEnv, ...demo.passwordEnv };
      // Checked on a schedule, so that a fault switched on opens an alert thread by itself.
      const interval = env.FTPOPS_DEMO_INTERVAL ?? '15s';
      for (const target of demo.targets) if (!config.targets.has(target.name)) config.targets.set(target.name, { ...target, interval });
    }
    const worker = await startWorker(localEnv, config);
    stops.unshift(worker.stop);
    const bot = await startBot(localEnv, { config, console: { host: options.host, port: options.port, ...(demo ? { demo: demo.faults } : {}) } });
    stops.unshift(bot.stop);
    const what = [`${bot.describe}`, `${config.targets.size} targets${demo ? ` (demo servers: ${demo.targets.map((t) => t.name).join(', ')})` : ''}`, redis.describe];
    return { describe: what.join('; '), ...(bot.consoleUrl ? { consoleUrl: bot.consoleUrl } : {}), stop: async () => void (await runAll(stops)) };
  } catch (err) {
    await runAll(stops);
    throw err;
  }
}

/**
 * The demo servers come with an optional dependency (ftp-srv) that production installs may leave
 * out (`npm install --omit=optional`, as the Docker image does): loaded only when asked for.
 */
async function loadDemoServers(): Promise<typeof import('./demo/demo-servers.js')> {
  try {
    return await import('./demo/demo-servers.js');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && /ftp-srv/.test((err as Error).message)) {
      throw new ConfigError('the demo servers need the optional package ftp-srv, left out of this install: run `npm install ftp-srv`, or start with FTPOPS_DEMO=0');
    }
    throw err;
  }
}

async function runAll(stops: Array<() => Promise<void>>): Promise<void> {
  for (const stop of stops) await stop().catch(() => undefined);
}

/** Bot and worker in one process; with no chat tokens at all, the local console with demo servers. */
export async function startAll(env: NodeJS.ProcessEnv, local: { host: string; port: number } = { host: '127.0.0.1', port: Number(env.PORT ?? 3000) }): Promise<Running> {
  if (!slackSettings(env) && !discordSettings(env)) return startLocal(env, { ...local, demo: env.FTPOPS_DEMO !== '0' });
  const worker = await startWorker(env);
  const bot = await startBot(env).catch(async (err) => {
    await worker.stop();
    throw err;
  });
  return { describe: `${bot.describe} + ${worker.describe}`, stop: async () => Promise.all([bot.stop(), worker.stop()]).then(() => undefined) };
}
