// Block Kit pieces and Slack's rules for text. Plain objects only: the adapter posts them
// unchanged, so the renderers need no @slack/* import and stay pure functions tests can read.
//
// Limits from Slack's Block Kit reference (https://api.slack.com/reference/block-kit/blocks,
// .../block-elements#button): 50 blocks per message, section text 3000 chars, header text 150,
// button text 75, action_id 255 (unique within a message), button value 2000.
//
// Escaping (https://api.slack.com/reference/surfaces/formatting#escaping): only &, < and > are
// control characters in mrkdwn, and every mention (<@U…>, <!channel>, <!here>) and link
// (<url|text>) needs a <. Every piece of text is escaped; our own mentions are rich spans
// (src/bot/rich.ts), rendered here, never restored from escaped text. plain_text (headers,
// buttons) is not parsed for links or mentions.
import { buttonId } from '../../bot/incoming.js';
import type { ChatAction } from '../../bot/messages.js';
import type { Rich } from '../../bot/rich.js';
import { clip, defuseFences, muteLabel, splitFenced } from '../text.js';

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

/** Every action_id starts with this; the value is the button's id (src/bot/incoming.ts). */
export const ACTION_PREFIX = 'ftpops.';

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped text safe inside a ``` block: a ``` in server text would end the block early. */
export function codeBody(raw: string): string {
  return escapeMrkdwn(defuseFences(raw));
}

/** Rich text as mrkdwn: plain spans escaped, our markup rendered. */
export function mrkdwn(text: Rich): string {
  return text
    .map((span) => {
      if (typeof span === 'string') return escapeMrkdwn(span);
      if ('strong' in span) return `*${escapeMrkdwn(span.strong)}*`;
      if ('code' in span) return `\`${escapeMrkdwn(span.code.replace(/`/g, "'"))}\``;
      if ('user' in span) return /^[UW][A-Z0-9]{2,}$/.test(span.user) ? `<@${span.user}>` : escapeMrkdwn(`@${span.user}`);
      return `\n\`\`\`\n${codeBody(span.pre)}\n\`\`\`\n`;
    })
    .join('')
    .replace(/^\n|\n$/g, '');
}

export function finish(fallback: string, blocks: SlackBlock[], detail?: string): SlackRendering {
  const out: SlackRendering = { text: clip(fallback, SLACK_LIMITS.fallbackText), blocks };
  if (detail !== undefined) out.threadDetail = splitFenced(detail, SLACK_LIMITS.sectionText);
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

/** Long mrkdwn as sections (fences kept whole per section), at most `room` of them. */
export function sections(text: string, room: number = SLACK_LIMITS.blocks): { blocks: SectionBlock[]; clipped: boolean } {
  const pieces = splitFenced(text, SLACK_LIMITS.sectionText);
  return { blocks: pieces.slice(0, room).map(section), clipped: pieces.length > room };
}

/** Heading plus as many whole items as fit in `max`, then "…and N more in the thread". */
export function fitList(heading: string, items: string[], max: number): { text: string; omitted: number; clipped: boolean } {
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

const LABELS: Record<Exclude<ChatAction['kind'], 'runbook-step'>, (a: ChatAction) => string> = {
  recheck: () => 'Re-check',
  'open-runbook': () => 'Open runbook',
  acknowledge: () => 'Acknowledge',
  mute: (a) => muteLabel((a as Extract<ChatAction, { kind: 'mute' }>).minutes),
  'identity-decision': (a) => (a as Extract<ChatAction, { kind: 'identity-decision' }>).label,
};

export function actionsBlock(actions: ChatAction[]): ActionsBlock | undefined {
  const seen = new Set<string>();
  const elements: ButtonElement[] = [];
  for (const a of actions) {
    const id = buttonId(a);
    // One action_id per kind of button (Slack wants them unique within a message); a runbook
    // step's names its action: ftpops.rb.done, ftpops.rb.run-check, …
    const kind = id.startsWith('rb:') ? `rb.${a.kind === 'runbook-step' ? a.action : ''}` : id.split(':')[0]!;
    const b = button(a.kind === 'runbook-step' ? a.label : LABELS[a.kind](a), `${ACTION_PREFIX}${kind}`, id, a.kind === 'recheck' || (a.kind === 'runbook-step' && a.primary) ? 'primary' : undefined);
    // A value Slack would reject drops the button rather than the whole message; an id seen
    // twice would make Slack reject the message, so the first one wins.
    if (!b || seen.has(b.action_id)) continue;
    seen.add(b.action_id);
    elements.push(b);
  }
  return elements.length ? { type: 'actions', elements } : undefined;
}

function button(label: string, actionId: string, value: string, style?: 'primary'): ButtonElement | undefined {
  if (value.length > SLACK_LIMITS.buttonValue || actionId.length > SLACK_LIMITS.actionId) return undefined;
  const b: ButtonElement = { type: 'button', text: { type: 'plain_text', text: clip(label, SLACK_LIMITS.buttonText) }, action_id: actionId, value };
  if (style) b.style = style;
  return b;
}

/** At most 50 blocks; the actions block is kept last whatever else has to go. */
export function capBlocks(blocks: SlackBlock[], actions: ActionsBlock | undefined): SlackBlock[] {
  const room = SLACK_LIMITS.blocks - (actions ? 1 : 0);
  return [...blocks.slice(0, room), ...(actions ? [actions] : [])];
}
