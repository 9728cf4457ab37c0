// Every /ftp command: its help line, its options (Discord's subcommand options follow them), how
// its words parse, what it needs and what it does. Adding a verb is one entry here (and, if it
// shows something new, a message kind and its renderers).
import { explainText, nothingRecognised } from '../knowledge/explain/explain-text.js';
import { targetsNamedIn } from '../knowledge/explain/targets-in-text.js';
import { parseTargetUrl } from '../probes/target-url.js';
import { PERIOD_WORDS, parseReportPeriod } from '../history/report-period.js';
import { MAX_MUTE_MINUTES } from './incoming.js';
import { explanationMessage, type HelpCommand, helpMessage, notice } from './messages.js';
import { replies } from './replies.js';
import { type Rich, rich, richLines } from './rich.js';
import { openRunbook, startCheck } from './verb-actions.js';
import { deliveryBoardText } from './delivery-board-text.js';
import { type AnyCommandVerb, type CommandVerb, isProblem, actsOnTarget } from './verb.js';

const NAME = /^[a-z0-9][a-z0-9._-]*$/i;
/** Slack may wrap a URL as <sftp://host> or <sftp://host|label>. */
const URL_WORD = /^<?((?:s?ftps?|ftpes):\/\/[^\s|<>]+)(?:\|[^>]*)?>?$/i;
const MAX_TEXT = 500;
/** What /ftp explain takes whole: a client's error, or a few dozen lines of its log. */
export const MAX_PASTED_TEXT = 4_000;

const check: CommandVerb<{ subject: string; adhoc: boolean }> = {
  name: 'check',
  usage: '/ftp check <target|url>',
  description: 'run a check now and report every stage',
  options: [{ name: 'target', description: 'target name (or, for admins, a URL)', required: true, complete: 'target' }],
  parse(words) {
    if (words.length !== 1) return { problem: rich`say which target to check: \`/ftp check <target>\`` };
    const url = URL_WORD.exec(words[0]!)?.[1];
    if (url) return { subject: url, adhoc: true };
    if (!NAME.test(words[0]!)) return { problem: rich`'${echo(words[0]!, 60)}' is not a target name` };
    return { subject: words[0]!, adhoc: false };
  },
  need: (a) => (a.adhoc ? 'admin' : 'operator'),
  counted: true,
  subject: (a) => a.subject,
  refuse: (a, act) => act.services.scope.refuseSubject(a.subject, act.scope),
  run: (a, act) => startCheck(a.subject, act),
};

const explain: CommandVerb<{ query: string }> = {
  name: 'explain',
  usage: '/ftp explain <code, error or log lines>',
  description: 'the likeliest cause of a code or of any client\'s error text, then the alternatives',
  options: [{ name: 'text', description: 'a code (530, ECONNRESET, auth.failed), an error message or log lines', required: true }],
  // The whole text after the verb, line ends and all: a pasted log is not a list of words.
  parse: (_words, rest) => (rest ? { query: rest.slice(0, MAX_PASTED_TEXT) } : { problem: rich`say what to explain: \`/ftp explain 530\`, or paste the error or the client's log lines after \`/ftp explain\`` }),
  need: () => 'viewer',
  counted: true,
  async run(a, act) {
    const { knowledge, scope, config } = act.services;
    const e = explainText(a.query, knowledge);
    // Offered only for targets this channel may see, and named in the text by their host.
    const hosts = scope.targetNames(act.scope).map((name) => ({ name, host: hostOf(config().targets.get(name)?.url) }));
    const message = explanationMessage(e, (code) => knowledge.definition(code), targetsNamedIn(e.input, hosts));
    await act.reply.private(message ?? notice([nothingRecognised(a.query, '')]));
  },
};

function hostOf(url: string | undefined): string {
  try {
    return url ? parseTargetUrl(url).host : '';
  } catch {
    return '';
  }
}

/** A viewer's command about one target, or every target this channel may use: `/ftp <name> [target]`. */
function oneOrAllTargets(name: string, description: string, run: CommandVerb<{ target?: string }>['run']): CommandVerb<{ target?: string }> {
  return {
    name,
    usage: `/ftp ${name} [target]`,
    description,
    options: [{ name: 'target', description: 'one target, or all', required: false, complete: 'target' }],
    parse(words) {
      if (words.length > 1 || (words[0] !== undefined && !NAME.test(words[0]))) return { problem: rich`say which target, or none for all: \`/ftp ${name} [target]\`` };
      return words[0] ? { target: words[0] } : {};
    },
    need: () => 'viewer',
    counted: true,
    subject: (a) => a.target,
    refuse: (a, act) => (a.target ? act.services.scope.refuseTarget(a.target, act.scope) : undefined),
    run,
  };
}

