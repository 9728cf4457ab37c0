// ChatMessage → a Discord message: embeds and button rows, as plain API objects, so this file
// stays a pure function the tests can read; the adapter sends them unchanged.
//
// Limits from Discord's API reference (https://discord.com/developers/docs/resources/message#embed-object-embed-limits
// and .../interactions/message-components#button-object): content 2000 characters, 10 embeds,
// title 256, description 4096, 25 fields, field name 256 and value 1024, footer 2048, author 256,
// 6000 characters across a message's embeds; 5 rows of 5 buttons, label 80, custom_id 100.
// What does not fit is clipped with "…" and sent in full as follow-up messages (`followUps`).
//
// Escaping: server text goes through discord.js's escapeMarkdown, or into code blocks with any
// ``` defused; mentions never ping: every message carries allowed_mentions { parse: [] }.
import { escapeMarkdown } from 'discord.js';
import type { APIActionRowComponent, APIButtonComponent, APIEmbed, APIEmbedField, APIComponentInMessageActionRow } from 'discord.js';
import type { AlertMessage, ChatAction, ChatMessage, FindingView, RunbookStepMessage, StageLine, SummaryMessage } from '../../bot/messages.js';

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

/** custom_id prefixes; the adapter routes clicks on them. */
export const CUSTOM_IDS = { recheck: 'ftpops:recheck', runbook: 'ftpops:runbook', acknowledge: 'ftpops:ack', mute: 'ftpops:mute', runbookStep: 'ftpops:rb' } as const;

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
      return plain(embed({ description: `⚠️ ${escapeMarkdown(message.text)}`, color: COLOR.warning }));
    case 'help':
      return plain(embed({ title: 'ftpops commands', description: message.commands.map((c) => `\`${c.usage}\` — ${escapeMarkdown(c.description)}`).join('\n'), color: COLOR.info }));
    case 'alert':
      return renderAlert(message);
    case 'alert-update':
      return withText(escapeMarkdown(message.text));
    case 'runbook-start':
      return plain(embed({ title: `📖 Runbook: ${message.runbookTitle} — ${message.target}`, description: `${escapeMarkdown(message.summary)}\n\nStarted by <@${message.by}>; the steps follow in this thread, and anyone here can act on them.`, color: COLOR.info }));
    case 'runbook-step':
      return renderRunbookStep(message);
    case 'runbook-timeline': {
      const block = fence(message.markdown);
      const pieces = splitText(block, DISCORD_LIMITS.content - 60);
      return { payload: { content: `🧾 **Timeline: ${escapeMarkdown(message.title)}** — copy it into the postmortem.`, embeds: [], components: [], allowed_mentions: { parse: [] } }, followUps: pieces };
    }
  }
}

