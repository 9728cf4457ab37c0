// Composition root: config → engine, queue, chat adapters. The only place that wires parts
// together; `ftpops bot`, `ftpops worker` and `ftpops all` start from here.
import { KnowledgeBase } from './knowledge/knowledge-base.js';
import { ProbeEngine } from './probes/probe-engine.js';
import { defaultConfigPath, loadTargetsFile, type TargetsFile } from './config/targets-file.js';
import { requestForAdhocUrl, requestForTarget } from './config/probe-request.js';
import { AdhocPolicy } from './config/adhoc-policy.js';
import { isAdhocUrl } from './probes/target-url.js';
import { ConfigError } from './config/config-error.js';
import { redisSettings, createRedis } from './queue/redis-connection.js';
import { startCheckWorker } from './queue/check-worker.js';
import { TargetSlots } from './queue/target-slots.js';
import { SlackAdapter, slackSettings } from './chat/slack/slack-adapter.js';
import { CheckResults } from './alerts/check-results.js';
import { IncidentStore } from './alerts/incidents.js';
import { alertSettingsFor } from './alerts/alert-settings.js';
import { handleIngest } from './ingest/ingest-route.js';
import { DiscordAdapter, discordSettings } from './chat/discord/discord-adapter.js';
import type { ChatAdapter } from './chat/chat-adapter.js';
import type { ChatPlatform } from './bot/messages.js';
import { type HttpRoute, startHttpServer } from './http/http-server.js';
import { ConsoleAdapter } from './chat/console/console-adapter.js';
import type { AuditRecord } from './bot/router.js';
import { createBotCore, positiveInt } from './bot/bot-core.js';
import { consoleRoutes, type DemoSwitches } from './chat/console/console-routes.js';
import { ConsoleAuth } from './chat/console/console-auth.js';
import { hostname } from 'node:os';
import { ensureRedis } from './queue/local-redis.js';

export interface Running {
  /** Finish in-flight work, then let go of every connection. */
  stop(): Promise<void>;
  describe: string;
  /** Where a person opens the web console, when this process serves one (with its login link). */
  consoleUrl?: string;
  /** The bot's HTTP port (0 asks the system for a free one). */
  port?: number;
}

function loadConfig(env: NodeJS.ProcessEnv): TargetsFile {
  return loadTargetsFile(defaultConfigPath(env), Boolean(env.FTPOPS_CONFIG));
}


export async function startWorker(env: NodeJS.ProcessEnv, config: TargetsFile = loadConfig(env)): Promise<Running> {
  const redis = redisSettings(env);
  // History and alert state: a connection of its own (alert transitions use WATCH).
  const alertsRedis = createRedis(redis.url, 'blocking');
  // At most a few checks of one target at once across all workers: never cause the 421 we diagnose.
  const slotsRedis = createRedis(redis.url, 'blocking');
  const results = new CheckResults(alertsRedis, redis.prefix, new IncidentStore(alertsRedis, redis.prefix), (target) => alertSettingsFor(config.targets.get(target)).policy);
  const worker = startCheckWorker({
    // Ad-hoc URLs are not targets: they keep no history and open no alerts.
    onReport: async (report) => (config.targets.has(report.target) ? results.record(report) : undefined),
    redis,
    engine: new ProbeEngine(KnowledgeBase.load()),
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

/** The local web console, served by the bot (loopback unless told otherwise). */
export interface ConsoleOptions {
  host: string;
  port: number;
  demo?: DemoSwitches;
}

export async function startBot(env: NodeJS.ProcessEnv, options: { config?: TargetsFile; console?: ConsoleOptions; audit?: (record: AuditRecord) => void } = {}): Promise<Running> {
  const slack = slackSettings(env);
  const discord = discordSettings(env);
  if (!slack && !discord && !options.console) {
    throw new ConfigError('no chat platform configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN), and/or DISCORD_TOKEN (without any, `ftpops all` or `ftpops demo` serve the local web console)');
  }
  const config = options.config ?? loadConfig(env);
  // 1. The services and the router; nothing listens or runs yet.
  const core = createBotCore(env, config, options.audit ? { audit: options.audit } : {});

  // 2. Adapters, each with the router in hand; services reach chat through them.
  const slackAdapter = slack ? new SlackAdapter(slack, core.router) : undefined;
  const consoleAdapter = options.console ? new ConsoleAdapter(`web console on http://${hostPort(options.console.host, options.console.port)}`, core.router) : undefined;
  const adapters: Partial<Record<ChatPlatform, ChatAdapter>> = {
    ...(slackAdapter ? { slack: slackAdapter } : {}),
    ...(discord ? { discord: new DiscordAdapter(discord, core.router) } : {}),
    ...(consoleAdapter ? { console: consoleAdapter } : {}),
  };
  Object.assign(core.outbounds, adapters);
  const running = Object.values(adapters);

  // 3. Listen: the HTTP server (Slack's events over HTTP, log ingestion, the console), the
  //    chat connections; then the services' own loops.
  const targets = () => config.targets;
  const httpRoutes: HttpRoute[] = [...(slackAdapter?.routes ?? []), { method: 'POST', prefix: '/ingest/', handler: (req, res) => handleIngest(req, res, { targets, env, logs: core.logs }) }];
  const consoleAuth = options.console ? new ConsoleAuth({ host: options.console.host, port: options.console.port, env }) : undefined;
  if (consoleAdapter && consoleAuth) httpRoutes.push(...consoleRoutes(consoleAdapter, { auth: consoleAuth, ...(options.console?.demo ? { demo: options.console.demo } : {}) }));
  const http = await startHttpServer({ port: options.console?.port ?? Number(env.PORT ?? 3000), host: options.console?.host ?? env.FTPOPS_HTTP_HOST ?? '0.0.0.0', routes: httpRoutes });
  try {
    for (const adapter of running) await adapter.start();
  } catch (err) {
    await http.stop();
    await core.stop();
    throw err;
  }
  await core.start();
  return {
    describe: `bot (${running.map((a) => a.describe).join(', ')})`,
    port: http.port,
    ...(options.console && consoleAuth ? { consoleUrl: consoleUrlOf(options.console, consoleAuth) } : {}),
    stop: async () => {
      // Answers already on their way finish first (or go back to Redis for the next bot).
      await core.finishAnswers();
      for (const adapter of running) await adapter.stop().catch(() => undefined);
      await http.stop();
      await core.stop();
    },
  };
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The console's address for people: its login link (with a made-up token, shown this once). */
function consoleUrlOf(c: ConsoleOptions, auth: ConsoleAuth): string {
  const wildcard = c.host === '0.0.0.0' || c.host === '::';
  const base = `http://${hostPort(wildcard ? hostname() : c.host, c.port)}`;
  if (!auth.required) return base;
  return auth.generated ? `${base}/login?token=${auth.token} (a token made up at start: set FTPOPS_CONSOLE_TOKEN to choose it)` : `${base}/login (log in with FTPOPS_CONSOLE_TOKEN)`;
}

/**
 * No chat tokens: everything on this machine. Redis (found or started), in-process demo servers
 * with switchable faults (unless `demo` is false), a worker, and the bot with the web console.
 */
export async function startLocal(env: NodeJS.ProcessEnv, options: { host: string; port: number; demo: boolean }): Promise<Running> {
  const redis = await ensureRedis(env);
  const stops: Array<() => Promise<void>> = [redis.stop];
  try {
    let localEnv: NodeJS.ProcessEnv = { ...env, REDIS_URL: redis.url };
    const config = loadConfig(localEnv);
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
