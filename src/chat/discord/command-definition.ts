// The /ftp slash command as Discord sees it: one command, a subcommand per verb, the same verbs
// as Slack's text commands (src/chat/commands.ts). Registered by `ftpops discord register`.
import { SlashCommandBuilder } from 'discord.js';
import type { ChatCommand } from '../../bot/commands.js';
import { parseCommand } from '../../bot/commands.js';

export function ftpCommandDefinition(): ReturnType<SlashCommandBuilder['toJSON']> {
  return new SlashCommandBuilder()
    .setName('ftp')
    .setDescription('Check FTP, FTPS and SFTP services')
    .addSubcommand((s) => s.setName('check').setDescription('run a check now and report every stage').addStringOption((o) => o.setName('target').setDescription('target name').setRequired(true).setAutocomplete(true)))
    .addSubcommand((s) => s.setName('status').setDescription('health, open incidents and 24 h timings').addStringOption((o) => o.setName('target').setDescription('one target, or all').setAutocomplete(true)))
    .addSubcommand((s) =>
      s
        .setName('runbook')
        .setDescription('step through a runbook in a thread; the bot runs its checks')
        .addStringOption((o) => o.setName('runbook').setDescription('runbook, finding code or alert class').setRequired(true).setAutocomplete(true))
        .addStringOption((o) => o.setName('target').setDescription('target name').setRequired(true).setAutocomplete(true)),
    )
    .addSubcommand((s) => s.setName('explain').setDescription('causes, next steps and runbook for a finding').addStringOption((o) => o.setName('code').setDescription('finding code, FTP reply code, errno…').setRequired(true)))
    .addSubcommand((s) =>
      s
        .setName('mute')
        .setDescription('no new alert threads for a target for a while')
        .addStringOption((o) => o.setName('target').setDescription('target name').setRequired(true).setAutocomplete(true))
        .addStringOption((o) => o.setName('for').setDescription('how long: 30m, 2h').setRequired(true)),
    )
    .addSubcommand((s) => s.setName('targets').setDescription('list the targets this channel may use'))
    .addSubcommand((s) => s.setName('help').setDescription('what ftpops can do'))
    .toJSON();
}

/**
 * Discord's options → the same ChatCommand Slack's text parses to, through the same parser, so
 * validation and its one-line answers are shared.
 */
export function commandFromOptions(subcommand: string, options: Record<string, string | undefined>): ChatCommand {
  const words = [subcommand, ...['runbook', 'target', 'code', 'for'].map((name) => options[name]).filter((v): v is string => v !== undefined)];
  return parseCommand(words.join(' '));
}
