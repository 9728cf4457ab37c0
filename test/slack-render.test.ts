// Block Kit rendering: Slack's limits hold whatever the server says, and nothing is lost (it goes
// to the thread).
import { describe, expect, it } from 'vitest';
import type { ProbeReport } from '../src/probes/probe.js';
import { errorMessage, helpMessage, progressMessage, summaryMessage } from '../src/bot/messages.js';
import { authFailed, ftpAuthFailed, HOSTILE, hostile, huge, hugeReply, sftpHealthy } from './support/sample-reports.js';
import { escapeMrkdwn, renderBlocks, SLACK_LIMITS, type SlackRendering } from '../src/chat/slack/render-blocks.js';
import { clip, splitFenced as chunkMrkdwn } from '../src/chat/text.js';
import { HELP_LINES } from '../src/bot/commands.js';


function mrkdwnTexts(r: SlackRendering): string[] {
  const out: string[] = [];
  for (const b of r.blocks) {
    if (b.type === 'section') out.push(b.text.text);
    if (b.type === 'context') out.push(...b.elements.map((e) => e.text));
  }
  return [r.text, ...out, ...(r.threadDetail ?? [])];
}

function buttons(r: SlackRendering) {
  return r.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
}

function expectWithinLimits(r: SlackRendering) {
  expect(r.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const b of r.blocks) {
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    if (b.type === 'context') for (const e of b.elements) expect(e.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
  }
  const ids = buttons(r).map((b) => b.action_id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const b of buttons(r)) {
    expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
    expect(b.action_id.length).toBeLessThanOrEqual(SLACK_LIMITS.actionId);
    expect(b.value.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonValue);
  }
  for (const chunk of r.threadDetail ?? []) {
    expect(chunk.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(chunk.split('\n').filter((l) => l === '```').length % 2).toBe(0); // fences balanced per chunk
  }
  // Every & < > left is one we escaped: no raw control character, no entity cut in half.
  for (const t of mrkdwnTexts(r)) {
    expect(t).not.toMatch(/[<>]/);
    expect(t).not.toMatch(/&(?!amp;|lt;|gt;)/);
  }
}

describe('renderBlocks(summary)', () => {
  it.each([
    {
      name: 'healthy sftp',
      report: sftpHealthy,
      header: '✓ prod-sftp is healthy',
      contains: ['✓ `resolve` 3 ms  203.0.113.10', '· `transfer`', '*host key*  ssh-ed25519 SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s', '*server*  OpenSSH 9.6p1'],
      buttons: [['ftpops.recheck', 'Re-check', 'recheck:prod-sftp']],
    },
    {
      name: 'ftp auth.failed with reply 530',
      report: ftpAuthFailed,
      header: '✗ partner-ftp failed at login: auth.failed',
      contains: [
        '✗ `login` 5600 ms  530 Login incorrect.',
        '*✗ auth.failed* — The server rejected the login',
        '*Server said*\n```530 Login incorrect.```',
        '*Likely causes*\n1. The user name or password',
        '2. The account is locked',
        '• Check the account: `chage -l &lt;user&gt;`',
        'runbook `login-failures`',
      ],
      buttons: [
        ['ftpops.recheck', 'Re-check', 'recheck:partner-ftp'],
        ['ftpops.runbook', 'Open runbook', 'runbook:login-failures:partner-ftp'],
      ],
    },
  ])('$name', ({ report, header, contains, buttons: expected }) => {
    const r = renderBlocks(summaryMessage(report));
    expectWithinLimits(r);
    expect(r.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: header, emoji: true } });
    expect(r.blocks.at(-1)?.type).toBe('actions');
    const all = mrkdwnTexts(r).join('\n');
    for (const c of contains) expect(all).toContain(c);
    expect(buttons(r).map((b) => [b.action_id, b.text.text, b.value])).toEqual(expected);
    expect(r.threadDetail).toBeUndefined();
    expect(r.text).toContain(report.target);
  });

  it('holds every Slack limit for a 10,000-character reply and 40 causes, and moves the rest to the thread', () => {
    const r = renderBlocks(summaryMessage(huge));
    expectWithinLimits(r);
    const main = mrkdwnTexts({ ...r, threadDetail: [] }).join('\n');
    expect(main).toContain('BEGIN-OF-REPLY');
    expect(main).not.toContain('END-OF-REPLY');
    expect(main).toContain('cause #1:');
    expect(main).not.toContain('cause #40:');
    expect(main).toMatch(/…and \d+ more in the thread/);

    expect(r.threadDetail?.length).toBeGreaterThan(1);
    const thread = r.threadDetail!.join('\n');
    expect(thread).toContain('END-OF-REPLY');
    for (let i = 1; i <= 40; i++) {
      expect(thread).toContain(`cause #${i}:`);
      expect(thread).toContain(`step #${i}:`);
    }
    for (let i = 1; i <= 30; i++) expect(thread).toContain(`\`warn.${i}\``);
    expect(thread).toContain('s'.repeat(2_000)); // the long fact, at least in large pieces
    // The whole reply is there, escaped, once the chunks' line cuts and reopened fences are undone.
    const flat = r.threadDetail!.map((c) => c.split('\n').filter((l) => l !== '```').join('')).join('');
    expect(flat).toContain(escapeMrkdwn(`421 ${hugeReply}`));
  });

  it('escapes server text everywhere and keeps a ``` in a reply from closing the code block', () => {
    const r = renderBlocks(summaryMessage(hostile));
    expectWithinLimits(r);
    const all = mrkdwnTexts(r).join('\n');
    expect(all).toContain('&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;!channel&gt; &lt;@U0123&gt;');
    const reply = r.blocks.find((b) => b.type === 'section' && b.text.text.startsWith('*Server said*'));
    expect(reply?.type === 'section' && reply.text.text.match(/```/g)).toHaveLength(2);
  });

  it('keeps action ids unique even when a message asks for the same action twice', () => {
    const m = summaryMessage(ftpAuthFailed);
    const r = renderBlocks({ ...m, actions: [...m.actions, ...m.actions] });
    expectWithinLimits(r);
    expect(buttons(r).map((b) => b.action_id)).toEqual(['ftpops.recheck', 'ftpops.runbook']);
  });

  it('drops a button whose value would exceed 2000 characters but keeps the others', () => {
    const longTarget = `ftp://${'h'.repeat(2_100)}.example`;
    const r = renderBlocks(summaryMessage({ ...ftpAuthFailed, target: longTarget, url: longTarget }));
    expectWithinLimits(r);
    expect(buttons(r)).toEqual([]);
    expect(r.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(r.blocks[0]?.type === 'header' && r.blocks[0].text.text.endsWith('…')).toBe(true);
  });
});

describe('renderBlocks(other kinds)', () => {
  it('progress: headline, url and the stages so far', () => {
    const r = renderBlocks(progressMessage('prod-sftp', sftpHealthy.url, sftpHealthy.stages.slice(0, 2)));
    expectWithinLimits(r);
    expect(r.text).toBe('⏳ checking prod-sftp…');
    expect(r.blocks.map((b) => b.type)).toEqual(['section', 'context', 'section']);
    expect(mrkdwnTexts(r).join('\n')).toContain('✓ `connect` 21 ms  203.0.113.10:22');
  });

  it.each([
    ['cannot queue the check: Redis unreachable at redis://10.0.0.5:6379', undefined],
    [`cannot queue the check: ${'<&>'.repeat(1_500)}`, 7], // 19,500 escaped characters
  ])('error %#: one section, the full text in the thread when clipped', (text, threadChunks) => {
    const r = renderBlocks(errorMessage(text));
    expectWithinLimits(r);
    expect(r.blocks).toHaveLength(1);
    expect(r.threadDetail?.length).toBe(threadChunks);
    expect(r.text.startsWith('⚠️ cannot queue the check:')).toBe(true);
  });

  it('help: a header and the command list', () => {
    const r = renderBlocks(helpMessage(HELP_LINES));
    expectWithinLimits(r);
    expect(r.blocks[0]?.type).toBe('header');
    expect(mrkdwnTexts(r).join('\n')).toContain('`/ftp check &lt;target|url&gt;` — run a check now');
  });
});

describe('text helpers', () => {
  it.each([
    ['abc', 5, 'abc'],
    ['abcdef', 5, 'abcd…'],
    ['ab&amp;cd', 5, 'ab…'], // never half an entity
    ['a😀bc', 3, 'a…'], // never half a surrogate pair
  ])('clip(%j, %i) = %j', (text, max, out) => {
    expect(clip(text, max)).toBe(out);
  });

  it('escapes only &, < and >', () => {
    expect(escapeMrkdwn(`a & b <c> *d* "e"`)).toBe('a &amp; b &lt;c&gt; *d* "e"');
  });

  it.each([
    { name: 'short text stays whole', text: 'one\ntwo', max: 3000, pieces: 1 },
    { name: 'many lines split on line ends', text: Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n'), max: 1000, pieces: 5 }, // 4,389 characters
    { name: 'a fence spanning pieces is reopened', text: ['intro', '```', ...Array.from({ length: 300 }, () => 'x'.repeat(20)), '```', 'outro'].join('\n'), max: 1000, pieces: 7 },
    { name: 'one long line is cut', text: 'y'.repeat(7_000), max: 3000, pieces: 3 },
  ])('chunkMrkdwn: $name', ({ text, max, pieces }) => {
    const chunks = chunkMrkdwn(text, max);
    expect(chunks).toHaveLength(pieces);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(max);
      expect(c.split('\n').filter((l) => l === '```').length % 2).toBe(0);
    }
    const content = (s: string) => s.split('\n').filter((l) => l !== '```').join('');
    expect(chunks.map(content).join('')).toBe(content(text));
  });
});
