// ChatMessage → Slack Block Kit. Plain objects only: the Bolt adapter posts them unchanged, so this
// file needs no @slack/* import and stays a pure function that tests can read.
//
// Limits from Slack's Block Kit reference (https://api.slack.com/reference/block-kit/blocks,
// .../block-elements#button): 50 blocks per message, section text 3000 chars, header text 150,
// button text 75, action_id 255 (unique within a message), button value 2000. When the message
// would exceed them we clip with "…" and post everything in full as a thread reply (threadDetail).
//
// Escaping (https://api.slack.com/reference/surfaces/formatting#escaping): only &, < and > are
// control characters in mrkdwn; every piece of text is escaped, since knowledge-base text holds
// `<user>` placeholders and server replies can hold anything. plain_text (header, buttons) is not
// parsed for links or mentions, so it is left as is.
import { renderRunbookStart, renderRunbookStep, renderRunbookTimeline } from './render-runbook.js';
import type { AlertMessage, ChatAction, ChatMessage, Fact, FindingView, HelpMessage, ProgressMessage, StageLine, SummaryMessage } from '../../bot/messages.js';

export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  buttonText: 75,
  actionId: 255,
  buttonValue: 2000,
  /** Not a hard Slack limit for `text`, but a notification longer than this helps nobody. */
  fallbackText: 3000,
} as const;

export const ACTION_IDS = { recheck: 'ftpops.recheck', runbook: 'ftpops.runbook', acknowledge: 'ftpops.ack', mute: 'ftpops.mute', runbookStep: 'ftpops.rb' } as const;

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}
export interface HeaderBlock {
  type: 'header';
  text: PlainText;
}
export interface SectionBlock {
  type: 'section';
  text: MrkdwnText;
}
export interface ContextBlock {
  type: 'context';
  elements: MrkdwnText[];
}
export interface ButtonElement {
  type: 'button';
  text: PlainText;
  action_id: string;
  value: string;
  style?: 'primary';
}
export interface ActionsBlock {
  type: 'actions';
  elements: ButtonElement[];
}
export type SlackBlock = HeaderBlock | SectionBlock | ContextBlock | ActionsBlock;

export interface SlackRendering {
  /** Notification and screen-reader fallback (mrkdwn). */
  text: string;
  blocks: SlackBlock[];
  /** Full detail to post as thread replies when the message had to be clipped; each ≤ 3000 chars. */
  threadDetail?: string[];
}

export function renderBlocks(message: ChatMessage): SlackRendering {
  switch (message.kind) {
    case 'progress':
      return renderProgress(message);
    case 'summary':
      return renderSummary(message);
    case 'error': {
      const text = `⚠️ ${escapeMrkdwn(message.text)}`;
      const shown = clip(text, SLACK_LIMITS.sectionText);
      return finish(shown, [section(shown)], shown === text ? undefined : text);
    }
    case 'help':
      return renderHelp(message);
    case 'alert':
      return renderAlert(message);
    case 'alert-update': {
      const text = escapeMrkdwn(message.text);
      const shown = clip(text, SLACK_LIMITS.sectionText);
      return finish(shown, [section(shown)], shown === text ? undefined : text);
    }
    case 'runbook-start':
      return renderRunbookStart(message);
    case 'runbook-step':
      return renderRunbookStep(message);
    case 'runbook-timeline':
      return renderRunbookTimeline(message);
  }
}

function renderAlert(m: AlertMessage): SlackRendering {
  const mark = m.status === 'resolved' ? '✅ RESOLVED' : m.severity === 'critical' ? '🔴 CRITICAL' : '🟠 WARNING';
  const title = `${mark} ${m.alertClass} — ${m.target}`;
  const since = m.status === 'resolved' && m.durationMs !== undefined ? ` · lasted ${formatDuration(m.durationMs)}` : '';
  const detail = clip(escapeMrkdwn(m.detail), SLACK_LIMITS.sectionText);
  const blocks: SlackBlock[] = [
    header(title),
    section(detail),
    context(`${m.origin === 'check' ? 'from scheduled checks' : 'from server logs'} · first seen ${escapeMrkdwn(m.firstSeenAt)}${since} · runbook \`${escapeMrkdwn(m.runbook)}\`${m.ackedBy ? ` · acknowledged by <@${escapeMrkdwn(m.ackedBy)}>` : ''}`),
  ];
  const actions = m.status === 'firing' ? actionsBlock(m.actions) : undefined;
  return finish(escapeMrkdwn(`${title}: ${m.detail}`), capBlocks(blocks, actions));
}

