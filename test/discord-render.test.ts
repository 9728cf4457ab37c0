// Embeds and button rows: Discord's limits hold whatever the server says (a 10,000-character
// reply, 40 causes, 30 warnings), nothing is lost (it follows as plain messages), nothing pings.
import { describe, expect, it } from 'vitest';
import { alertMessageSample, runbookStepSample } from './support/chat-samples.js';
import { errorMessage, helpMessage, progressMessage, summaryMessage } from '../src/bot/messages.js';
import { HELP_LINES } from '../src/bot/commands.js';
import { DISCORD_LIMITS, type DiscordRendering, renderDiscord, splitText } from '../src/chat/discord/render-embeds.js';
import { HOSTILE, hostile, huge, sftpHealthy } from './support/sample-reports.js';

function expectWithinLimits(r: DiscordRendering) {
  const { payload } = r;
  expect(payload.allowed_mentions).toEqual({ parse: [] });
  expect((payload.content ?? '').length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
  expect(payload.embeds.length).toBeLessThanOrEqual(DISCORD_LIMITS.embeds);
  let total = 0;
  for (const e of payload.embeds) {
    expect(e.title?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.title);
    expect(e.description?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    expect(e.fields?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
    for (const f of e.fields ?? []) {
      expect(f.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldName);
      expect(f.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
      expect(f.value.length).toBeGreaterThan(0);
    }
    expect(e.footer?.text.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.footer);
    total += (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.author?.name.length ?? 0) + (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
  }
  expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.embedTotal);
  expect(payload.components.length).toBeLessThanOrEqual(DISCORD_LIMITS.rows);
  const ids = payload.components.flatMap((row) => row.components.map((c) => ('custom_id' in c ? c.custom_id : '')));
  for (const row of payload.components) expect(row.components.length).toBeLessThanOrEqual(DISCORD_LIMITS.buttonsPerRow);
  for (const id of ids) expect(id.length).toBeLessThanOrEqual(DISCORD_LIMITS.customId);
  expect(new Set(ids).size).toBe(ids.length);
  for (const text of r.followUps) expect(text.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
}

describe('renderDiscord', () => {
  it('a healthy summary: one embed, stages, facts as inline fields, Re-check', () => {
    const r = renderDiscord(summaryMessage(sftpHealthy));
    expectWithinLimits(r);
    expect(r.payload.embeds[0]!.title).toMatch(/✓ prod-sftp is healthy/);
    expect(r.payload.embeds[0]!.description).toContain('`login`');
    expect(r.payload.embeds[0]!.fields?.some((f) => f.inline)).toBe(true);
    expect(r.payload.components[0]!.components.map((c) => ('custom_id' in c ? c.custom_id : ''))).toContain('ftpops:recheck:prod-sftp');
    expect(r.followUps).toEqual([]);
  });

  it('a huge finding stays within every limit and follows in full', () => {
    const r = renderDiscord(summaryMessage(huge));
    expectWithinLimits(r);
    expect(r.followUps.length).toBeGreaterThan(1);
    const all = r.followUps.join('\n');
    expect(all).toContain('BEGIN-OF-REPLY');
    expect(all).toContain('END-OF-REPLY');
    expect(all).toContain('cause #40');
    expect(all).toContain('step #40');
    // Every follow-up renders on its own: code fences balanced in each.
    for (const piece of r.followUps) expect((piece.match(/^```/gm) ?? []).length % 2).toBe(0);
  });

  it('server text cannot format, mention or break out of its code block', () => {
    const r = renderDiscord(summaryMessage(hostile));
    expectWithinLimits(r);
    const json = JSON.stringify(r.payload);
    expect(json).not.toContain('**x**');
    const said = r.payload.embeds[0]!.fields!.find((f) => f.name === 'Server said')!.value;
    expect(said.startsWith('```\n') && said.endsWith('\n```')).toBe(true);
    expect(said.slice(4, -4)).not.toContain('```');
    expect(HOSTILE).toContain('<@U0123>');
  });

  it('progress, error, help, alert, runbook step and timeline kinds', () => {
    for (const m of [progressMessage('prod-sftp', 'sftp://x', sftpHealthy.stages), errorMessage('cannot queue the check: Redis unreachable'), helpMessage(HELP_LINES), alertMessageSample(), runbookStepSample()]) expectWithinLimits(renderDiscord(m));
    const alert = renderDiscord(alertMessageSample());
    expect(alert.payload.embeds[0]!.title).toMatch(/WARNING auth — prod-ftp/);
    expect(alert.payload.components.flatMap((r) => r.components.map((c) => ('label' in c ? c.label : '')))).toEqual(['Acknowledge', 'Mute 1 h', 'Open runbook', 'Re-check']);
    const step = renderDiscord(runbookStepSample());
    expect(step.payload.components[0]!.components.map((c) => ('custom_id' in c ? c.custom_id : ''))).toEqual(['ftpops:rb:run-check:abc123:4', 'ftpops:rb:skip:abc123:4']);
    const timeline = renderDiscord({ kind: 'runbook-timeline', title: 'x', markdown: Array.from({ length: 300 }, (_, i) => `- step ${i} — <@U1>`).join('\n') });
    expectWithinLimits(timeline);
    expect(timeline.followUps.length).toBeGreaterThan(1);
  });

  it('a button whose custom_id would pass 100 characters is dropped, the rest stay', () => {
    const long = { ...summaryMessage(sftpHealthy), target: 'x', actions: [{ kind: 'recheck' as const, target: 't'.repeat(120) }, { kind: 'recheck' as const, target: 'ok' }] };
    const ids = renderDiscord(long).payload.components.flatMap((r) => r.components.map((c) => ('custom_id' in c ? c.custom_id : '')));
    expect(ids).toEqual(['ftpops:recheck:ok']);
  });

  it('splitText keeps pieces under the limit and code blocks closed', () => {
    const text = ['intro', '```', ...Array.from({ length: 500 }, (_, i) => `line ${i} ${'y'.repeat(30)}`), '```', 'outro', 'z'.repeat(5000)].join('\n');
    const pieces = splitText(text, 2000);
    for (const p of pieces) {
      expect(p.length).toBeLessThanOrEqual(2000);
      expect((p.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
    expect(pieces.join('').replace(/```|\n/g, '')).toContain('line 499');
  });
});
