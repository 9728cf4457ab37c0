// ChatMessage → a Discord message: embeds and button rows, as plain API objects, so this file
// stays a pure function the tests can read; the adapter sends them unchanged.
//
// Limits from Discord's API reference (https://discord.com/developers/docs/resources/message#embed-object-embed-limits
// and .../interactions/message-components#button-object): content 2000 characters, 10 embeds,
// title 256, description 4096, 25 fields, field name 256 and value 1024, footer 2048, author 256,
// 6000 characters across a message's embeds; 5 rows of 5 buttons, label 80, custom_id 100.
// What does not fit is clipped with "…" and sent in full as follow-up messages (`followUps`).
//
// Escaping: any text we did not write goes through escapeDiscord (markdown, masked links,
// headings, lists, mentions, @everyone), or into code blocks with any ``` defused; and no message
// can ping: every one carries allowed_mentions { parse: [] } (the REST field's own name; the
// adapter sends these payloads through client.rest, which passes them unchanged).
import { escapeMarkdown } from 'discord.js';
import type { APIActionRowComponent, APIButtonComponent, APIEmbed, APIEmbedField, APIComponentInMessageActionRow } from 'discord.js';
import { buttonId } from '../../bot/incoming.js';
import type { AlertMessage, ChatAction, ChatMessage, ExplanationMessage, FindingView, RunbookStepMessage, StageLine, SummaryMessage } from '../../bot/messages.js';
import { originLabel } from '../../bot/messages.js';
import { type Rich, richLines } from '../../bot/rich.js';
import { alertMark, clip, defuseFences, formatMs, muteLabel, splitFenced, STEP_KIND_MARK } from '../text.js';

export const DISCORD_LIMITS = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  embedTotal: 6000,
  rows: 5,
  buttonsPerRow: 5,
  label: 80,
  customId: 100,
} as const;

/** Every custom_id is this prefix and the button's id (src/bot/incoming.ts). */
export const CUSTOM_ID_PREFIX = 'ftpops:';

const COLOR = { ok: 0x2eb67d, failure: 0xe01e5a, warning: 0xecb22e, info: 0x5865f2, resolved: 0x2eb67d } as const;

export interface DiscordPayload {
  content?: string;
  embeds: APIEmbed[];
  components: Array<APIActionRowComponent<APIComponentInMessageActionRow>>;
  allowed_mentions: { parse: [] };
}

export interface DiscordRendering {
  payload: DiscordPayload;
  /** Full detail as plain messages (≤ 2000 characters each) when the embed had to be clipped. */
  followUps: string[];
}

export function renderDiscord(message: ChatMessage): DiscordRendering {
  switch (message.kind) {
    case 'progress':
      return plain(embed({ title: `⏳ ${message.headline}`, description: timeline(message.stages), footer: message.url, color: COLOR.info }));
    case 'summary':
      return renderSummary(message);
    case 'error':
      return plain(embed({ description: `⚠️ ${escapeDiscord(message.text)}`, color: COLOR.warning }));
    case 'help':
      return plain(embed({ title: 'ftpops commands', description: message.commands.map((c) => `\`${c.usage}\` — ${escapeDiscord(c.description)}`).join('\n'), color: COLOR.info }));
    case 'notice':
    case 'status':
    case 'report':
      return withText(discordMarkdown(message.text));
    case 'explanation':
      return renderExplanation(message);
    case 'alert':
      return renderAlert(message);
    case 'alert-update':
      return withText(escapeDiscord(message.text));
    case 'runbook-start':
      return plain(embed({ title: `📖 Runbook: ${message.runbookTitle} — ${message.target}`, description: `${escapeDiscord(message.summary)}\n\nStarted by ${discordMarkdown([{ user: message.by }])}; the steps follow in this thread, and anyone here can act on them.`, color: COLOR.info }));
    case 'runbook-step':
      return renderRunbookStep(message);
    case 'identity-change':
      return { payload: { embeds: [embed({ title: message.title, description: discordMarkdown(message.text), color: COLOR.warning }).embed], components: buttonRows(message.actions), allowed_mentions: { parse: [] } }, followUps: [] };
    case 'runbook-timeline': {
      const pieces = splitText(fence(message.markdown), DISCORD_LIMITS.content - 60);
      return { payload: { content: `🧾 **Timeline: ${escapeDiscord(message.title)}** — copy it into the postmortem.`, embeds: [], components: [], allowed_mentions: { parse: [] } }, followUps: pieces };
    }
  }
}

