import { describe, expect, it } from 'vitest';
import { parseCommand } from '../src/bot/commands.js';
import { plainOf } from '../src/bot/rich.js';

/** A parse as plain data: the verb's name and its arguments, or the problem in words. */
function parsed(text: string): { verb: string; args: unknown } | { problem: string } {
  const p = parseCommand(text);
  return 'problem' in p ? { problem: plainOf(p.problem) } : { verb: p.verb.name, args: p.args };
}

describe('parseCommand', () => {
  it.each([
    ['check prod-sftp', { verb: 'check', args: { subject: 'prod-sftp', adhoc: false } }],
    ['  CHECK   prod-sftp  ', { verb: 'check', args: { subject: 'prod-sftp', adhoc: false } }],
    ['explain 530', { verb: 'explain', args: { query: '530' } }],
    ['explain Permission denied (publickey).', { verb: 'explain', args: { query: 'Permission denied (publickey).' } }],
    ['  EXPLAIN   curl: (67)  Access denied: 530  ', { verb: 'explain', args: { query: 'curl: (67)  Access denied: 530' } }],
    ['explain Status: Connecting to 203.0.113.7:21...\nError: Connection timed out after 20 seconds of inactivity\n', { verb: 'explain', args: { query: 'Status: Connecting to 203.0.113.7:21...\nError: Connection timed out after 20 seconds of inactivity' } }],
    ['targets', { verb: 'targets', args: {} }],
    ['help', { verb: 'help', args: {} }],
    ['', { verb: 'help', args: {} }],
    ['runbook auth.failed prod-ftp', { verb: 'runbook', args: { query: 'auth.failed', target: 'prod-ftp' } }],
    ['check sftp://files.partner.example:2222', { verb: 'check', args: { subject: 'sftp://files.partner.example:2222', adhoc: true } }],
    ['check <ftpes://10.20.0.5|ftpes://10.20.0.5>', { verb: 'check', args: { subject: 'ftpes://10.20.0.5', adhoc: true } }],
    ['Runbook too-many-connections  prod-ftp', { verb: 'runbook', args: { query: 'too-many-connections', target: 'prod-ftp' } }],
    ['mute prod-ftp 2h', { verb: 'mute', args: { target: 'prod-ftp', minutes: 120 } }],
    ['status', { verb: 'status', args: {} }],
  ])('%j', (text, expected) => {
    expect(parsed(text)).toEqual(expected);
  });

  it('explain takes the whole pasted text, up to 4,000 characters, however long the words', () => {
    const log = Array.from({ length: 300 }, (_, i) => `Status: line ${i}`).join('\n');
    const p = parsed(`explain ${log}`);
    expect(p).toMatchObject({ verb: 'explain' });
    const query = (p as { args: { query: string } }).args.query;
    expect(query).toBe(log.slice(0, 4_000).trimEnd());
    expect(query.split('\n').length).toBeGreaterThan(200);
    // A cut that would end in whitespace leaves none (found by test/fuzz.test.ts).
    const spaced = parsed(`explain ${'\u0000 '.repeat(3_000)}`) as { args: { query: string } };
    expect(spaced.args.query).toBe(spaced.args.query.trim());
  });

  it.each([
    ['check', /which target/],
    ['check a b', /which target/],
    ['check http://evil.example', /not a target name/],
    ['explain', /what to explain/],
    ['explain   \n  ', /what to explain/],
    ['reboot the server', /unknown command 'reboot'/],
    ['runbook auth.failed', /which runbook .* and which target/],
    ['runbook <x> prod-ftp', /which runbook/],
    ['mute prod-ftp 8d', /up to 7 days/],
    ['mute prod-ftp 10081m', /up to 7 days/],
    ['x'.repeat(10_000), /unknown command/],
  ])('%j gets help with a reason', (text, problem) => {
    const p = parsed(text);
    expect('problem' in p && p.problem).toMatch(problem);
  });
});
