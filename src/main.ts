// `ftpops bot`, the composition root of the chat side: the bot core (services wired to the router)
// → the adapters of the platforms configured → the bot's own HTTP server. A platform's SDK is
// loaded only when that platform is configured.
import { hostname } from 'node:os';
import type { TargetsFile } from './config/targets-file.js';
import { ConfigError } from './config/config-error.js';
import { loadConfig } from './config/env-settings.js';
import { handleIngest } from './ingest/ingest-route.js';
import type { ChatAdapter } from './chat/chat-adapter.js';
import { discordSettings, slackSettings } from './chat/chat-settings.js';
import type { ChatPlatform } from './bot/messages.js';
import { type HttpRoute, startHttpServer } from './http/http-server.js';
import { ConsoleAdapter } from './chat/console/console-adapter.js';
import type { AuditRecord } from './bot/router.js';
import { createBotCore } from './bot/bot-core.js';
import { consoleRoutes, type DemoSwitches } from './chat/console/console-routes.js';
import { ConsoleAuth } from './chat/console/console-auth.js';
import type { Running } from './running.js';
import { healthRoutes, type ReadinessCheck } from './http/health.js';
import { countedOutbound } from './metrics/counted-outbound.js';
import { processMetrics } from './metrics/metrics.js';

export type { Running } from './running.js';

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
  const slackAdapter = slack ? new (await import('./chat/slack/slack-adapter.js')).SlackAdapter(slack, core.router) : undefined;
  const discordAdapter = discord ? new (await import('./chat/discord/discord-adapter.js')).DiscordAdapter(discord, core.router) : undefined;
  const consoleAdapter = options.console ? new ConsoleAdapter(`web console on http://${hostPort(options.console.host, options.console.port)}`, core.router) : undefined;
  const adapters: Partial<Record<ChatPlatform, ChatAdapter>> = {
    ...(slackAdapter ? { slack: slackAdapter } : {}),
    ...(discordAdapter ? { discord: discordAdapter } : {}),
    ...(consoleAdapter ? { console: consoleAdapter } : {}),
  };
  // Services reach chat through the adapters; a call that fails even after the client's own
  // retries is counted per platform (ftpops_chat_api_errors_total).
  for (const [platform, adapter] of Object.entries(adapters)) core.outbounds[platform as ChatPlatform] = countedOutbound(platform, adapter);
  const running = Object.values(adapters);

  // 3. Listen: the HTTP server (Slack's events over HTTP, log ingestion, the console), the
  //    chat connections; then the services' own loops.
  const targets = () => config.targets;
  const chatReadiness: ReadinessCheck[] = Object.entries(adapters).map(([platform, adapter]) => ({
    name: `chat:${platform}`,
    check: async () => (adapter.connected && !adapter.connected() ? 'not connected' : undefined),
  }));
  const httpRoutes: HttpRoute[] = [
    ...(slackAdapter?.routes ?? []),
    { method: 'POST', prefix: '/ingest/', handler: (req, res) => handleIngest(req, res, { targets, env, logs: core.logs }) },
    ...healthRoutes(() => [...core.readiness, ...chatReadiness], processMetrics(), env.FTPOPS_METRICS_TOKEN || undefined),
  ];
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