/**
 * Text we did not write, shown as it is: markdown escaped (discord.js leaves masked links,
 * headings and lists alone unless asked), mentions (<@…>, <#…>, <@&…>) and @everyone/@here
 * broken so they can neither ping nor show as mentions.
 */
export function escapeDiscord(text: string): string {
  return escapeMarkdown(text, { heading: true, bulletedList: true, numberedList: true, maskedLink: true })
    .replace(/</g, '\\<')
    .replace(/@(everyone|here)/gi, '@\u200b$1');
}

/** Rich text as Discord markdown: plain spans escaped, our markup rendered. */
export function discordMarkdown(text: Rich): string {
  return text
    .map((span) => {
      if (typeof span === 'string') return escapeDiscord(span);
      if ('strong' in span) return `**${escapeDiscord(span.strong)}**`;
      if ('code' in span) return `\`${span.code.replace(/`/g, "'")}\``;
      if ('user' in span) return /^\d{5,25}$/.test(span.user) ? `<@${span.user}>` : escapeDiscord(`@${span.user}`);
      return `\n${fence(span.pre)}\n`;
    })
    .join('')
    .replace(/^\n|\n$/g, '');
}

function renderSummary(m: SummaryMessage): DiscordRendering {
  let clipped = false;
  const f = m.finding;
  const lines = [timeline(m.stages)];
  if (f) lines.push('', findingHead(f));
  const fields: APIEmbedField[] = [];
  if (f?.reply !== undefined) fields.push(field('Server said', fence(f.reply)));
  if (f?.causes.length) fields.push(field('Likely causes', f.causes.map((c, i) => `${i + 1}. ${escapeDiscord(c)}`).join('\n')));
  if (f?.nextSteps.length) fields.push(field('Next steps', f.nextSteps.map((s) => `• ${escapeDiscord(s)}`).join('\n')));
  if (m.warnings.length) fields.push(field('Warnings', m.warnings.map((w) => `⚠ \`${w.code}\` — ${escapeDiscord(w.title)}${w.detail ? `: ${escapeDiscord(w.detail)}` : ''}`).join('\n')));
  for (const fact of m.facts) fields.push({ ...field(fact.label, escapeDiscord(fact.value)), inline: true });
  const e = embed({
    title: m.headline,
    description: lines.join('\n'),
    fields,
    footer: `${m.url} · ${m.protocol} · ${formatMs(m.durationMs)} · ${m.startedAt}`,
    color: m.ok ? (m.warnings.length ? COLOR.warning : COLOR.ok) : COLOR.failure,
  });
  clipped = e.clipped;
  const rendering: DiscordRendering = { payload: { embeds: [e.embed], components: buttonRows(m.actions), allowed_mentions: { parse: [] } }, followUps: [] };
  if (clipped) rendering.followUps = splitText(summaryDetail(m), DISCORD_LIMITS.content);
  return rendering;
}

/** The likeliest finding first, then the alternatives; what is quoted from the pasted text is escaped or fenced. */
function renderExplanation(m: ExplanationMessage): DiscordRendering {
  const b = m.best;
  const parts = [`${percent(b.confidence)} likely${m.client ? ` · ${escapeDiscord(m.client)}` : ''} · runbook \`${b.runbook}\``];
  if (m.decisive !== undefined) parts.push(`**From the text**\n${fence(clip(m.decisive, 1000))}`);
  parts.push(`**Why**\n${escapeDiscord(b.why)}`);
  const fields: APIEmbedField[] = [
    field('Likely causes', b.causes.map((c, i) => `${i + 1}. ${escapeDiscord(c)}`).join('\n')),
    field('Next steps', b.nextSteps.map((s) => `• ${escapeDiscord(s)}`).join('\n')),
  ];
  if (m.alternatives.length) fields.push(field('Other possibilities', m.alternatives.map((a) => `• \`${a.code}\` (${percent(a.confidence)}) — ${escapeDiscord(a.title)}\n   ${escapeDiscord(a.why)}`).join('\n')));
  const e = embed({ title: `🔎 ${b.code} — ${b.title}`, description: parts.join('\n\n'), fields, color: b.severity === 'warning' ? COLOR.warning : COLOR.failure });
  return { payload: { embeds: [e.embed], components: buttonRows(m.actions), allowed_mentions: { parse: [] } }, followUps: [] };
}

