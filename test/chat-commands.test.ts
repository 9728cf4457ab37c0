import { describe, expect, it } from 'vitest';
import { parseCommand } from '../src/bot/commands.js';

describe('parseCommand', () => {
  it.each([
    ['check prod-sftp', { kind: 'check', target: 'prod-sftp' }],
    ['  CHECK   prod-sftp  ', { kind: 'check', target: 'prod-sftp' }],
    ['explain 530', { kind: 'explain', query: '530' }],
    ['targets', { kind: 'targets' }],
    ['help', { kind: 'help' }],
    ['', { kind: 'help' }],
    ['runbook auth.failed prod-ftp', { kind: 'runbook', query: 'auth.failed', target: 'prod-ftp' }],
    ['check sftp://files.partner.example:2222', { kind: 'check', target: 'sftp://files.partner.example:2222', adhoc: true }],
    ['check <ftpes://10.20.0.5|ftpes://10.20.0.5>', { kind: 'check', target: 'ftpes://10.20.0.5', adhoc: true }],
    ['Runbook too-many-connections  prod-ftp', { kind: 'runbook', query: 'too-many-connections', target: 'prod-ftp' }],
  ])('%j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each([
    ['check', /which target/],
    ['check a b', /which target/],
    ['check http://evil.example', /not a target name/],
    ['explain', /what to explain/],
    ['reboot the server', /unknown command 'reboot'/],
    ['runbook auth.failed', /which runbook .* and which target/],
    ['runbook <x> prod-ftp', /which runbook/],
    ['x'.repeat(10_000), /unknown command/],
  ])('%j gets help with a reason', (text, problem) => {
    const command = parseCommand(text);
    expect(command.kind).toBe('help');
    expect(command.kind === 'help' && command.problem).toMatch(problem);
  });
});
