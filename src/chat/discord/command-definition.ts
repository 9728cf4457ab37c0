// The /ftp slash command as Discord sees it: one command, a subcommand per verb of the router's
// table (src/bot/commands.ts) with that verb's options, so a new verb appears here by itself.
// Registered by `ftpops discord register`.
import { SlashCommandBuilder } from 'discord.js';
import { COMMANDS } from '../../bot/router.js';

export function ftpCommandDefinition(): ReturnType<SlashCommandBuilder['toJSON']> {
  const command = new SlashCommandBuilder().setName('ftp').setDescription('Check FTP, FTPS and SFTP services');
  for (const verb of COMMANDS) {
    command.addSubcommand((sub) => {
      sub.setName(verb.name).setDescription(verb.description.slice(0, 100));
      for (const option of verb.options) {
        sub.addStringOption((o) => o.setName(option.name).setDescription(option.description.slice(0, 100)).setRequired(option.required).setAutocomplete(Boolean(option.complete)));
      }
      return sub;
    });
  }
  return command.toJSON();
}
