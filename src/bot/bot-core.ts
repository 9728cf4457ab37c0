// The bot without its chat platforms: the services (check coordinator, alert threads, runbooks,
// status, server logs) wired to each other and to one router. Built before any adapter exists;
// they reach chat through `outbounds`, which the caller fills with its adapters before start().
// main.ts adds the adapters and the HTTP server; the router's tests add a fake adapter.
import { isAbsolute, resolve } from 'node:path';
import type { TargetsFile } from '../config/targets-file.js';
import { positiveInt } from '../config/env-settings.js';
import { parseInterval } from '../config/duration.js';
import { KnowledgeBase } from '../knowledge/knowledge-base.js';
import { RunbookLibrary } from '../runbooks/runbook.js';
import { RunbookStore } from '../runbooks/runbook-store.js';
import { type AlertClass, RUNBOOK_OF_CLASS } from '../alerts/alert-classes.js';
import { alertSettingsFor } from '../alerts/alert-settings.js';
import { CheckResults } from '../alerts/check-results.js';
import { IncidentStore } from '../alerts/incidents.js';
import { WindowStore } from '../alerts/windows.js';
import { FileTail } from '../ingest/file-tail.js';
import { LogAlerts } from '../ingest/log-alerts.js';
import { CheckQueue } from '../queue/check-queue.js';
import { createRedis, redisSettings } from '../queue/redis-connection.js';
import { RateGate } from './access-gate.js';
import { AlertPoster } from './alert-poster.js';
import { CheckCoordinator, type RunbookCheckListener } from './check-coordinator.js';
import { DeliveryBook } from './delivery-book.js';
import type { ChatOutbounds } from './incoming.js';
import { type AuditRecord, Router } from './router.js';
import { RunbookConductor } from './runbook-conductor.js';
import { ChannelScope } from './scope.js';
import { StatusAnswers } from './status-answer.js';
import { IdentityDesk } from './identity-desk.js';
import { IdentityStore } from '../identity/identity-store.js';
import { ReportAnswers } from './report-answer.js';
import { ReportReader } from '../history/report-reader.js';
import { IncidentLog } from '../history/incident-log.js';
import type { ReadinessCheck } from '../http/health.js';
import { processMetrics } from '../metrics/metrics.js';
import { pingMs, queueReadiness, redisReadiness } from '../metrics/redis-probes.js';
import { PartnerEvents } from '../deliveries/partner-events.js';
import { DeliveryStore } from '../deliveries/delivery-store.js';
import { DeliveryBoardReader } from '../deliveries/delivery-board-reader.js';

export interface BotCore {
  router: Router;
  /** Fill with the adapters (platform → post/edit) before start(). */
  outbounds: ChatOutbounds;
  logs: LogAlerts;
  /** Start the services' own loops: answers, alert threads, runbook sweeps, log evaluation, schedules. */
  start(): Promise<void>;
  /** Let answers already on their way finish (or go back to Redis for the next bot). */
  finishAnswers(): Promise<void>;
  /** What /readyz checks of the core: Redis answers, the queue is usable. */
  readiness: ReadinessCheck[];
  /** Stop every loop and let go of Redis. */
  stop(): Promise<void>;
}

export interface BotCoreOptions {
  /** Where audit records go (the log by default). */
  audit?: (record: AuditRecord) => void;
}

