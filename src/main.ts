// Composition root: config → engine, queue, chat adapters. The only place that wires parts
// together; `ftpops bot`, `ftpops worker` and `ftpops all` start from here.
import { KnowledgeBase } from './knowledge/knowledge-base.js';
import { ProbeEngine } from './probes/probe-engine.js';
import { defaultConfigPath, loadTargetsFile, type TargetsFile } from './config/targets-file.js';
import { requestForTarget } from './config/probe-request.js';
import { ConfigError } from './config/config-error.js';
import { redisSettings, createRedis } from './queue/redis-connection.js';
import { startCheckWorker } from './queue/check-worker.js';
import { TargetSlots } from './queue/target-slots.js';
import { CheckQueue } from './queue/check-queue.js';
import { CheckCoordinator } from './chat/check-coordinator.js';
import { DeliveryBook } from './chat/delivery-book.js';
import { ChatCommandAnswers } from './chat/command-answers.js';
import { SlackBot, slackSettings } from './chat/slack/slack-bot.js';
import { AlertPoster } from './chat/alert-poster.js';
import { StatusAnswers } from './chat/status-answer.js';
import { CheckResults } from './alerts/check-results.js';
import { IncidentStore } from './alerts/incidents.js';
import { alertSettingsFor } from './alerts/alert-settings.js';
import { parseDuration } from './config/duration.js';
import { LogAlerts } from './ingest/log-alerts.js';
import { FileTail } from './ingest/file-tail.js';
import { isAbsolute, resolve } from 'node:path';
import { handleIngest } from './ingest/ingest-route.js';
import { WindowStore } from './alerts/windows.js';
import { RunbookLibrary } from './runbooks/runbook.js';
import { RunbookStore } from './runbooks/runbook-store.js';
import { RunbookConductor } from './chat/runbook-conductor.js';
import { DiscordBot, discordSettings } from './chat/discord/discord-bot.js';
import type { ChatAdapter } from './chat/chat-adapter.js';
import type { ChatPlatform } from './chat/messages.js';
import { startLocalHttp } from './chat/local-http.js';
import { ALERT_CLASSES, type AlertClass, RUNBOOK_OF_CLASS } from './alerts/alert-classes.js';

export interface Running {
  /** Finish in-flight work, then let go of every connection. */
  stop(): Promise<void>;
  describe: string;
}

function loadConfig(env: NodeJS.ProcessEnv): TargetsFile {
  return loadTargetsFile(defaultConfigPath(env), env.FTPOPS_CONFIG !== undefined);
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${name}: '${raw.slice(0, 20)}' is not a positive whole number`);
  return n;
}

export async function startWorker(env: NodeJS.ProcessEnv): Promise<Running> {
  const config = loadConfig(env);
  const redis = redisSettings(env);
  // History and alert state: a connection of its own (alert transitions use WATCH).
  const alertsRedis = createRedis(redis.url, 'blocking');
  // At most a few checks of one target at once across all workers: never cause the 421 we diagnose.
  const slotsRedis = createRedis(redis.url, 'blocking');
  const results = new CheckResults(alertsRedis, redis.prefix, new IncidentStore(alertsRedis, redis.prefix), (target) => alertSettingsFor(config.targets.get(target)).policy);
  const worker = startCheckWorker({
    onReport: (report) => results.record(report),
    redis,
    engine: new ProbeEngine(KnowledgeBase.load()),
    resolveRequest: (name) => {
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

export async function startBot(env: NodeJS.ProcessEnv): Promise<Running> {
  const slack = slackSettings(env);
  const discord = discordSettings(env);
  if (!slack && !discord) {
    throw new ConfigError('no chat platform configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN), and/or DISCORD_TOKEN');
  }
  const config = loadConfig(env);
  const knowledge = KnowledgeBase.load();
  // Finding codes and alert classes lead to a runbook; the operator's own may claim them first.
  const library = RunbookLibrary.load(env, (code) => knowledge.definition(code)?.runbook ?? (ALERT_CLASSES.includes(code as AlertClass) ? RUNBOOK_OF_CLASS[code as AlertClass] : undefined));
  const redis = redisSettings(env);
  const queue = new CheckQueue(redis);
  const bookRedis = createRedis(redis.url, 'command');
  const answers = new ChatCommandAnswers(knowledge, () => config);
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
  const ingest = (req: Parameters<typeof handleIngest>[0], res: Parameters<typeof handleIngest>[1]) => void handleIngest(req, res, { targets: () => config.targets, env, logs });
  if (slack) adapters.slack = new SlackBot(slack, { coordinator, answers, routes: [{ path: '/ingest/:target', method: 'POST', handler: ingest }] });
  if (discord) adapters.discord = new DiscordBot(discord, { coordinator, answers, runbookChoices: () => [...library.runbooks.keys(), ...knowledge.codes(), ...ALERT_CLASSES] });
  coordinator.start();
  const running = Object.values(adapters);
  for (const adapter of running) await adapter.start();
  // Without Slack's HTTP receiver, ingestion gets a small server of its own on the same port.
  const http = slack && !slack.appToken ? undefined : await startLocalHttp(Number(env.PORT ?? 3000), env.FTPOPS_HTTP_HOST ?? '0.0.0.0', [{ method: 'POST', prefix: '/ingest/', handler: ingest }]);
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
    stop: async () => {
      for (const adapter of running) await adapter.stop().catch(() => undefined);
      await new Promise<void>((done) => (http ? http.close(() => done()) : done()));
      coordinator.stop();
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
    if (target.interval !== undefined) intervals.set(target.name, parseDuration(target.interval, `target ${target.name}: interval`));
  }
  return intervals;
}

export async function startAll(env: NodeJS.ProcessEnv): Promise<Running> {
  const worker = await startWorker(env);
  const bot = await startBot(env).catch(async (err) => {
    await worker.stop();
    throw err;
  });
  return { describe: `${bot.describe} + ${worker.describe}`, stop: async () => Promise.all([bot.stop(), worker.stop()]).then(() => undefined) };
}
