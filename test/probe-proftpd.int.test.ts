// `ftpops check --json` against real ProFTPD 1.3.8 instances (scripts/testbed.sh: proftpd-*).
// Issue 14, items 1-2: ProFTPD's connection limits answer with 530; the text (or the stage) says why.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadTestbed, type Testbed } from './support/testbed.js';
import { checkJson } from './support/run-cli.js';
import { type HeldConnection, holdConnection } from './support/held-connection.js';

let tb: Testbed;
const url = (scheme: string, server: string, path = '') => `${scheme}://${tb.user}@127.0.0.1:${tb.servers[server]!.port}${path}`;
const pw = () => ({ env: { FTPOPS_TEST_PW: tb.password } });
const auth = ['--password-env', 'FTPOPS_TEST_PW'];

beforeAll(() => {
  tb = loadTestbed();
});

describe.concurrent('ProFTPD, healthy', () => {
  it('ftpes:// with the CA passes a round trip and is recognised', async () => {
    const { report, code } = await checkJson([url('ftpes', 'proftpd-main'), ...auth, '--ca', tb.caFile, '--write'], pw());
    expect(report.finding).toBeNull();
    expect(code).toBe(0);
    expect(report.facts.software).toMatch(/^ProFTPD/);
  });

  it('mod_sftp passes a round trip', async () => {
    const { report, code } = await checkJson([url('sftp', 'proftpd-sftp'), ...auth, '--write'], pw());
    expect(report.finding).toBeNull();
    expect(code).toBe(0);
    expect(report.facts.ssh?.identification).toBe('SSH-2.0-mod_sftp');
  });
});

describe('ProFTPD connection limits (530 is not always a login failure)', () => {
  let held: HeldConnection | undefined;
  afterEach(() => {
    held?.close();
    held = undefined;
  });

  it('MaxClients reached: the 530 at PASS is ftp.unavailable, not auth.failed', async () => {
    // MaxClients counts logged-in sessions: hold one.
    held = await holdConnection(tb.servers['proftpd-full']!.port);
    await held.waitFor(/^220 /);
    held.send(`USER ${tb.user}`);
    await held.waitFor(/^331 /);
    held.send(`PASS ${tb.password}`);
    await held.waitFor(/^230 /);
    const { report, code } = await checkJson([url('ftp', 'proftpd-full'), ...auth], pw());
    expect(code).toBe(1);
    expect(report.finding).toMatchObject({ code: 'ftp.unavailable', stage: 'login', reply: { code: 530 } });
    expect(report.finding?.reply?.text).toMatch(/maximum number of allowed clients \(1\) are already connected/);
  });

  it('MaxConnectionsPerHost reached: a 530 greeting is ftp.unavailable, never auth.failed', async () => {
    held = await holdConnection(tb.servers['proftpd-perhost']!.port);
    await held.waitFor(/^220 /);
    const { report, code } = await checkJson([url('ftp', 'proftpd-perhost'), ...auth], pw());
    expect(code).toBe(1);
    expect(report.finding).toMatchObject({ code: 'ftp.unavailable', stage: 'greet', reply: { code: 530 } });
    expect(report.finding?.reply?.text).toMatch(/maximum number of connections \(1\) for your host/);
    expect(report.stages.find((s) => s.name === 'login')?.status).toBe('skipped');
  });
});
