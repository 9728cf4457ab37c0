// Which chat platforms are configured, read from the environment without loading their SDKs
// (the adapters, which do, are loaded only for the platforms set up here).
export interface SlackSettings {
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  port: number;
  apiUrl?: string;
}

export function slackSettings(env: NodeJS.ProcessEnv): SlackSettings | undefined {
  if (!env.SLACK_BOT_TOKEN) return undefined;
  return {
    botToken: env.SLACK_BOT_TOKEN,
    signingSecret: env.SLACK_SIGNING_SECRET,
    appToken: env.SLACK_APP_TOKEN,
    port: Number(env.PORT ?? 3000),
    apiUrl: env.SLACK_API_URL,
  };
}

export interface DiscordSettings {
  token: string;
  applicationId?: string;
  guildId?: string;
  /** Base URL of the REST API ("…/api"), for a local fake in tests. */
  apiUrl?: string;
}

export function discordSettings(env: NodeJS.ProcessEnv): DiscordSettings | undefined {
  if (!env.DISCORD_TOKEN) return undefined;
  return { token: env.DISCORD_TOKEN, applicationId: env.DISCORD_APPLICATION_ID, guildId: env.DISCORD_GUILD_ID, apiUrl: env.DISCORD_API_URL };
}

