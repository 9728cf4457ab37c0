// Registers /ftp with Discord: in one guild (instant; for trying it out) or globally (all guilds
// the app is in; Discord may take a while to show it). A bulk overwrite, so running it again is safe.
import { REST, Routes } from 'discord.js';
import { ConfigError } from '../../config/config-error.js';
import { ftpCommandDefinition } from './command-definition.js';

export interface RegisterOptions {
  token: string;
  applicationId: string;
  /** Omit for a global command. */
  guildId?: string;
  apiUrl?: string;
}

export async function registerFtpCommand(options: RegisterOptions): Promise<string> {
  const rest = new REST({ version: '10', ...(options.apiUrl ? { api: options.apiUrl } : {}), retries: 2, timeout: 15_000 }).setToken(options.token);
  const route = options.guildId ? Routes.applicationGuildCommands(options.applicationId, options.guildId) : Routes.applicationCommands(options.applicationId);
  try {
    await rest.put(route, { body: [ftpCommandDefinition()] });
  } catch (err) {
    const e = err as { status?: number; message?: string };
    if (e.status === 401) throw new ConfigError('Discord refused DISCORD_TOKEN (401): use the bot token from the Developer Portal → Bot → Reset Token');
    if (e.status === 403 || e.status === 404) throw new ConfigError(`Discord refused the registration (${e.status}): is DISCORD_APPLICATION_ID right, and is the app in guild ${options.guildId ?? '(global)'} with the applications.commands scope?`);
    throw new ConfigError(`cannot register /ftp with Discord: ${(e.message ?? String(err)).split('\n')[0]}`);
  }
  return options.guildId ? `guild ${options.guildId}` : 'all guilds (global; may take up to an hour to appear)';
}
