// The ftpops command line. Exit codes: 0 healthy, 1 a failure was found, 2 bad usage or config.
//
// Each subcommand loads what it needs when it runs, and nothing before: `ftpops check` from cron
// or a CI job must not pay for the chat libraries, the queue, Chart.js or the demo servers
// (loading the whole bot took 1.5 s and 150 MiB before a check could start).
import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../config/config-error.js';
import { type CliIo, processIo } from './cli-io.js';

export const EXIT = { healthy: 0, failure: 1, usage: 2 } as const;

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('ftpops')
    .description('Diagnose FTP, FTPS and SFTP services layer by layer')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showSuggestionAfterError(true);

  program
    .command('check')
    .description('check a URL (ftp://, ftpes://, ftps://, sftp://) or a target from the targets file')
    .argument('<url|target>')
    .option('--json', 'print the report as one JSON object')
    .option('--timeout <duration>', 'overall deadline, e.g. 10s (default 30s)')
    .option('--write', 'also upload, download, compare and delete a small canary file')
    .option('--path <dir>', 'directory to list (and write the canary into)')
    .option('--host-key <SHA256:...>', 'pinned SSH host key fingerprint')
    .option('--known-hosts <file>', 'verify the SSH host key against an OpenSSH known_hosts file')
    .option('--ca <file>', 'PEM CA certificate(s) to trust for FTPS')
    .option('--insecure', 'do not verify the FTPS certificate')
    .option('--identity <file>', 'SSH private key file')
    .option('--password-stdin', 'read the password from standard input')
    .addOption(new Option('--password-env <name>', 'read the password from this environment variable'))
    .action(async (subject: string, flags) => setExit(await (await import('./check-command.js')).checkCommand(subject, flags, io)));

  program
    .command('explain')
    .description('explain a finding code, a reply code, an errno, a client\'s error message or log excerpt ("-": read it from stdin)')
    .argument('[text...]')
    .option('--json', 'print the answer as one JSON object')
    .action(async (words: string[], flags) => setExit(await (await import('./explain-command.js')).explainCommand(words, flags, io)));

  program
    .command('identity')
    .description('what host key or certificate is pinned or remembered for a target, and its history; `identity export` writes known_hosts lines')
    .argument('<target|export>')
    .option('--json', 'print as JSON')
    .action(async (subject: string, flags) => setExit(await (await import('./identity-command.js')).identityCommand(subject, flags, io)));

  program
    .command('targets')
    .description('list the targets in the targets file (ftpops.yaml or $FTPOPS_CONFIG)')
    .option('--json', 'print as JSON')
    .action(async (flags) => setExit((await import('./targets-command.js')).targetsCommand(flags, io)));

  program
    .command('report')
    .description('availability, downtime, incidents, MTTR, top findings and p95 per stage of a target over a period (from Redis)')
    .argument('<target>')
    .option('--period <period>', '7d, 30d, 90d or a month (YYYY-MM)', '30d')
    .option('--json', 'print the report as one JSON object')
    .option('--csv', 'print the report as CSV (metric,value,detail)')
    .action(async (target: string, flags) => setExit(await (await import('./report-command.js')).reportCommand(target, flags, io)));

  program
    .command('deliveries')
    .description("today's expected deliveries of the targets file, judged now from a listing of each folder")
    .argument('[target]')
    .option('--json', 'print the rows as JSON')
    .action(async (target: string | undefined, flags) => setExit(await (await import('./deliveries-command.js')).deliveriesCommand(target, flags, io)));

  program
    .command('runbooks')
    .description('list and validate the runbooks (built-ins plus the folder in $FTPOPS_RUNBOOKS)')
    .option('--json', 'print as JSON')
    .action(async (flags) => setExit((await import('./runbooks-command.js')).runbooksCommand(flags, io)));

  program
    .command('discord')
    .description('Discord set-up')
    .command('register')
    .description('register the /ftp command (DISCORD_TOKEN, DISCORD_APPLICATION_ID, DISCORD_GUILD_ID)')
    .option('--guild <id>', 'the guild (server) to register in; default $DISCORD_GUILD_ID')
    .option('--global', 'register for every guild the app is in (slow to appear)')
    .action(async (flags) => setExit(await (await import('./discord-command.js')).discordRegisterCommand(flags, io)));

  for (const [role, describe] of [
    ['bot', 'run the chat front ends (Slack, Discord) that queue checks'],
    ['worker', 'run checks from the queue'],
  ] as const) {
    program
      .command(role)
      .description(describe)
      .action(async () => setExit(await (await import('./role-command.js')).runRole(role, io)));
  }
  for (const [role, describe] of [
    ['all', 'bot and worker in one process; with no chat tokens: the local web console with demo servers'],
    ['demo', 'the local web console with in-process demo FTP, FTPS and SFTP servers (loopback only)'],
  ] as const) {
    program
      .command(role)
      .description(describe)
      .option('--host <address>', 'where the web console listens (default 127.0.0.1: this machine only)')
      .option('--port <port>', 'the web console port (default $PORT or 3000)')
      .action(async (flags) => setExit(await (await import('./role-command.js')).runRole(role, io, flags)));
  }

  return program;
}

/** Run the CLI; never throws, always returns an exit code. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  let exit: number = EXIT.healthy;
  const program = buildProgram(io, (code) => {
    exit = code;
  });
  if (argv.length === 0) {
    // No command is bad usage: show what there is, exit 2.
    io.err(program.helpInformation().trimEnd());
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; commander has already printed its one-line message.
      return err.exitCode === 0 ? EXIT.healthy : EXIT.usage;
    }
    if (err instanceof ConfigError) {
      io.err(`ftpops: ${err.message}`);
      return EXIT.usage;
    }
    io.err(`ftpops: internal error: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.failure;
  }
}
