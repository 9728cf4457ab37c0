// `ftpops check --json` against real vsftpd 3.0.3 instances: issue 14, items 4-6 and 11.
// What vsftpd sends here is recorded in test/fixtures/daemon-replies.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTestbed, logMark, logSince, type Testbed } from './support/testbed.js';
import { checkJson } from './support/run-cli.js';
import { type SplitRelay, startSplitRelay } from './support/split-relay.js';

let tb: Testbed;
const url = (scheme: string, server: string, port = tb.servers[server]!.port) => `${scheme}://${tb.user}@127.0.0.1:${port}`;
const pw = () => ({ env: { FTPOPS_TEST_PW: tb.password } });
const auth = ['--password-env', 'FTPOPS_TEST_PW'];
const REASON = /^OOPS: vsftpd: refusing to run with writable root inside chroot\(\)$/;

beforeAll(() => {
  tb = loadTestbed();
});

describe('vsftpd "500 OOPS" after the greeting keeps its reason, however the bytes arrive', () => {
  let relay: SplitRelay;
  beforeAll(async () => {
    relay = await startSplitRelay(tb.servers['vsftpd-chroot']!.port);
  });
  afterAll(() => relay.close());

  it('every reply split after its code ("500 " … "OOPS: …"): the reason is still there', async () => {
    const { report } = await checkJson([url('ftp', 'vsftpd-chroot', relay.port), ...auth], pw());
    expect(report.finding).toMatchObject({ code: 'ftp.server_error', stage: 'login', reply: { code: 500 } });
    expect(report.finding?.reply?.text).toMatch(REASON);
  });

  it('straight from the daemon, several times', async () => {
    const runs = await Promise.all([0, 1, 2].map(() => checkJson([url('ftp', 'vsftpd-chroot'), ...auth], pw())));
    for (const { report } of runs) expect(report.finding?.reply?.text).toMatch(REASON);
  });
});

describe.concurrent('vsftpd "550 Failed to change directory." (missing and forbidden alike)', () => {
  it('a folder that is there but not enterable → fs.permission_denied', async () => {
    const { report } = await checkJson([url('ftp', 'vsftpd-main'), ...auth, '--path', 'locked'], pw());
    expect(report.finding).toMatchObject({ code: 'fs.permission_denied', stage: 'list', reply: { code: 550, text: 'Failed to change directory.' } });
    expect(report.finding?.detail).toMatch(/"locked" is listed in the login directory but cannot be entered/);
  });

  it('a folder that is not there → fs.not_found', async () => {
    const { report } = await checkJson([url('ftp', 'vsftpd-main'), ...auth, '--path', 'no-such-folder'], pw());
    expect(report.finding).toMatchObject({ code: 'fs.not_found', stage: 'list', reply: { code: 550 } });
    expect(report.finding?.detail).toMatch(/does not exist/);
  });

  it('a folder under one that cannot be listed → fs.not_found_or_denied, saying both', async () => {
    // locked (root's, 0700) can be neither entered nor listed by the test user.
    const { report } = await checkJson([url('ftp', 'vsftpd-main'), ...auth, '--path', 'locked/inside'], pw());
    expect(report.finding).toMatchObject({ code: 'fs.not_found_or_denied', stage: 'list', reply: { code: 550 } });
    expect(report.finding?.detail).toMatch(/missing or may not be entered/);
  });
});

describe('vsftpd with pasv_enable=NO', () => {
  it('"550 Permission denied." to PASV → data.connect_failed (passive mode disabled), EPSV tried too', async () => {
    const mark = logMark('vsftpd-nopasv');
    const { report } = await checkJson([url('ftp', 'vsftpd-nopasv'), ...auth], pw());
    expect(report.finding).toMatchObject({ code: 'data.connect_failed', stage: 'list', layer: 'data', reply: { code: 550, text: 'Permission denied.' } });
    expect(report.finding?.detail).toMatch(/passive mode is disabled on the server/);
    expect(report.finding?.causes.join(' ')).toMatch(/pasv_enable=NO/);
    const commands = logSince('vsftpd-nopasv', mark).filter((l) => l.includes('FTP command'));
    expect(commands.some((l) => l.endsWith('"PASV"'))).toBe(true);
    expect(commands.some((l) => l.endsWith('"EPSV"'))).toBe(true);
  });
});

describe.concurrent('vsftpd TLS: what a passing or failing secure stage must say', () => {
  it('--insecure with an untrusted certificate passes, with a tls.unverified warning', async () => {
    const { report, code } = await checkJson([url('ftpes', 'vsftpd-main'), ...auth, '--insecure'], pw());
    expect(code).toBe(0);
    expect(report.warnings.map((w) => w.code)).toEqual(['tls.unverified']);
    expect(report.warnings[0]?.detail).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  });

  it('--insecure with a certificate that verifies: no warning', async () => {
    const { report } = await checkJson([url('ftpes', 'vsftpd-main'), ...auth, '--insecure', '--ca', tb.caFile], pw());
    expect(report.warnings).toEqual([]);
  });

  it('require_cert=YES over TLS 1.3 → tls.client_cert_required at the secure stage, no password sent', async () => {
    const { report } = await checkJson([url('ftpes', 'vsftpd-clientcert'), ...auth, '--ca', tb.caFile], pw());
    expect(report.finding).toMatchObject({ code: 'tls.client_cert_required', stage: 'secure' });
    expect(report.stages.find((s) => s.name === 'secure')?.status).toBe('failed');
    expect(report.stages.find((s) => s.name === 'login')?.status).toBe('skipped');
  });
});