function percent(confidence: number): string {
  return `${Math.round(confidence * 100)}%`;
}

function renderAlert(m: AlertMessage): DiscordRendering {
  const mark = alertMark(m);
  const since = m.status === 'resolved' && m.durationMs !== undefined ? ` · lasted ${Math.max(1, Math.round(m.durationMs / 60_000))} min` : '';
  const e = embed({
    title: `${mark} ${m.alertClass} — ${m.target}`,
    description: escapeDiscord(m.detail),
    fields: m.ackedBy ? [field('Acknowledged by', discordMarkdown([{ user: m.ackedBy }]))] : [],
    footer: `${originLabel(m.origin)} · first seen ${m.firstSeenAt}${since} · runbook ${m.runbook}`,
    color: m.status === 'resolved' ? COLOR.resolved : m.severity === 'critical' ? COLOR.failure : COLOR.warning,
  });
  return { payload: { embeds: [e.embed], components: m.status === 'firing' ? buttonRows(m.actions) : [], allowed_mentions: { parse: [] } }, followUps: [] };
}

function renderRunbookStep(m: RunbookStepMessage): DiscordRendering {
  const parts = [escapeDiscord(m.text)];
  if (m.commands.length) parts.push(m.commands.map(fence).join('\n'));
  if (m.notes.length) parts.push(discordMarkdown(richLines(m.notes)));
  const e = embed({
    author: `📖 ${m.runbookTitle} · ${m.target}${m.closed ? ' · earlier step' : ''}`,
    title: `${STEP_KIND_MARK[m.stepKind]} ${m.position}. ${m.title}`,
    description: parts.join('\n\n'),
    color: m.closed ? 0x99aab5 : COLOR.info,
  });
  return { payload: { embeds: [e.embed], components: m.closed ? [] : buttonRows(m.actions), allowed_mentions: { parse: [] } }, followUps: [] };
}

// ---------------------------------------------------------------------------- pieces

function plain(e: { embed: APIEmbed }): DiscordRendering {
  return { payload: { embeds: [e.embed], components: [], allowed_mentions: { parse: [] } }, followUps: [] };
}

function withText(text: string): DiscordRendering {
  const pieces = splitText(text, DISCORD_LIMITS.content);
  return { payload: { content: pieces[0] ?? '', embeds: [], components: [], allowed_mentions: { parse: [] } }, followUps: pieces.slice(1) };
}

interface EmbedInput {
  title?: string;
  author?: string;
  description?: string;
  fields?: APIEmbedField[];
  footer?: string;
  color: number;
}

/** One embed within every per-part limit and the 6000-character total; says whether it clipped. */
export function embed(input: EmbedInput): { embed: APIEmbed; clipped: boolean } {
  let clipped = false;
  const cut = (text: string, max: number) => {
    const out = clip(text, max);
    if (out !== text) clipped = true;
    return out;
  };
  const e: APIEmbed = { color: input.color };
  if (input.title) e.title = cut(input.title, DISCORD_LIMITS.title);
  if (input.author) e.author = { name: cut(input.author, DISCORD_LIMITS.author) };
  if (input.footer) e.footer = { text: cut(input.footer, DISCORD_LIMITS.footer) };
  let used = (e.title?.length ?? 0) + (e.author?.name.length ?? 0) + (e.footer?.text.length ?? 0);
  if (input.description) {
    e.description = cut(input.description, Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.embedTotal - used));
    used += e.description.length;
  }
  const fields: APIEmbedField[] = [];
  for (const f of (input.fields ?? []).slice(0, DISCORD_LIMITS.fields)) {
    const name = cut(f.name, DISCORD_LIMITS.fieldName);
    const room = DISCORD_LIMITS.embedTotal - used - name.length;
    if (room < 20) {
      clipped = true;
      break;
    }
    const value = cut(f.value || '—', Math.min(DISCORD_LIMITS.fieldValue, room));
    used += name.length + value.length;
    fields.push({ ...f, name, value });
  }
  if ((input.fields?.length ?? 0) > fields.length) clipped = true;
  if (fields.length) e.fields = fields;
  return { embed: e, clipped };
}