function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.max(1, Math.round(ms / 1000))} s`;
  return minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cut to at most `max` characters ending in "…", never inside an &entity; or a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, safeCut(text, max - 1)) + '…';
}

/**
 * Split mrkdwn into pieces of at most `max` characters, on line ends where possible. A ``` fence
 * open at a cut is closed and reopened in the next piece, so each piece renders on its own.
 */
export function chunkMrkdwn(text: string, max: number = SLACK_LIMITS.sectionText): string[] {
  const FENCE = '```';
  const chunks: string[] = [];
  let cur: string[] = [];
  let len = 0;
  let inFence = false;
  const flush = () => {
    // Don't end a piece on a bare opener: drop it, the next piece opens the fence anyway.
    const bareOpener = inFence && cur[cur.length - 1] === FENCE;
    if (bareOpener) cur.pop();
    if (cur.some((l) => l.trim() && l !== FENCE)) chunks.push([...cur, ...(inFence && !bareOpener ? [FENCE] : [])].join('\n'));
    cur = inFence ? [FENCE] : [];
    len = inFence ? FENCE.length : 0;
  };
  const push = (line: string, force = false) => {
    // Inside a fence keep room for the closing "\n```".
    const room = max - (inFence ? FENCE.length + 1 : 0);
    if (!force && len + (cur.length ? 1 : 0) + line.length > room) flush();
    len += (cur.length ? 1 : 0) + line.length;
    cur.push(line);
  };
  for (const line of text.split('\n')) {
    if (line === FENCE) {
      push(line, inFence); // a closing fence always fits in the room kept for it
      inFence = !inFence;
      continue;
    }
    for (const piece of splitLong(line, max - 16)) push(piece);
  }
  if (inFence) cur.push(FENCE);
  if (cur.some((l) => l.trim() && l !== FENCE)) chunks.push(cur.join('\n'));
  return chunks;
}

// ---------------------------------------------------------------------------- message kinds

function renderProgress(m: ProgressMessage): SlackRendering {
  const head = `⏳ ${escapeMrkdwn(m.headline)}`;
  const blocks: SlackBlock[] = [section(clip(head, SLACK_LIMITS.sectionText)), context(escapeMrkdwn(m.url))];
  if (m.stages.length) blocks.push(section(clip(timeline(m.stages, 200), SLACK_LIMITS.sectionText)));
  return finish(head, blocks);
}

function renderSummary(m: SummaryMessage): SlackRendering {
  const max = SLACK_LIMITS.sectionText;
  let clipped = false;
  const cut = (text: string, limit: number) => {
    const out = clip(text, limit);
    if (out !== text) clipped = true;
    return out;
  };
  const blocks: SlackBlock[] = [
    header(m.headline),
    context(cut(`${escapeMrkdwn(m.url)} · ${m.protocol} · ${formatMs(m.durationMs)} · ${escapeMrkdwn(m.startedAt)}`, max)),
  ];
  if (m.stages.length) {
    const full = timeline(m.stages);
    const short = timeline(m.stages, 200);
    if (short !== full) clipped = true;
    blocks.push(section(cut(short, max)));
  }
  const f = m.finding;
  if (f) {
    blocks.push(section(cut(findingHead(f), max)));
    if (f.reply !== undefined) {
      const heading = '*Server said*\n';
      const body = codeBody(f.reply);
      const shown = cut(body, max - heading.length - 6);
      blocks.push(section(`${heading}\`\`\`${shown}\`\`\``));
    }
    const causes = fitList('*Likely causes*', f.causes.map((c, i) => `${i + 1}. ${escapeMrkdwn(c)}`), max);
    const steps = fitList('*Next steps*', f.nextSteps.map((s) => `• ${escapeMrkdwn(s)}`), max);
    for (const list of [causes, steps]) {
      if (list.omitted || list.clipped) clipped = true;
      if (list.text) blocks.push(section(list.text));
    }
  }
  const warnings = fitList('*Warnings*', m.warnings.map(warningLine), max);
  const facts = fitList('*Facts*', m.facts.map(factLine), max);
  for (const list of [warnings, facts]) {
    if (list.omitted || list.clipped) clipped = true;
    if (list.text) blocks.push(section(list.text));
  }
  const actions = actionsBlock(m.actions);
  const capped = capBlocks(blocks, actions);
  if (capped.length < blocks.length + (actions ? 1 : 0)) clipped = true;
  const fallback = escapeMrkdwn(f ? `${m.headline} — ${f.title}` : m.headline);
  return finish(fallback, capped, clipped ? summaryDetail(m) : undefined);
}

