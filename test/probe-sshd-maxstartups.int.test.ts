// sshd at MaxStartups (issue 14, item 7): "Exceeded MaxStartups\r\n", then close. That is SSH
// turning the connection away for capacity, said in words, not an unknown protocol in hex.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTestbed, logMark, logSince, type Testbed } from './support/testbed.js';
import { checkJson } from './support/run-cli.js';
import { type HeldConnection, holdConnection } from './support/held-connection.js';

let tb: Testbed;
let held: HeldConnection;

beforeAll(async () => {
  tb = loadTestbed();
  // MaxStartups 1:100:1: one unauthenticated connection, held open without a word, fills it.
  held = await holdConnection(tb.servers['sshd-maxstartups']!.port);
  await held.waitFor(/^SSH-2\.0-/);
});
afterAll(() => held.close());

describe('sshd-maxstartups', () => {
  it('a second connection → ssh.unavailable with the server\'s words, as text', async () => {
    const mark = logMark('sshd-maxstartups');
    const { report, code } = await checkJson([`sftp://${tb.user}@127.0.0.1:${tb.servers['sshd-maxstartups']!.port}`, '--password-env', 'FTPOPS_TEST_PW'], { env: { FTPOPS_TEST_PW: tb.password } });
    expect(code).toBe(1);
    expect(report.finding).toMatchObject({ code: 'ssh.unavailable', stage: 'greet', layer: 'ssh', reply: { text: 'Exceeded MaxStartups' } });
    expect(report.finding?.runbook).toBe('too-many-connections');
    expect(report.finding?.causes.join(' ')).toMatch(/PerSourceMaxStartups/);
    expect(logSince('sshd-maxstartups', mark).join('\n')).toMatch(/past MaxStartups/);
  });
});
