// Smoke test of the test set-up itself: every daemon in .testbed/testbed.json accepts TCP on
// loopback and greets the way its kind does. Plain node:net, no product code.
import { describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { existsSync } from 'node:fs';
import { loadTestbed, type TestbedServer } from './support/testbed.js';

const tb = loadTestbed();

/** Connects and returns the first line the server sends (implicit-TLS servers send nothing in clear). */
function firstLine(s: TestbedServer, waitMs = 3_000): Promise<{ line: string | null; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(s.port, s.host);
    let buf = '';
    let closed = false;
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      const nl = buf.indexOf('\n');
      resolve({ line: nl >= 0 ? buf.slice(0, nl).replace(/\r$/, '') : buf || null, closed });
    };
    const timer = setTimeout(done, waitMs);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      buf += d;
      if (buf.includes('\n')) done();
    });
    socket.on('end', () => {
      closed = true;
      done();
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

describe('testbed', () => {
  it('describes every server the tests rely on', () => {
    expect(Object.keys(tb.servers).sort()).toEqual(
      [
        'vsftpd-main', 'vsftpd-full', 'vsftpd-forcessl', 'vsftpd-readonly', 'vsftpd-implicit', 'vsftpd-expired',
        'vsftpd-wrongname', 'vsftpd-nossl', 'vsftpd-reuse', 'vsftpd-oops', 'vsftpd-natpasv',
        'vsftpd-clientcert', 'vsftpd-nopasv', 'vsftpd-chroot',
        'pure-ftpd', 'pure-ftpd-full', 'sshd-main', 'sshd-nosftp', 'sshd-badkex', 'sshd-weak', 'sshd-maxstartups',
        'proftpd-main', 'proftpd-full', 'proftpd-perhost', 'proftpd-sftp',
      ].sort(),
    );
    expect(tb.password).toMatch(/^[0-9a-f]{24}$/);
    for (const f of [tb.privateKeyFile, tb.publicKeyFile, tb.caFile, tb.caSignedCertFile, tb.expiredCertFile, tb.wrongNameCertFile, tb.fullDiskDir]) {
      expect(existsSync(f), f).toBe(true);
    }
    const ports = Object.values(tb.servers).map((s) => s!.port);
    expect(new Set(ports).size).toBe(ports.length);
  });

  describe.concurrent.each(Object.entries(tb.servers).map(([name, s]) => ({ name, s: s! })))('$name', ({ name, s }) => {
    it('listens on loopback and greets', async () => {
      expect(s.host).toBe('127.0.0.1');
      expect(existsSync(s.logFile)).toBe(true);
      if (s.kind === 'sshd' || name === 'proftpd-sftp') {
        expect(s.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
        const { line } = await firstLine(s);
        expect(line).toMatch(s.kind === 'sshd' ? /^SSH-2\.0-OpenSSH_/ : /^SSH-2\.0-mod_sftp$/);
        return;
      }
      expect(s.pasvRange?.[1]).toBeGreaterThan(s.pasvRange?.[0] ?? Infinity);
      if (s.tls === 'implicit') {
        // TLS from the first byte: the server waits for a ClientHello and says nothing in clear.
        const { line, closed } = await firstLine(s, 500);
        expect(line).toBeNull();
        expect(closed).toBe(false);
        return;
      }
      const { line } = await firstLine(s);
      if (name === 'vsftpd-oops') expect(line).toMatch(/^500 OOPS: /);
      else if (s.kind === 'pure-ftpd') expect(line).toMatch(/^220-/); // multi-line banner
      else if (s.kind === 'proftpd') expect(line).toMatch(/^220 ProFTPD Server \(ftpops testbed proftpd-/);
      else expect(line).toMatch(/^220 \(vsFTPd 3\.\d+\.\d+\)$/);
    });
  });
});