/** A command without arguments that only reads: for viewers. */
function readingCommand(name: string, usage: string, description: string, run: CommandVerb<Record<string, never>>['run']): CommandVerb<Record<string, never>> {
  return { name, usage, description, options: [], parse: () => ({}), need: () => 'viewer', counted: true, run };
}

const targets = readingCommand('targets', '/ftp targets', 'list the targets this channel may use', async (_a, act) => {
  const { scope, config } = act.services;
  const rows = scope.targetNames(act.scope).map((name) => {
    const description = config().targets.get(name)?.description;
    return rich`• ${{ code: name }} ${scope.urlOf(name)}${description ? [' — ', description] : []}`;
  });
  await act.reply.private(notice(rows.length ? richLines(rows) : replies.noTargetsHere()));
});

const status = oneOrAllTargets('status', 'health, open incidents, availability and timings over 24 h, with a chart', async (a, act) => {
  const { status: answers, scope } = act.services;
  let answer;
  try {
    answer = a.target ? await answers.forTarget(a.target) : await answers.forTargets(scope.targetNames(act.scope));
  } catch (err) {
    await act.reply.private(notice(replies.cannotShowStatus((err as Error).message)));
    return;
  }
  await act.reply.post(answer);
});

const report: CommandVerb<{ target: string; period: string }> = {
  name: 'report',
  usage: '/ftp report <target> [7d|30d|90d|YYYY-MM]',
  description: 'availability, downtime, incidents, MTTR, top findings and p95 per stage over a period, with a chart',
  options: [
    { name: 'target', description: 'target name', required: true, complete: 'target' },
    { name: 'period', description: `${PERIOD_WORDS}; 30d when left out`, required: false },
  ],
  parse(words) {
    if (words.length < 1 || words.length > 2 || !NAME.test(words[0]!) || !parseReportPeriod(words[1], Date.now())) {
      return { problem: rich`say which target and period: \`/ftp report <target> [${PERIOD_WORDS}]\`` };
    }
    return { target: words[0]!, period: words[1] ?? '30d' };
  },
  need: () => 'viewer',
  counted: true,
  subject: (a) => a.target,
  refuse: (a, act) => act.services.scope.refuseTarget(a.target, act.scope),
  async run(a, act) {
    const period = parseReportPeriod(a.period, Date.now());
    const reports = act.services.reports;
    if (!period || !reports) {
      await act.reply.private(notice(rich`reports are not available here`));
      return;
    }
    let answer;
    try {
      answer = await reports.forTarget(a.target, period);
    } catch (err) {
      await act.reply.private(notice(rich`cannot make the report: ${(err as Error).message.split('\n')[0]!}`));
      return;
    }
    await act.reply.post(answer);
  },
};

const mute: CommandVerb<{ target: string; minutes: number }> = {
  name: 'mute',
  usage: '/ftp mute <target> <30m|2h>',
  description: 'no new alert threads for a target for a while',
  options: [
    { name: 'target', description: 'target name', required: true, complete: 'target' },
    { name: 'for', description: 'how long: 30m, 2h (up to 7 days)', required: true },
  ],
  parse(words) {
    const minutes = muteMinutes(words[1]);
    if (words.length !== 2 || !NAME.test(words[0]!) || minutes === undefined) {
      return { problem: rich`say what to mute and for how long: \`/ftp mute <target> 1h\` (minutes or hours, up to 7 days)` };
    }
    return { target: words[0]!, minutes };
  },
  counted: true,
  ...actsOnTarget(),
  async run(a, act) {
    await act.services.alerts.mute(a.target, a.minutes, act.incoming.user);
    await act.reply.post(notice(replies.muted(a.target, a.minutes, act.incoming.user)));
  },
};