function renderHelp(m: HelpMessage): SlackRendering {
  const list = fitList('', m.commands.map((c) => `\`${escapeMrkdwn(c.usage)}\` — ${escapeMrkdwn(c.description)}`), SLACK_LIMITS.sectionText);
  const full = m.commands.map((c) => `\`${escapeMrkdwn(c.usage)}\` — ${escapeMrkdwn(c.description)}`).join('\n');
  return finish('ftpops commands', [header('ftpops commands'), section(list.text || 'no commands')], list.omitted || list.clipped ? full : undefined);
}

// ---------------------------------------------------------------------------- pieces

export function finish(fallback: string, blocks: SlackBlock[], detail?: string): SlackRendering {
  const out: SlackRendering = { text: clip(fallback, SLACK_LIMITS.fallbackText), blocks };
  if (detail !== undefined) out.threadDetail = chunkMrkdwn(detail);
  return out;
}

export function header(text: string): HeaderBlock {
  return { type: 'header', text: { type: 'plain_text', text: clip(text, SLACK_LIMITS.headerText), emoji: true } };
}

export function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

export function context(text: string): ContextBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: clip(text, SLACK_LIMITS.sectionText) }] };
}

function timeline(stages: StageLine[], detailMax = Infinity): string {
  return stages
    .map((s) => {
      const ms = s.durationMs === undefined ? '' : ` ${formatMs(s.durationMs)}`;
      const detail = s.detail ? `  ${clip(escapeMrkdwn(s.detail), detailMax)}` : '';
      return `${s.mark} \`${s.name}\`${ms}${detail}`;
    })
    .join('\n');
}

function findingHead(f: FindingView): string {
  const mark = f.severity === 'failure' ? '✗' : '⚠';
  const where = `layer ${f.layer}, stage ${f.stage}${f.detail ? `: ${escapeMrkdwn(f.detail)}` : ''}`;
  return `*${mark} ${escapeMrkdwn(f.code)}* — ${escapeMrkdwn(f.title)}\n${where}\nrunbook \`${escapeMrkdwn(f.runbook)}\``;
}