function renderSummary(m: SummaryMessage): DiscordRendering {
  let clipped = false;
  const f = m.finding;
  const lines = [timeline(m.stages)];
  if (f) lines.push('', findingHead(f));
  const fields: APIEmbedField[] = [];
  if (f?.reply !== undefined) fields.push(field('Server said', fence(f.reply)));
  if (f?.causes.length) fields.push(field('Likely causes', f.causes.map((c, i) => `${i + 1}. ${escapeMarkdown(c)}`).join('\n')));
  if (f?.nextSteps.length) fields.push(field('Next steps', f.nextSteps.map((s) => `• ${escapeMarkdown(s)}`).join('\n')));
  if (m.warnings.length) fields.push(field('Warnings', m.warnings.map((w) => `⚠ \`${w.code}\` — ${escapeMarkdown(w.title)}${w.detail ? `: ${escapeMarkdown(w.detail)}` : ''}`).join('\n')));
  for (const fact of m.facts) fields.push({ ...field(fact.label, escapeMarkdown(fact.value)), inline: true });
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

function renderAlert(m: AlertMessage): DiscordRendering {
  const mark = m.status === 'resolved' ? '✅ RESOLVED' : m.severity === 'critical' ? '🔴 CRITICAL' : '🟠 WARNING';
  const since = m.status === 'resolved' && m.durationMs !== undefined ? ` · lasted ${Math.max(1, Math.round(m.durationMs / 60_000))} min` : '';
  const e = embed({
    title: `${mark} ${m.alertClass} — ${m.target}`,
    description: escapeMarkdown(m.detail),
    fields: m.ackedBy ? [field('Acknowledged by', `<@${m.ackedBy}>`)] : [],
    footer: `${m.origin === 'check' ? 'from scheduled checks' : 'from server logs'} · first seen ${m.firstSeenAt}${since} · runbook ${m.runbook}`,
    color: m.status === 'resolved' ? COLOR.resolved : m.severity === 'critical' ? COLOR.failure : COLOR.warning,
  });
  return { payload: { embeds: [e.embed], components: m.status === 'firing' ? buttonRows(m.actions) : [], allowed_mentions: { parse: [] } }, followUps: [] };
}

const KIND_MARK: Record<RunbookStepMessage['stepKind'], string> = { instruction: '📋', check: '🔎', decision: '❓', verify: '✅' };

function renderRunbookStep(m: RunbookStepMessage): DiscordRendering {
  const parts = [escapeMarkdown(m.text)];
  if (m.commands.length) parts.push(m.commands.map(fence).join('\n'));
  // Notes are ours (bold, mentions) around server words; those are escaped where the note is built.
  if (m.notes.length) parts.push(m.notes.join('\n'));
  const e = embed({
    author: `📖 ${m.runbookTitle} · ${m.target}${m.closed ? ' · earlier step' : ''}`,
    title: `${KIND_MARK[m.stepKind]} ${m.position}. ${m.title}`,
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
  const [label, id, style] =
    a.kind === 'recheck'
      ? ['Re-check', `${CUSTOM_IDS.recheck}:${a.target}`, 1]
      : a.kind === 'open-runbook'
        ? ['Open runbook', `${CUSTOM_IDS.runbook}:${a.runbook}:${a.target}`, 2]
        : a.kind === 'acknowledge'
          ? ['Acknowledge', `${CUSTOM_IDS.acknowledge}:${a.alert}`, 2]
          : a.kind === 'mute'
            ? [`Mute ${a.minutes >= 60 ? `${a.minutes / 60} h` : `${a.minutes} min`}`, `${CUSTOM_IDS.mute}:${a.minutes}:${a.target}`, 2]
            : [a.label, `${CUSTOM_IDS.runbookStep}:${a.action}:${a.session}:${a.version}`, a.primary ? 1 : 2];
  if (id.length > DISCORD_LIMITS.customId) return undefined;
  return { type: 2, style: style as 1 | 2, label: clip(label as string, DISCORD_LIMITS.label), custom_id: id };
}

function timeline(stages: StageLine[]): string {
  return stages.map((s) => `${s.mark} \`${s.name}\`${s.durationMs === undefined ? '' : ` ${formatMs(s.durationMs)}`}${s.detail ? `  ${escapeMarkdown(clip(s.detail, 200))}` : ''}`).join('\n');
}

function findingHead(f: FindingView): string {
  const mark = f.severity === 'failure' ? '✗' : '⚠';
  return `**${mark} ${f.code}** — ${escapeMarkdown(f.title)}\nlayer ${f.layer}, stage ${f.stage}${f.detail ? `: ${escapeMarkdown(f.detail)}` : ''}\nrunbook \`${f.runbook}\``;
}

function summaryDetail(m: SummaryMessage): string {
  const f = m.finding;
  const lines = [`**${m.target}** — full detail (${m.url})`, '', timeline(m.stages)];
  if (f) {
    lines.push('', findingHead(f));
    if (f.reply !== undefined) lines.push('', '**Server said**', fence(f.reply));
    lines.push('', '**Likely causes**', ...f.causes.map((c, i) => `${i + 1}. ${escapeMarkdown(c)}`));
    lines.push('', '**Next steps**', ...f.nextSteps.map((s) => `• ${escapeMarkdown(s)}`));
  }
  if (m.warnings.length) lines.push('', '**Warnings**', ...m.warnings.map((w) => `⚠ \`${w.code}\` — ${escapeMarkdown(w.title)}`));
  if (m.facts.length) lines.push('', '**Facts**', ...m.facts.map((x) => `${x.label}: ${escapeMarkdown(x.value)}`));
  return lines.join('\n');
}

/** A code block whose content cannot close it early. */
function fence(text: string): string {
  return `\`\`\`\n${text.replace(/```/g, '`\u200b`\u200b`')}\n\`\`\``;
}

export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/**
 * Pieces of at most `max` characters, cut at line ends where possible; a ``` block open at a cut
 * is closed and reopened, so every piece renders on its own.
 */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let current = '';
  let open = false;
  const flush = () => {
    if (!current) return;
    pieces.push(open ? `${current}\n\`\`\`` : current);
    current = open ? '```' : '';
  };
  for (const rawLine of text.split('\n')) {
    for (let line = rawLine; ; ) {
      const room = max - 4 - (current ? current.length + 1 : 0);
      if (line.length <= room) {
        current = current ? `${current}\n${line}` : line;
        break;
      }
      if (current && current !== '```') {
        flush();
        continue;
      }
      const head = line.slice(0, Math.max(1, max - 8 - current.length));
      current = current ? `${current}\n${head}` : head;
      line = line.slice(head.length);
      flush();
      if (!line) break;
    }
    if (rawLine.trim().startsWith('```')) open = !open;
  }
  if (current && current !== '```') pieces.push(current);
  return pieces;
}

function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
