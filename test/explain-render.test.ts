// /ftp explain's answer, rendered for Slack, Discord and the console page from one message: the
// same content in the same order on each; whatever came from the pasted text stays words (a
// pasted <!channel> or @everyone never becomes a mention, a link or markup); the "Check <target>
// now" buttons carry the recheck ids the router judges.
import { describe, expect, it } from 'vitest';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { explainText } from '../src/knowledge/explain/explain-text.js';
import { explanationMessage, type ExplanationMessage } from '../src/bot/messages.js';
import { renderBlocks, type SlackBlock } from '../src/chat/slack/render-blocks.js';
import { renderDiscord } from '../src/chat/discord/render-embeds.js';
import { entryForPage, type ConsoleEntry } from '../src/chat/console/console-adapter.js';
import { consolePageWords } from './support/console-words.js';

const kb = KnowledgeBase.load();
const HOSTILE = '<!channel> <@U123> @everyone [click](https://evil.example) # heading';
const LOG = `Status:	Connecting to files.example.com:21...
Status:	Connection established, waiting for welcome message...
Response:	220 ${HOSTILE}
Command:	USER deploy
Response:	331 Please specify the password.
Command:	PASS ********
Response:	530 Login incorrect. ${HOSTILE}
Error:	Critical error: Could not connect to server`;

function message(text = LOG, targets = ['alpha', 'beta']): ExplanationMessage {
  return explanationMessage(explainText(text, kb), (c) => kb.definition(c), targets)!;
}

function consoleText(m: ExplanationMessage): { text: string; buttons: string[] } {
  const entry: ConsoleEntry = { id: 'e1', message: m, at: 0, updatedAt: 0, private: true };
  return consolePageWords(entryForPage(entry));
}

function slackText(m: ExplanationMessage): string {
  return renderBlocks(m).blocks.map((b: SlackBlock) => (b.type === 'section' ? b.text.text : b.type === 'header' ? b.text.text : b.type === 'context' ? b.elements.map((e) => e.text).join(' ') : '')).join('\n');
}

function discordText(m: ExplanationMessage): string {
  const e = renderDiscord(m).payload.embeds[0]!;
  return [e.title, e.description, ...(e.fields ?? []).flatMap((f) => [f.name, f.value])].join('\n');
}

/** What a person reads: markup and escapes taken out. */
const words = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\\([\\*_`~|<>#\-[\]().!@])/g, '$1').replace(/\u200b/g, '').replace(/[*`]/g, '');

/** The items of the answer, in the order a platform shows them. */
function order(text: string, m: ExplanationMessage): string[] {
  const items = [m.best.code, 'From the text', 'Why', 'Likely causes', m.best.causes[0]!, 'Next steps', m.best.nextSteps[0]!, 'Other possibilities', ...m.alternatives.map((a) => a.code)];
  const plain = words(text);
  for (const item of items) expect(plain, item).toContain(words(item));
  return [...items].sort((a, b) => plain.indexOf(words(a)) - plain.indexOf(words(b)));
}

describe('the explanation message', () => {
  it('holds the best finding with its causes and steps, the alternatives, the decisive line and the client', () => {
    const m = message();
    expect(m.best).toMatchObject({ code: 'auth.failed', runbook: 'login-failures' });
    expect(m.best.causes).toEqual(kb.definition('auth.failed')!.causes);
    expect(m.client).toBe('FileZilla');
    expect(m.decisive).toBe(`Response:\t530 Login incorrect. ${HOSTILE}`);
    expect(m.actions).toEqual([
      { kind: 'recheck', target: 'alpha', label: 'Check alpha now' },
      { kind: 'recheck', target: 'beta', label: 'Check beta now' },
    ]);
  });

  it('is undefined when nothing was recognised (the verb answers with the hint instead)', () => {
    expect(explanationMessage(explainText('all quiet', kb), (c) => kb.definition(c))).toBeUndefined();
  });
});

describe('the same content on Slack, Discord and the console', () => {
  it('every part, in the same order, with the same buttons', () => {
    const m = message();
    const slack = slackText(m);
    const discord = discordText(m);
    const page = consoleText(m);
    expect(order(discord, m)).toEqual(order(slack, m));
    expect(order(page.text, m)).toEqual(order(slack, m));
    for (const text of [slack, discord, page.text]) expect(words(text)).toContain('530 Login incorrect.');
    const slackButtons = renderBlocks(m).blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
    expect(slackButtons.map((b) => [b.text.text, b.value])).toEqual([['Check alpha now', 'recheck:alpha'], ['Check beta now', 'recheck:beta']]);
    expect(new Set(slackButtons.map((b) => b.action_id)).size).toBe(2);
    const discordButtons = renderDiscord(m).payload.components.flatMap((r) => r.components) as Array<{ label: string; custom_id: string }>;
    expect(discordButtons.map((b) => [b.label, b.custom_id])).toEqual([['Check alpha now', 'ftpops:recheck:alpha'], ['Check beta now', 'ftpops:recheck:beta']]);
    expect(page.buttons).toEqual(['Check alpha now', 'Check beta now']);
  });

  it('without a decisive line or alternatives, the parts that are there', () => {
    const m = message('auth.failed', []);
    expect(m.decisive).toBeUndefined();
    expect(m.alternatives).toEqual([]);
    for (const text of [slackText(m), discordText(m), consoleText(m).text]) {
      expect(words(text)).toMatch(/auth\.failed — /);
      expect(text).not.toMatch(/From the text|Other possibilities/);
    }
    expect(renderBlocks(m).blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(renderDiscord(m).payload.components).toEqual([]);
  });
});

describe('pasted text is shown, never obeyed', () => {
  it('Slack: every < of the paste escaped, in the quote and in the code block', () => {
    const r = renderBlocks(message());
    const all = [r.text, ...r.blocks.map((b) => JSON.stringify(b))].join('\n');
    expect(all).not.toMatch(/<!channel>|<@U123>|<https?:/);
    expect(all).toContain('&lt;!channel&gt;');
  });

  it('Discord: no mention, @everyone, masked link or heading outside a code block; nothing may ping', () => {
    const r = renderDiscord(message());
    expect(r.payload.allowed_mentions).toEqual({ parse: [] });
    const outsideFences = discordText(message()).replace(/```[\s\S]*?```/g, '');
    expect(outsideFences).not.toMatch(/(^|[^\\\u200b])@everyone|(^|[^\\])<@U123>|(^|[^\\])\[click\]\(https|^#\s/m);
    expect(outsideFences).toContain('\\<@U123>');
  });

  it('console: the paste arrives as text nodes, never as a span of ours', () => {
    const m = message();
    expect(consoleText(m).text).toContain(HOSTILE);
    expect(JSON.stringify(m)).not.toMatch(/"user":"U123"/);
  });
});