function field(name: string, value: string): APIEmbedField {
  return { name, value };
}

/** Buttons in rows of five (at most five rows); a custom_id over 100 characters drops that button. */
export function buttonRows(actions: ChatAction[]): Array<APIActionRowComponent<APIComponentInMessageActionRow>> {
  const seen = new Set<string>();
  const buttons: APIButtonComponent[] = [];
  for (const a of actions) {
    const b = button(a);
    if (!b || seen.has(b.custom_id)) continue;
    seen.add(b.custom_id);
    buttons.push(b);
  }
  const rows: Array<APIActionRowComponent<APIComponentInMessageActionRow>> = [];
  for (let i = 0; i < buttons.length && rows.length < DISCORD_LIMITS.rows; i += DISCORD_LIMITS.buttonsPerRow) {
    rows.push({ type: 1, components: buttons.slice(i, i + DISCORD_LIMITS.buttonsPerRow) });
  }
  return rows;
}

// Button styles: 1 primary, 2 secondary, 3 success, 4 danger.
function button(a: ChatAction): (APIButtonComponent & { custom_id: string }) | undefined {
  const id = `${CUSTOM_ID_PREFIX}${buttonId(a)}`;
  const label = a.kind === 'recheck' ? (a.label ?? 'Re-check') : a.kind === 'open-runbook' ? 'Open runbook' : a.kind === 'acknowledge' ? 'Acknowledge' : a.kind === 'mute' ? muteLabel(a.minutes) : a.label;
  const primary = a.kind === 'recheck' || (a.kind === 'runbook-step' && a.primary);
  if (id.length > DISCORD_LIMITS.customId) return undefined;
  return { type: 2, style: primary ? 1 : 2, label: clip(label, DISCORD_LIMITS.label), custom_id: id };
}

function timeline(stages: StageLine[]): string {
  return stages.map((s) => `${s.mark} \`${s.name}\`${s.durationMs === undefined ? '' : ` ${formatMs(s.durationMs)}`}${s.detail ? `  ${escapeDiscord(clip(s.detail, 200))}` : ''}`).join('\n');
}

function findingHead(f: FindingView): string {
  const mark = f.severity === 'failure' ? '✗' : '⚠';
  return `**${mark} ${f.code}** — ${escapeDiscord(f.title)}\nlayer ${f.layer}, stage ${f.stage}${f.detail ? `: ${escapeDiscord(f.detail)}` : ''}\nrunbook \`${f.runbook}\``;
}

function summaryDetail(m: SummaryMessage): string {
  const f = m.finding;
  const lines = [`**${m.target}** — full detail (${m.url})`, '', timeline(m.stages)];
  if (f) {
    lines.push('', findingHead(f));
    if (f.reply !== undefined) lines.push('', '**Server said**', fence(f.reply));
    lines.push('', '**Likely causes**', ...f.causes.map((c, i) => `${i + 1}. ${escapeDiscord(c)}`));
    lines.push('', '**Next steps**', ...f.nextSteps.map((s) => `• ${escapeDiscord(s)}`));
  }
  if (m.warnings.length) lines.push('', '**Warnings**', ...m.warnings.map((w) => `⚠ \`${w.code}\` — ${escapeDiscord(w.title)}`));
  if (m.facts.length) lines.push('', '**Facts**', ...m.facts.map((x) => `${x.label}: ${escapeDiscord(x.value)}`));
  return lines.join('\n');
}

/** A code block whose content cannot close it early. */
function fence(text: string): string {
  return `\`\`\`\n${defuseFences(text)}\n\`\`\``;
}

/** Pieces of at most `max` characters, each rendering on its own (a cut ``` block is closed and reopened). */
export function splitText(text: string, max: number): string[] {
  return splitFenced(text, max);
}