const runbook: CommandVerb<{ query: string; target: string }> = {
  name: 'runbook',
  usage: '/ftp runbook <runbook|finding-code> <target>',
  description: 'step through a runbook in a thread; the bot runs its checks',
  options: [
    { name: 'runbook', description: 'runbook, finding code or alert class', required: true, complete: 'runbook' },
    { name: 'target', description: 'target name', required: true, complete: 'target' },
  ],
  parse(words) {
    if (words.length !== 2 || !NAME.test(words[0]!) || !NAME.test(words[1]!)) {
      return { problem: rich`say which runbook (or finding code) and which target: \`/ftp runbook too-many-connections prod-ftp\` or \`/ftp runbook auth.failed prod-ftp\`` };
    }
    return { query: words[0]!, target: words[1]! };
  },
  counted: true,
  ...actsOnTarget(),
  // Typed in a thread, it runs in that thread; otherwise in the incident's, or a new one.
  run: (a, act) => openRunbook(a.query, a.target, act, act.incoming.where.thread),
};

const identity: CommandVerb<{ target: string }> = {
  name: 'identity',
  usage: '/ftp identity <target>',
  description: 'the host key or certificate pinned or remembered for a target, and who accepted which change',
  options: [{ name: 'target', description: 'target name', required: true, complete: 'target' }],
  parse(words) {
    if (words.length !== 1 || !NAME.test(words[0]!)) return { problem: rich`say which target: \`/ftp identity <target>\`` };
    return { target: words[0]! };
  },
  need: () => 'viewer',
  counted: true,
  subject: (a) => a.target,
  refuse: (a, act) => act.services.scope.refuseTarget(a.target, act.scope),
  run: async (a, act) => act.reply.private(notice(await act.services.identity.describe(a.target))),
};

const deliveries = oneOrAllTargets('deliveries', "today's expected deliveries: arrived (when, size), late, missing and why", async (a, act) => {
  const { deliveries: board, scope, config } = act.services;
  let boards;
  try {
    boards = await board.rows(config(), a.target ? [a.target] : scope.targetNames(act.scope));
  } catch (err) {
    await act.reply.private(notice(replies.failed(`cannot show the deliveries: ${(err as Error).message}`)));
    return;
  }
  await act.reply.post(notice(deliveryBoardText(boards)));
});

const help = readingCommand('help', '/ftp help', 'show this list', (_a, act) => act.reply.private(helpMessage(HELP_LINES)));

/** Every command, in the order help lists them. */
export const COMMANDS: readonly AnyCommandVerb[] = [check, explain, targets, status, report, deliveries, mute, runbook, identity, help];

export const HELP_LINES: readonly HelpCommand[] = COMMANDS.map((c) => ({ usage: c.usage, description: c.description }));

export type ParsedCommand = { verb: AnyCommandVerb; args: unknown } | { problem: Rich };

/** "/ftp …" text (without "/ftp") → a verb and its arguments, or a problem to answer with help. */
export function parseCommand(text: string): ParsedCommand {
  const [word, ...rest] = text.slice(0, MAX_TEXT).trim().split(/\s+/).filter(Boolean);
  const verb = COMMANDS.find((c) => c.name === (word ?? 'help').toLowerCase());
  if (!verb) return { problem: rich`unknown command '${echo(word ?? '', 40)}'` };
  const args = verb.parse(rest, remainder(text));
  return isProblem(args) ? { problem: args.problem } : { verb, args };
}

/** The answer to a command that did not parse: the problem, then the commands. */
export function helpWithProblem(problem: Rich): Rich {
  return richLines([[...problem, '.'], [], ...HELP_LINES.map((c) => rich`${{ code: c.usage }} — ${c.description}`)]);
}

/**
 * A word of the person's text, quoted back in a one-line problem. Words are split on \s, which
 * does not include NEL (U+0085) or other controls: found by fuzzing (test/fuzz.test.ts), a NEL
 * made the problem two lines. Controls become '?'.
 */
function echo(word: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return word.slice(0, max).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
}

/** Everything after the verb, as typed (line ends kept), trimmed: for verbs that take pasted text. */
function remainder(text: string): string {
  const head = text.slice(0, MAX_TEXT + MAX_PASTED_TEXT).trimStart();
  // Trimmed again after the cut: a cut may end in whitespace (found by test/fuzz.test.ts).
  return head.slice(/^\S*/.exec(head)![0].length).trim().slice(0, MAX_PASTED_TEXT).trimEnd();
}

/** "30m", "90min", "2h" → minutes; undefined when it is not a sane duration. */
function muteMinutes(text: string | undefined): number | undefined {
  const m = /^(\d{1,5})\s*(m|min|h)$/i.exec(text ?? '');
  if (!m) return undefined;
  const minutes = Number(m[1]) * (m[2]!.toLowerCase() === 'h' ? 60 : 1);
  return minutes >= 1 && minutes <= MAX_MUTE_MINUTES ? minutes : undefined;
}
