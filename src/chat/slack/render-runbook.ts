// Runbook messages → Slack Block Kit: a step (header, text, copyable commands, notes, buttons)
// and the closing timeline as a Markdown code block, ready to copy into a postmortem.
import type { RunbookStartMessage, RunbookStepMessage, RunbookTimelineMessage } from '../../bot/messages.js';
import { actionsBlock, capBlocks, chunkMrkdwn, clip, codeBody, context, escapeMrkdwn, finish, header, section, SLACK_LIMITS, type SlackBlock, type SlackRendering } from './render-blocks.js';

const KIND_MARK: Record<RunbookStepMessage['stepKind'], string> = { instruction: '📋', check: '🔎', decision: '❓', verify: '✅' };

export function renderRunbookStart(m: RunbookStartMessage): SlackRendering {
  const title = `📖 Runbook: ${m.runbookTitle} — ${m.target}`;
  const blocks = [header(title), section(clip(escapeMrkdwn(m.summary), SLACK_LIMITS.sectionText)), context(`started by <@${escapeMrkdwn(m.by)}> · the steps follow in this thread; anyone here can act on them`)];
  return finish(escapeMrkdwn(title), blocks);
}

export function renderRunbookStep(m: RunbookStepMessage): SlackRendering {
  const title = `${KIND_MARK[m.stepKind]} ${m.position}. ${m.title}`;
  const blocks: SlackBlock[] = [
    context(`📖 ${escapeMrkdwn(m.runbookTitle)} · ${escapeMrkdwn(m.target)}${m.closed ? ' · earlier step' : ''}`),
    header(title),
    section(clip(escapeMrkdwn(m.text), SLACK_LIMITS.sectionText)),
  ];
  if (m.commands.length) {
    // Each command in its own code block: Slack offers no copy button, so one block per line
    // lets people select exactly the command they want.
    const commands = m.commands.map((c) => `\`\`\`${codeBody(c)}\`\`\``).join('\n');
    blocks.push(section(chunkMrkdwn(commands)[0]!));
  }
  if (m.notes.length) blocks.push(section(clip(m.notes.map(escapeNote).join('\n'), SLACK_LIMITS.sectionText)));
  const actions = m.closed ? undefined : actionsBlock(m.actions);
  return finish(escapeMrkdwn(`${m.runbookTitle} — ${m.target}: ${m.position}. ${m.title}`), capBlocks(blocks, actions));
}

export function renderRunbookTimeline(m: RunbookTimelineMessage): SlackRendering {
  // Fences on lines of their own, so that a split keeps every piece a closed code block.
  const pieces = chunkMrkdwn(`\`\`\`\n${codeBody(m.markdown)}\n\`\`\``);
  const room = SLACK_LIMITS.blocks - 3;
  const blocks: SlackBlock[] = [header(`🧾 Timeline: ${m.title}`), context('Copy it into the postmortem: the Markdown below lists every action, who took it and when.'), ...pieces.slice(0, room).map(section)];
  if (pieces.length > room) blocks.push(context(`…${pieces.length - room} more parts not shown: the walk is too long for one message.`));
  return finish(escapeMrkdwn(`Timeline: ${m.title}`), blocks);
}

/**
 * Notes are written by us and may carry *bold* and user mentions (<@U…>); anything else that
 * looks like markup comes from a server reply and is escaped.
 */
function escapeNote(note: string): string {
  return escapeMrkdwn(note).replace(/&lt;@([A-Z0-9]+)&gt;/g, '<@$1>');
}
