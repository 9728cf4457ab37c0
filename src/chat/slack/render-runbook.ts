// Runbook messages → Slack Block Kit: a step (header, text, copyable commands, notes, buttons)
// and the closing timeline as a Markdown code block, ready to copy into a postmortem.
import type { RunbookStartMessage, RunbookStepMessage, RunbookTimelineMessage } from '../../bot/messages.js';
import { richLines } from '../../bot/rich.js';
import { clip, splitFenced, STEP_KIND_MARK } from '../text.js';
import { actionsBlock, capBlocks, codeBody, context, escapeMrkdwn, finish, header, mrkdwn, section, SLACK_LIMITS, type SlackBlock, type SlackRendering } from './blocks.js';

export function renderRunbookStart(m: RunbookStartMessage): SlackRendering {
  const title = `📖 Runbook: ${m.runbookTitle} — ${m.target}`;
  const blocks = [
    header(title),
    section(clip(escapeMrkdwn(m.summary), SLACK_LIMITS.sectionText)),
    context(`started by ${mrkdwn([{ user: m.by }])} · the steps follow in this thread; anyone here can act on them`),
  ];
  return finish(escapeMrkdwn(title), blocks);
}

export function renderRunbookStep(m: RunbookStepMessage): SlackRendering {
  const title = `${STEP_KIND_MARK[m.stepKind]} ${m.position}. ${m.title}`;
  const blocks: SlackBlock[] = [
    context(`📖 ${escapeMrkdwn(m.runbookTitle)} · ${escapeMrkdwn(m.target)}${m.closed ? ' · earlier step' : ''}`),
    header(title),
    section(clip(escapeMrkdwn(m.text), SLACK_LIMITS.sectionText)),
  ];
  if (m.commands.length) {
    // Each command in its own code block: Slack offers no copy button, so one block per line
    // lets people select exactly the command they want.
    const commands = m.commands.map((c) => `\`\`\`${codeBody(c)}\`\`\``).join('\n');
    blocks.push(section(splitFenced(commands, SLACK_LIMITS.sectionText)[0]!));
  }
  if (m.notes.length) blocks.push(section(clip(mrkdwn(richLines(m.notes)), SLACK_LIMITS.sectionText)));
  const actions = m.closed ? undefined : actionsBlock(m.actions);
  return finish(escapeMrkdwn(`${m.runbookTitle} — ${m.target}: ${m.position}. ${m.title}`), capBlocks(blocks, actions));
}

export function renderRunbookTimeline(m: RunbookTimelineMessage): SlackRendering {
  // Fences on lines of their own, so that a split keeps every piece a closed code block.
  const pieces = splitFenced(`\`\`\`\n${codeBody(m.markdown)}\n\`\`\``, SLACK_LIMITS.sectionText);
  const room = SLACK_LIMITS.blocks - 3;
  const blocks: SlackBlock[] = [header(`🧾 Timeline: ${m.title}`), context('Copy it into the postmortem: the Markdown below lists every action, who took it and when.'), ...pieces.slice(0, room).map(section)];
  if (pieces.length > room) blocks.push(context(`…${pieces.length - room} more parts not shown: the walk is too long for one message.`));
  return finish(escapeMrkdwn(`Timeline: ${m.title}`), blocks);
}
