// The round trip never leaves a file (issue 14, item 8): an upload into a full disk fails, and the
// 0-byte canary each of these servers creates at STOR / SSH_FXP_OPEN is deleted all the same.
import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTestbed, type Testbed } from './support/testbed.js';
import { checkJson } from './support/run-cli.js';

let tb: Testbed;
const pw = () => ({ env: { FTPOPS_TEST_PW: tb.password } });
const auth = ['--password-env', 'FTPOPS_TEST_PW'];
const canaries = () => readdirSync(tb.fullDiskDir).filter((n) => n.startsWith('.ftpops-canary-'));

beforeAll(() => {
  tb = loadTestbed();
});

describe('a failed upload into a full disk leaves no canary', () => {
  // One at a time: they share the full disk, and "nothing left" is read from its listing.
  it.each<[string, string, 'ftp' | 'sftp']>([
    ['vsftpd', 'vsftpd-main', 'ftp'],
    ['ProFTPD', 'proftpd-main', 'ftp'],
    ['OpenSSH', 'sshd-main', 'sftp'],
    ['ProFTPD mod_sftp', 'proftpd-sftp', 'sftp'],
  ])('%s', async (_daemon, server, scheme) => {
    const port = tb.servers[server]!.port;
    const args = scheme === 'ftp'
      ? [`ftp://${tb.user}@127.0.0.1:${port}`, '--path', 'full']
      : [`sftp://${tb.user}@127.0.0.1:${port}${tb.fullDiskDir}`];
    expect(canaries()).toEqual([]);
    const { report } = await checkJson([...args, ...auth, '--write'], pw());
    expect(report.ok).toBe(false);
    expect(report.finding?.stage).toBe('transfer');
    expect(report.warnings.map((w) => w.code)).not.toContain('fs.canary_left');
    expect(canaries()).toEqual([]);
  });
});
