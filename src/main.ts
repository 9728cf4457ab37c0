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
import { CheckQueue } from './queue/check-queue.js';
import { CheckCoordinator } from './bot/check-coordinator.js';
import { DeliveryBook } from './bot/delivery-book.js';
import { ChatCommandAnswers } from './bot/scope.js';
import { SlackBot, slackSettings } from './chat/slack/slack-bot.js';
import { AlertPoster } from './bot/alert-poster.js';
import { StatusAnswers } from './bot/status-answer.js';
import { CheckResults } from './alerts/check-results.js';
import { IncidentStore } from './alerts/incidents.js';
import { alertSettingsFor } from './alerts/alert-settings.js';
import { parseInterval } from './config/duration.js';
import { LogAlerts } from './ingest/log-alerts.js';
import { FileTail } from './ingest/file-tail.js';
import { isAbsolute, resolve } from 'node:path';
import { handleIngest } from './ingest/ingest-route.js';
import { WindowStore } from './alerts/windows.js';
import { RunbookLibrary } from './runbooks/runbook.js';
import { RunbookStore } from './runbooks/runbook-store.js';
import { RunbookConductor } from './bot/runbook-conductor.js';
import { DiscordBot, discordSettings } from './chat/discord/discord-bot.js';
import type { ChatAdapter } from './chat/chat-adapter.js';
import type { ChatPlatform } from './bot/messages.js';
import { type HttpRoute, startHttpServer } from './http/http-server.js';
import { ConsoleChat } from './chat/console/console-chat.js';
import { ChatGate } from './bot/access-gate.js';
import { consoleRoutes, type DemoSwitches } from './chat/console/console-routes.js';
import { ConsoleAuth } from './chat/console/console-auth.js';
import { hostname } from 'node:os';
import { ensureRedis } from './queue/local-redis.js';
import { ALERT_CLASSES, type AlertClass, RUNBOOK_OF_CLASS } from './alerts/alert-classes.js';

export interface Running {
  /** Finish in-flight work, then let go of every connection. */
  stop(): Promise<void>;
  describe: string;
  /** Where a person opens the web console, when this process serves one (with its login link). */
  consoleUrl?: string;
}

