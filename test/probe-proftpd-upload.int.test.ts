// ProFTPD refusing an upload into a read-only folder (issue 14, item 3): the control connection
// says "550 <file>: Permission denied" while ProFTPD resets the pending data connection.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTestbed, type Testbed } from './support/testbed.js';
import { checkJson } from './support/run-cli.js';

let tb: Testbed;

beforeAll(() => {
  tb = loadTestbed();
});

describe('ProFTPD refusing an upload', () => {
  it('into a read-only folder: the control reply (550 Permission denied) wins over the data reset', async () => {
    // ProFTPD answers STOR with 550 and closes its passive listener, resetting the data connection
    // the client has already opened; the reset used to be reported first (data.aborted), every time.
    for (let i = 0; i < 2; i++) {
      const { report } = await checkJson([`ftp://${tb.user}@127.0.0.1:${tb.servers['proftpd-main']!.port}`, '--password-env', 'FTPOPS_TEST_PW', '--path', 'readonly', '--write'], { env: { FTPOPS_TEST_PW: tb.password } });
      expect(report.finding).toMatchObject({ code: 'fs.permission_denied', stage: 'transfer', reply: { code: 550 } });
      expect(report.finding?.reply?.text).toMatch(/\.ftpops-canary-.*: Permission denied$/);
      expect(report.warnings.map((w) => w.code)).not.toContain('fs.canary_left');
    }
  });
});
