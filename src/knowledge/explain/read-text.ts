// Pasted text → lines, each without its log prefix, with what kind of line it is, how much it
// counts and the step (stage) the session was at. In a client's log the decisive part is the
// last error (or 4xx/5xx reply) and what led to it: the lines from the command before it count
// fully, the rest of that connection attempt half, earlier attempts little.
import type { StageName } from '../../probes/probe.js';
import type { ExplainCatalog } from './catalog.js';

export type LineKind = 'command' | 'reply' | 'error' | 'status' | 'text';

export interface TextLine {
  /** The line as pasted (normalised). */
  raw: string;
  /** Without time stamps and log labels: what the patterns read. */
  body: string;
  kind: LineKind;
  /** How much this line counts: 1 for the decisive part of a log. */
  weight: number;
  /** The step the session was at on this line, when the lines up to it tell. */
  stage?: StageName;
}

/** The end of a long paste is kept: that is where a log's failure is. */
export const MAX_INPUT = 16_000;
const MAX_LINES = 400;

/**
 * Text as chat delivers it, made plain: Slack's &lt; &gt; &amp; and <url|label> links undone,
 * line ends unified, control characters (but tab and newline) made spaces.
 */
export function normalise(input: string): string {
  const text = input.length > MAX_INPUT ? input.slice(-MAX_INPUT) : input;
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/<((?:https?|s?ftps?|ftpes|mailto):[^|<>\s]*)\|([^<>]*)>/gi, '$2')
    .replace(/<((?:https?|s?ftps?|ftpes):[^|<>\s]*)>/gi, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    // Controls (but tab and newline), C1, line separators and bidi overrides: never passed on.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffd]/g, ' ')
    .trim();
}

// FileZilla's message log labels, English and zh-CN, with an optional log-file time stamp
// ("2024-05-02 10:11:12 4312 1 Status: …"); the GUI's copy puts a tab after the colon.
const FZ_LABELS = 'Status|Command|Response|Error|Trace|Listing|状态|命令|响应|错误|跟踪|列表';
const FILEZILLA = new RegExp(`^(?:\\d{4}-\\d\\d-\\d\\d[ T]\\d\\d:\\d\\d:\\d\\d(?:[.,]\\d+)?\\s+(?:\\d+\\s+\\d+\\s+)?)?(${FZ_LABELS})[:：]\\s*(.*)$`, 'u');
const FZ_KIND: Record<string, LineKind> = { Command: 'command', 命令: 'command', Response: 'reply', 响应: 'reply', Error: 'error', 错误: 'error' };
// A FileZilla log pasted into a one-line field loses its line ends: "…server.Status: Connecting…".
const FZ_SQUASHED = new RegExp(`(?<=\\S)\\s*(?=(?:${FZ_LABELS})[:：]\\s)`, 'gu');
// WinSCP's session log: ". 2024-05-02 10:11:12.345 Connecting to …", "< …" reply, "> …" command, "* …" error.
const WINSCP = /^([.<>!*]) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (.*)$/u;
const WINSCP_KIND: Record<string, LineKind> = { '.': 'status', '!': 'status', '<': 'reply', '>': 'command', '*': 'error' };
const WINSCP_SQUASHED = /(?<=\S)\s*(?=[.<>!*] \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} )/gu;
// lftp's debug output: "---> USER deploy", "<--- 530 Login incorrect.", "---- Connecting to …".
const LFTP = /^(--->|<---|----|\*\*\*\*) (.*)$/u;
const LFTP_KIND: Record<string, LineKind> = { '--->': 'command', '<---': 'reply', '----': 'status', '****': 'error' };
// curl -v: "> USER deploy", "< 530 Login incorrect.", "* Connected to …". A Slack quote "> text"
// is not a command: only an FTP verb or a reply code makes it curl's.
const CURL = /^([<>*]) (.*)$/u;
// FileZilla Server 0.9: "(000012)2/3/2024 10:00:00 AM - deploy (203.0.113.9)> 530 Login or password incorrect!"
const FZS = /^\(\d{6}\)\s*\S+ \S+(?: [AP]M)? - .*?> (.*)$/u;
// syslog: "May  2 10:11:12 host sshd[811]: Failed password for …"; an ISO time stamp in front.
const SYSLOG = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ [^\s:]+?(?:\[\d+\])?: (.*)$/u;
const ISO_STAMP = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\s+(.*)$/u;
const REPLY = /^[1-5]\d\d(?:[ -]|$)/u;