/** Escaped text safe inside a ``` block: a ``` in server text would end the block early. */
export function codeBody(raw: string): string {
  return escapeMrkdwn(raw.replace(/```/g, '`\u200b`\u200b`'));
}

function warningLine(w: FindingView): string {
  return `⚠ \`${escapeMrkdwn(w.code)}\` — ${escapeMrkdwn(w.title)}${w.detail ? `: ${escapeMrkdwn(w.detail)}` : ''}`;
}

function factLine(f: Fact): string {
  return `*${escapeMrkdwn(f.label)}*  ${escapeMrkdwn(f.value)}`;
}

/** Heading plus as many whole items as fit in `max`, then "…and N more in the thread". */
function fitList(heading: string, items: string[], max: number): { text: string; omitted: number; clipped: boolean } {
  if (!items.length) return { text: '', omitted: 0, clipped: false };
  const TAIL_ROOM = 40;
  const sep = (t: string) => (t ? '\n' : '');
  let text = heading;
  let shown = 0;
  let clipped = false;
  for (const item of items) {
    if (text.length + 1 + item.length + TAIL_ROOM > max) break;
    text += sep(text) + item;
    shown += 1;
  }
  if (shown === 0) {
    text += sep(text) + clip(items[0] ?? '', max - text.length - 1 - TAIL_ROOM);
    shown = 1;
    clipped = true;
  }
  const omitted = items.length - shown;
  if (omitted) text += `\n…and ${omitted} more in the thread`;
  return { text, omitted, clipped };
}

export function actionsBlock(actions: ChatAction[]): ActionsBlock | undefined {
  const seen = new Set<string>();
  const elements: ButtonElement[] = [];
  for (const a of actions) {
    const b =
      a.kind === 'recheck'
        ? button('Re-check', ACTION_IDS.recheck, { target: a.target }, 'primary')
        : a.kind === 'open-runbook'
          ? button('Open runbook', ACTION_IDS.runbook, { runbook: a.runbook, code: a.code, target: a.target })
          : a.kind === 'acknowledge'
            ? button('Acknowledge', ACTION_IDS.acknowledge, { alert: a.alert })
            : a.kind === 'mute'
              ? button(`Mute ${a.minutes >= 60 ? `${a.minutes / 60} h` : `${a.minutes} min`}`, ACTION_IDS.mute, { target: a.target, minutes: a.minutes })
              : // One action id per runbook action (ids must be unique within a message).
                button(a.label, `${ACTION_IDS.runbookStep}.${a.action}`, { s: a.session, v: a.version }, a.primary ? 'primary' : undefined);
    // A value Slack would reject drops the button rather than the whole message; an id seen
    // twice would make Slack reject the message, so the first one wins.
    if (!b || seen.has(b.action_id)) continue;
    seen.add(b.action_id);
    elements.push(b);
  }
  return elements.length ? { type: 'actions', elements } : undefined;
}

function button(label: string, actionId: string, value: object, style?: 'primary'): ButtonElement | undefined {
  const json = JSON.stringify(value);
  if (json.length > SLACK_LIMITS.buttonValue || actionId.length > SLACK_LIMITS.actionId) return undefined;
  const b: ButtonElement = { type: 'button', text: { type: 'plain_text', text: clip(label, SLACK_LIMITS.buttonText) }, action_id: actionId, value: json };
  if (style) b.style = style;
  return b;
}

/** At most 50 blocks; the actions block is kept last whatever else has to go. */
export function capBlocks(blocks: SlackBlock[], actions: ActionsBlock | undefined): SlackBlock[] {
  const room = SLACK_LIMITS.blocks - (actions ? 1 : 0);
  return [...blocks.slice(0, room), ...(actions ? [actions] : [])];
}

/** Everything, unclipped, for the thread reply. */
function summaryDetail(m: SummaryMessage): string {
  const lines = [`*${escapeMrkdwn(m.target)}* — full detail (${escapeMrkdwn(m.url)})`, '', timeline(m.stages)];
  const f = m.finding;
  if (f) {
    lines.push('', findingHead(f));
    if (f.reply !== undefined) lines.push('', '*Server said*', '```', ...codeBody(f.reply).split('\n'), '```');
    lines.push('', '*Likely causes*', ...f.causes.map((c, i) => `${i + 1}. ${escapeMrkdwn(c)}`));
    lines.push('', '*Next steps*', ...f.nextSteps.map((s) => `• ${escapeMrkdwn(s)}`));
  }
  if (m.warnings.length) lines.push('', '*Warnings*', ...m.warnings.map((w) => `${warningLine(w)} (runbook \`${escapeMrkdwn(w.runbook)}\`)`));
  if (m.facts.length) lines.push('', '*Facts*', ...m.facts.map(factLine));
  return lines.join('\n');
}

function splitLong(line: string, size: number): string[] {
  if (line.length <= size) return [line];
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > size) {
    const at = safeCut(rest, size) || size;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  pieces.push(rest);
  return pieces;
}

/** Move a cut position left so it splits neither an escape entity nor a UTF-16 surrogate pair. */
function safeCut(text: string, at: number): number {
  let cut = Math.max(0, at);
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp >= 0 && cut - amp < 5) {
    const entity = /^&(?:amp|lt|gt);/.exec(text.slice(amp, amp + 5));
    if (entity && amp + entity[0].length > cut) cut = amp;
  }
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return cut;
}

function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
