// ChatMessage → Slack Block Kit. When a message would exceed Slack's limits it is clipped with "…"
// and everything is posted in full as thread replies (threadDetail). Pieces and escaping rules:
// ./blocks.ts; runbook messages: ./render-runbook.ts.
import { buttonId } from '../../bot/incoming.js';
import type { AlertMessage, ChatAction, ChatMessage, ExplanationMessage, Fact, FindingView, HelpMessage, ProgressMessage, StageLine, SummaryMessage } from '../../bot/messages.js';
import { originLabel } from '../../bot/messages.js';
import { alertMark, clip, formatDuration, formatMs } from '../text.js';
import {
  ACTION_PREFIX,
  type ActionsBlock,
  actionsBlock,
  capBlocks,
  codeBody,
  context,
  escapeMrkdwn,
  finish,
  fitList,
  header,
  mrkdwn,
  section,
  sections,
  SLACK_LIMITS,
  type SlackBlock,
  type SlackRendering,
} from './blocks.js';
import { renderRunbookStart, renderRunbookStep, renderRunbookTimeline } from './render-runbook.js';

export { ACTION_PREFIX, escapeMrkdwn, SLACK_LIMITS, type SlackBlock, type SlackRendering } from './blocks.js';

export function renderBlocks(message: ChatMessage): SlackRendering {
  switch (message.kind) {
    case 'progress':
      return renderProgress(message);
    case 'summary':
      return renderSummary(message);
    case 'error':
      return oneSection(`⚠️ ${escapeMrkdwn(message.text)}`);
    case 'help':
      return renderHelp(message);
    case 'notice':
    case 'status':
    case 'report': {
      const text = mrkdwn(message.text);
      const { blocks, clipped } = sections(text);
      return finish(text, blocks, clipped ? text : undefined);
    }
    case 'explanation':
      return renderExplanation(message);
    case 'alert':
      return renderAlert(message);
    case 'alert-update':
      return oneSection(escapeMrkdwn(message.text));
    case 'runbook-start':
      return renderRunbookStart(message);
    case 'runbook-step':
      return renderRunbookStep(message);
    case 'runbook-timeline':
      return renderRunbookTimeline(message);
    case 'identity-change': {
      const text = mrkdwn(message.text);
      return finish(escapeMrkdwn(message.title), capBlocks([header(message.title), section(clip(text, SLACK_LIMITS.sectionText))], actionsBlock(message.actions)));
    }
  }
}

function oneSection(text: string): SlackRendering {
  const shown = clip(text, SLACK_LIMITS.sectionText);
  return finish(shown, [section(shown)], shown === text ? undefined : text);
}

function renderAlert(m: AlertMessage): SlackRendering {
  const title = `${alertMark(m)} ${m.alertClass} — ${m.target}`;
  const since = m.status === 'resolved' && m.durationMs !== undefined ? ` · lasted ${formatDuration(m.durationMs)}` : '';
  const blocks: SlackBlock[] = [
    header(title),
    section(clip(escapeMrkdwn(m.detail), SLACK_LIMITS.sectionText)),
    context(
      `${escapeMrkdwn(originLabel(m.origin))} · first seen ${escapeMrkdwn(m.firstSeenAt)}${since} · runbook \`${escapeMrkdwn(m.runbook)}\`${m.ackedBy ? ` · acknowledged by ${mrkdwn([{ user: m.ackedBy }])}` : ''}`,
    ),
  ];
  const actions = m.status === 'firing' ? actionsBlock(m.actions) : undefined;
  return finish(escapeMrkdwn(`${title}: ${m.detail}`), capBlocks(blocks, actions));
}

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
  const blocks: SlackBlock[] = [header(m.headline), context(cut(`${escapeMrkdwn(m.url)} · ${m.protocol} · ${formatMs(m.durationMs)} · ${escapeMrkdwn(m.startedAt)}`, max))];
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
      const shown = cut(codeBody(f.reply), max - heading.length - 6);
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

/**
 * The likeliest finding, what in the text said so, its causes and next steps, the alternatives;
 * everything quoted from the pasted text escaped (a pasted <!channel> stays words).
 */
function renderExplanation(m: ExplanationMessage): SlackRendering {
  const max = SLACK_LIMITS.sectionText;
  const b = m.best;
  const blocks: SlackBlock[] = [header(`🔎 ${b.code} — ${b.title}`), context(`${percent(b.confidence)} likely${m.client ? ` · ${escapeMrkdwn(m.client)}` : ''} · runbook \`${escapeMrkdwn(b.runbook)}\``)];
  if (m.decisive !== undefined) blocks.push(section(`*From the text*\n\`\`\`${clip(codeBody(m.decisive), max - 40)}\`\`\``));
  blocks.push(section(clip(`*Why*\n${escapeMrkdwn(b.why)}`, max)));
  const lists = [
    fitList('*Likely causes*', b.causes.map((c, i) => `${i + 1}. ${escapeMrkdwn(c)}`), max),
    fitList('*Next steps*', b.nextSteps.map((s) => `• ${escapeMrkdwn(s)}`), max),
    fitList('*Other possibilities*', m.alternatives.map((a) => `• \`${escapeMrkdwn(a.code)}\` (${percent(a.confidence)}) — ${escapeMrkdwn(a.title)}\n   ${escapeMrkdwn(a.why)}`), max),
  ];
  for (const list of lists) if (list.text) blocks.push(section(list.text));
  return finish(escapeMrkdwn(`${b.code} — ${b.title}`), capBlocks(blocks, checkButtons(m.actions)));
}

/** "Check <target> now": one action_id per button (Slack wants them unique), the button's id as its value. */
function checkButtons(actions: ChatAction[]): ActionsBlock | undefined {
  const elements = actions.flatMap((a, i) => {
    const value = buttonId(a);
    if (a.kind !== 'recheck' || value.length > SLACK_LIMITS.buttonValue) return [];
    return [{ type: 'button' as const, text: { type: 'plain_text' as const, text: clip(a.label ?? 'Re-check', SLACK_LIMITS.buttonText) }, action_id: `${ACTION_PREFIX}recheck.${i + 1}`, value }];
  });
  return elements.length ? { type: 'actions', elements } : undefined;
}

function percent(confidence: number): string {
  return `${Math.round(confidence * 100)}%`;
}

function renderHelp(m: HelpMessage): SlackRendering {
  const lines = m.commands.map((c) => `\`${escapeMrkdwn(c.usage)}\` — ${escapeMrkdwn(c.description)}`);
  const list = fitList('', lines, SLACK_LIMITS.sectionText);
  return finish('ftpops commands', [header('ftpops commands'), section(list.text || 'no commands')], list.omitted || list.clipped ? lines.join('\n') : undefined);
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

function warningLine(w: FindingView): string {
  return `⚠ \`${escapeMrkdwn(w.code)}\` — ${escapeMrkdwn(w.title)}${w.detail ? `: ${escapeMrkdwn(w.detail)}` : ''}`;
}

function factLine(f: Fact): string {
  return `*${escapeMrkdwn(f.label)}*  ${escapeMrkdwn(f.value)}`;
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