/** One line: its body without prefixes and what kind of line it is. */
export function readLine(raw: string): Pick<TextLine, 'body' | 'kind'> {
  const line = raw.trim();
  let m = FILEZILLA.exec(line);
  if (m) return { body: m[2]!.trim(), kind: FZ_KIND[m[1]!] ?? 'status' };
  m = WINSCP.exec(line);
  // An error line names WinSCP's exception class first: "* … (ESshFatal) Authentication failed."
  if (m) return { body: m[2]!.replace(/^\(E[A-Za-z]+\)\s*/u, '').trim(), kind: WINSCP_KIND[m[1]!]! };
  m = LFTP.exec(line);
  if (m) return { body: m[2]!.trim(), kind: LFTP_KIND[m[1]!]! };
  m = FZS.exec(line);
  if (m) return { body: m[1]!.trim(), kind: REPLY.test(m[1]!) ? 'reply' : 'command' };
  m = CURL.exec(line);
  if (m) {
    const body = m[2]!.trim();
    if (m[1] === '<' && REPLY.test(body)) return { body, kind: 'reply' };
    if (m[1] === '>' && /^[A-Z]{3,4}(?: |$)/u.test(body)) return { body, kind: 'command' };
    if (m[1] === '*') return { body, kind: 'status' };
    return readLine(body); // a quote: read what is quoted
  }
  m = SYSLOG.exec(line) ?? ISO_STAMP.exec(line);
  if (m) return readLine(m[1]!);
  return { body: line, kind: REPLY.test(line) ? 'reply' : 'text' };
}

/** The text as lines, weighed, each with the stage the lines up to it show. */
export function readText(text: string, catalog: ExplainCatalog): TextLine[] {
  const raws = text
    .split('\n')
    .flatMap(unsquash)
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-MAX_LINES);
  const lines: TextLine[] = raws.map((raw) => ({ raw, ...readLine(raw), weight: 1 }));
  markStages(lines, catalog);
  weigh(lines, catalog);
  return lines;
}

/** A log that lost its line ends (pasted into a one-line field) gets them back at its labels. */
function unsquash(line: string): string[] {
  for (const [split, start] of [[FZ_SQUASHED, FILEZILLA], [WINSCP_SQUASHED, WINSCP]] as const) {
    if ((line.match(split) ?? []).length >= 2 && start.test(line.trim())) return line.split(split);
  }
  return [line];
}

/** A failure in a log: an error line, or a 4xx/5xx reply. */
export function failing(line: Pick<TextLine, 'kind' | 'body'>): boolean {
  return line.kind === 'error' || (line.kind === 'reply' && /^[45]\d\d/.test(line.body));
}

function markStages(lines: TextLine[], catalog: ExplainCatalog): void {
  let stage: StageName | undefined;
  for (const line of lines) {
    if (catalog.episodeStart.test(line.body)) stage = undefined;
    // Commands and statuses show the step; a reply or an error only reports on it.
    if (line.kind !== 'reply' && line.kind !== 'error') stage = catalog.stages.find((s) => s.regex.test(line.body))?.stage ?? stage;
    if (stage) line.stage = stage;
  }
}

/** Weights for a log (a text with log labels); any other text counts line by line alike. */
function weigh(lines: TextLine[], catalog: ExplainCatalog): void {
  const labelled = lines.filter((l) => l.kind !== 'text').length;
  if (labelled < 2) return;
  let decisive = -1;
  lines.forEach((l, i) => {
    if (failing(l)) decisive = i;
  });
  if (decisive < 0) return;
  let episode = 0;
  let cause = -1;
  for (let i = decisive; i >= 0; i--) {
    if (cause < 0 && i < decisive && lines[i]!.kind === 'command') cause = i;
    if (catalog.episodeStart.test(lines[i]!.body)) {
      episode = i;
      break;
    }
  }
  const from = Math.max(cause, episode);
  lines.forEach((l, i) => {
    l.weight = i >= from ? 1 : i >= episode ? 0.5 : 0.2;
  });
}