export function createBotCore(env: NodeJS.ProcessEnv, config: TargetsFile, options: BotCoreOptions = {}): BotCore {
  const targets = () => config.targets;
  const knowledge = KnowledgeBase.load();
  // Finding codes and alert classes lead to a runbook; the operator's own may claim them first.
  const library = RunbookLibrary.load(env, (code) => knowledge.definition(code)?.runbook ?? (Object.hasOwn(RUNBOOK_OF_CLASS, code) ? RUNBOOK_OF_CLASS[code as AlertClass] : undefined));
  const redis = redisSettings(env);
  const outbounds: ChatOutbounds = {};
  const queue = new CheckQueue(redis);
  const bookRedis = createRedis(redis.url, 'command');
  const runbookResults: { listener?: RunbookCheckListener } = {};
  const coordinator = new CheckCoordinator({ runbooks: runbookResults, queue, book: new DeliveryBook(bookRedis, redis.prefix), knowledge, targets, channels: outbounds, graceMs: positiveInt(env, 'FTPOPS_GRACE_MS', 15_000) });
  // Server logs: POST /ingest/<target> on the bot's port, evaluated every few seconds.
  const logsRedis = createRedis(redis.url, 'blocking');
  const partnerEvents = new PartnerEvents(logsRedis, redis.prefix);
  const logs = new LogAlerts(logsRedis, redis.prefix, new WindowStore(logsRedis, redis.prefix), new IncidentStore(logsRedis, redis.prefix), (target) => alertSettingsFor(config.targets.get(target)), positiveInt(env, 'FTPOPS_EVALUATE_MS', 5_000), (target, events, now) => partnerEvents.record(target, events, now));
  const alertsRedis = createRedis(redis.url, 'blocking');
  const poster = new AlertPoster(new IncidentStore(alertsRedis, redis.prefix), alertsRedis, redis.prefix, targets, outbounds);
  const history = new CheckResults(alertsRedis, redis.prefix, new IncidentStore(alertsRedis, redis.prefix), (target) => alertSettingsFor(config.targets.get(target)).policy);
  // Runbook sessions: their own connection (transitions use WATCH).
  const runbookRedis = createRedis(redis.url, 'blocking');
  const conductor = new RunbookConductor({
    store: new RunbookStore(runbookRedis, redis.prefix),
    library,
    targets,
    coordinator,
    chats: outbounds,
    history: (target) => history.history(target),
    incidentThread: (target, channel) => poster.openThread(target, channel),
  });
  runbookResults.listener = conductor;
  // A connection of its own: the identity store's MULTI/EXEC would end the incident store's WATCH.
  const identityRedis = createRedis(redis.url, 'blocking');
  const identity = new IdentityDesk(new IdentityStore(identityRedis, redis.prefix), targets, outbounds);
  const router = new Router({
    services: { config: () => config, knowledge, library, scope: new ChannelScope(() => config), checks: coordinator, alerts: poster, status: new StatusAnswers(history, poster, identity), reports: new ReportAnswers(new ReportReader(alertsRedis, redis.prefix)), runbooks: conductor, identity, outbounds, deliveries: new DeliveryBoardReader(new DeliveryStore(bookRedis, redis.prefix)) },
    rate: new RateGate(() => config.access?.commandsPerMinute, bookRedis, redis.prefix),
    ...(options.audit ? { audit: options.audit } : {}),
  });
  const tails = [...config.targets.values()].flatMap((t) => {
    const file = t.ingest?.file;
    if (!file) return [];
    const path = isAbsolute(file) ? file : resolve(t.baseDir, file);
    return [new FileTail(path, (lines) => logs.ingest(t.name, lines, t.ingest?.daemon))];
  });
  // Metrics read from Redis at scrape time; readiness from the same fail-fast connection.
  const metrics = processMetrics().configure(env);
  const unwatch = [
    metrics.watchQueue(() => queue.counts()),
    metrics.watchIncidents(() => new IncidentLog(bookRedis, redis.prefix).openByClass()),
    metrics.watchRedis(() => pingMs(bookRedis)),
  ];
  return {
    router,
    outbounds,
    logs,
    readiness: [redisReadiness(bookRedis), queueReadiness(() => queue.counts())],
    start: async () => {
      coordinator.start();
      poster.start();
      identity.start();
      conductor.start();
      logs.start(() => [...config.targets.values()].filter((t) => t.ingest).map((t) => t.name));
      await Promise.all(tails.map((tail) => tail.start()));
      await queue.syncSchedules(scheduleIntervals(config)).catch(() => undefined);
    },
    finishAnswers: () => coordinator.stop(),
    stop: async () => {
      for (const stop of unwatch) stop();
      poster.stop();
      identity.stop();
      conductor.stop();
      logs.stop();
      await Promise.all(tails.map((tail) => tail.stop()));
      logsRedis.disconnect();
      await queue.close();
      bookRedis.disconnect();
      alertsRedis.disconnect();
      identityRedis.disconnect();
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
