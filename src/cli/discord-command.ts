// ftpops discord register: puts /ftp into Discord, from DISCORD_TOKEN, DISCORD_APPLICATION_ID and
// DISCORD_GUILD_ID (or --global).
import { ConfigError } from '../config/config-error.js';
import { registerFtpCommand } from '../chat/discord/register-commands.js';
import type { CliIo } from './cli-io.js';

export async function discordRegisterCommand(flags: { global?: boolean; guild?: string }, io: CliIo): Promise<number> {
  const token = io.env.DISCORD_TOKEN;
  const applicationId = io.env.DISCORD_APPLICATION_ID;
  const guildId = flags.global ? undefined : (flags.guild ?? io.env.DISCORD_GUILD_ID);
  if (!token) throw new ConfigError('set DISCORD_TOKEN (Developer Portal → your app → Bot → Reset Token)');
  if (!applicationId || !/^\d{5,25}$/.test(applicationId)) throw new ConfigError('set DISCORD_APPLICATION_ID to the application id (Developer Portal → General Information)');
  if (!flags.global && !guildId) throw new ConfigError('set DISCORD_GUILD_ID (or pass --guild <id>), or register for every guild with --global');
  if (guildId && !/^\d{5,25}$/.test(guildId)) throw new ConfigError(`'${guildId.slice(0, 30)}' is not a Discord guild id`);
  const where = await registerFtpCommand({ token, applicationId, ...(guildId ? { guildId } : {}), ...(io.env.DISCORD_API_URL ? { apiUrl: io.env.DISCORD_API_URL } : {}) });
  io.out(`/ftp registered for ${where}`);
  return 0;
}