function loadConfig(env: NodeJS.ProcessEnv): TargetsFile {
  return loadTargetsFile(defaultConfigPath(env), Boolean(env.FTPOPS_CONFIG));
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${name}: '${raw.slice(0, 20)}' is not a positive whole number`);
  return n;
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

export async function startBot(env: NodeJS.ProcessEnv, options: { config?: TargetsFile; console?: ConsoleOptions } = {}): Promise<Running> {
  const slack = slackSettings(env);
  const discord = discordSettings(env);
  if (!slack && !discord && !options.console) {
    throw new ConfigError('no chat platform configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN), and/or DISCORD_TOKEN (without any, `ftpops all` or `ftpops demo` serve the local web console)');
  }
  const config = options.config ?? loadConfig(env);
  const knowledge = KnowledgeBase.load();
  // Finding codes and alert classes lead to a runbook; the operator's own may claim them first.
  const library = RunbookLibrary.load(env, (code) => knowledge.definition(code)?.runbook ?? (ALERT_CLASSES.includes(code as AlertClass) ? RUNBOOK_OF_CLASS[code as AlertClass] : undefined));
  const redis = redisSettings(env);
  const queue = new CheckQueue(redis);
  const bookRedis = createRedis(redis.url, 'command');
  const answers = new ChatCommandAnswers(knowledge, () => config);
  const gate = new ChatGate(() => config.access, bookRedis, redis.prefix);
  const adapters: Partial<Record<ChatPlatform, ChatAdapter>> = {};
  const runbookChecks: NonNullable<ConstructorParameters<typeof CheckCoordinator>[0]['runbooks']> = {};
  const coordinator = new CheckCoordinator({
    runbooks: runbookChecks,
    queue,
    book: new DeliveryBook(bookRedis, redis.prefix),
    knowledge,
    targets: () => config.targets,
    channels: adapters,
    graceMs: positiveInt(env, 'FTPOPS_GRACE_MS', 15_000),
  });
  // Server logs: POST /ingest/<target> on the bot's port, evaluated every few seconds.
  const logsRedis = createRedis(redis.url, 'blocking');
  const logs = new LogAlerts(logsRedis, redis.prefix, new WindowStore(logsRedis, redis.prefix), new IncidentStore(logsRedis, redis.prefix), (target) => alertSettingsFor(config.targets.get(target)), positiveInt(env, 'FTPOPS_EVALUATE_MS', 5_000));
  const ingest: HttpRoute['handler'] = (req, res) => handleIngest(req, res, { targets: () => config.targets, env, logs });
  const slackBot = slack ? new SlackBot(slack, { coordinator, answers, gate }) : undefined;
  if (slackBot) adapters.slack = slackBot;
  if (discord) adapters.discord = new DiscordBot(discord, { coordinator, answers, gate, runbookChoices: () => [...library.runbooks.keys(), ...knowledge.codes(), ...ALERT_CLASSES] });
  const consoleChat = options.console ? new ConsoleChat(`web console on http://${hostPort(options.console.host, options.console.port)}`, { coordinator, answers }) : undefined;
  if (consoleChat) adapters.console = consoleChat;
  coordinator.start();
  const running = Object.values(adapters);
  for (const adapter of running) await adapter.start();
  // The bot's own HTTP server: Slack's events (over HTTP), log ingestion, the console.
  const httpRoutes: HttpRoute[] = [...(slackBot?.routes ?? []), { method: 'POST', prefix: '/ingest/', handler: ingest }];
  const consoleAuth = options.console ? new ConsoleAuth({ host: options.console.host, port: options.console.port, env }) : undefined;
  if (consoleChat && consoleAuth) httpRoutes.push(...consoleRoutes(consoleChat, { auth: consoleAuth, ...(options.console?.demo ? { demo: options.console.demo } : {}) }));
  const http = await startHttpServer({ port: options.console?.port ?? Number(env.PORT ?? 3000), host: options.console?.host ?? env.FTPOPS_HTTP_HOST ?? '0.0.0.0', routes: httpRoutes });
  const alertsRedis = createRedis(redis.url, 'blocking');
  const poster = new AlertPoster(new IncidentStore(alertsRedis, redis.prefix), alertsRedis, redis.prefix, () => config.targets, adapters);
  const history = new CheckResults(alertsRedis, redis.prefix, new IncidentStore(alertsRedis, redis.prefix), (target) => alertSettingsFor(config.targets.get(target)).policy);
  const status = new StatusAnswers(history, poster);
  poster.start();
  // Runbook sessions: their own connection (transitions use WATCH).
  const runbookRedis = createRedis(redis.url, 'blocking');
  const conductor = new RunbookConductor({
    store: new RunbookStore(runbookRedis, redis.prefix),
    library,
    targets: () => config.targets,
    coordinator,
    chats: adapters,
    history: (target) => history.history(target),
    incidentThread: (target, channel) => poster.openThread(target, channel),
  });
  runbookChecks.listener = conductor;
  for (const adapter of running) {
    adapter.useAlerts(poster, status);
    adapter.useRunbooks(conductor);
  }
  conductor.start();
  logs.start(() => [...config.targets.values()].filter((t) => t.ingest).map((t) => t.name));
  const tails = [...config.targets.values()].flatMap((t) => {
    const file = t.ingest?.file;
    if (!file) return [];
    const path = isAbsolute(file) ? file : resolve(t.baseDir, file);
    return [new FileTail(path, (lines) => logs.ingest(t.name, lines, t.ingest?.daemon))];
  });
  await Promise.all(tails.map((tail) => tail.start()));
  await queue.syncSchedules(scheduleIntervals(config)).catch(() => undefined);
  return {
    describe: `bot (${running.map((a) => a.describe).join(', ')})`,
    ...(options.console && consoleAuth ? { consoleUrl: consoleUrlOf(options.console, consoleAuth) } : {}),
    stop: async () => {
      // Answers already on their way finish first (or go back to Redis for the next bot).
      await coordinator.stop();
      for (const adapter of running) await adapter.stop().catch(() => undefined);
      await http.stop();
      poster.stop();
      conductor.stop();
      logs.stop();
      await Promise.all(tails.map((tail) => tail.stop()));
      logsRedis.disconnect();
      await queue.close();
      bookRedis.disconnect();
      alertsRedis.disconnect();
      runbookRedis.disconnect();
    },
  };
}

function scheduleIntervals(config: TargetsFile): Map<string, number> {
  const intervals = new Map<string, number>();
  for (const target of config.targets.values()) {
    if (target.interval !== undefined) intervals.set(target.name, parseInterval(target.interval, `target ${target.name}: interval`));
  }
  return intervals;
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
