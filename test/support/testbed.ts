// The real daemons of scripts/testbed.sh, as described by .testbed/testbed.json (written by
// `testbed.sh start`, which the integration project's global set-up runs).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const TESTBED_DIR = process.env.FTPOPS_TESTBED_DIR ?? fileURLToPath(new URL('../../.testbed', import.meta.url));
export const TESTBED_JSON = `${TESTBED_DIR}/testbed.json`;

export type ServerKind = 'vsftpd' | 'sshd' | 'pure-ftpd' | 'proftpd';

/** The names tests rely on; every one is started by `testbed.sh start`. */
export type ServerName =
  | 'vsftpd-main' | 'vsftpd-full' | 'vsftpd-forcessl' | 'vsftpd-readonly' | 'vsftpd-implicit'
  | 'vsftpd-expired' | 'vsftpd-wrongname' | 'vsftpd-nossl' | 'vsftpd-reuse' | 'vsftpd-oops'
  | 'vsftpd-natpasv' | 'vsftpd-clientcert' | 'vsftpd-nopasv' | 'vsftpd-chroot' | 'pure-ftpd' | 'pure-ftpd-full'
  | 'sshd-main' | 'sshd-nosftp' | 'sshd-badkex' | 'sshd-weak' | 'sshd-maxstartups'
  | 'proftpd-main' | 'proftpd-full' | 'proftpd-perhost' | 'proftpd-sftp';

export interface TestbedServer {
  host: '127.0.0.1';
  port: number;
  kind: ServerKind;
  pid: number;
  /** vsftpd: vsftpd_log_file (log_ftp_protocol=YES) + start-up errors; sshd: `-E` log (LogLevel VERBOSE); pure-ftpd: its syslog lines; proftpd: SystemLog (+ TLSLog / SFTPLog). */
  logFile: string;
  /** FTP servers: the passive port range [lo, hi]. */
  pasvRange?: [number, number];
  /** FTP servers: how TLS is offered: `AUTH TLS` on the control port, TLS from the first byte, or not at all. */
  tls?: 'explicit' | 'implicit' | 'none';
  /** FTP servers: the address the server advertises in its PASV reply (vsftpd-natpasv: 10.255.255.1 — never connect to it). */
  pasvAddress?: string;
  /** FTP servers with TLS: the certificate the server presents. */
  certFile?: string;
  /** vsftpd, proftpd: the wu-ftpd style transfer log. */
  xferLogFile?: string;
  configFile?: string;
  /** sshd: OpenSSH form, `SHA256:` + unpadded base64. */
  hostKeyFingerprint?: string;
  hostKeyAlgorithm?: 'ssh-ed25519' | 'ssh-rsa';
}

export interface Testbed {
  dir: string;
  startedAt: string;
  user: string;
  password: string;
  passwordFile: string;
  homeDir: string;
  /** ed25519, no passphrase, authorised for `user` on every sshd. */
  privateKeyFile: string;
  publicKeyFile: string;
  /** The test CA that signed every server certificate. */
  caFile: string;
  /** CA-signed, SANs IP:127.0.0.1 and DNS:localhost, valid 10 years. */
  caSignedCertFile: string;
  caSignedKeyFile: string;
  /** CA-signed, valid 2020-01-01 .. 2021-01-01. */
  expiredCertFile: string;
  /** CA-signed, SAN DNS:other.example only. */
  wrongNameCertFile: string;
  /**
   * A 64 KiB tmpfs in the user's home, filled to the last block (mounted by `testbed.sh start`,
   * unmounted by `stop`): every upload into it hits ENOSPC. Beside it in the home: `readonly`
   * (the user's, mode 0555) and `locked` (root's, 0700).
   */
  fullDiskDir: string;
  servers: Record<ServerName, TestbedServer> & Record<string, TestbedServer | undefined>;
}

let cached: Testbed | undefined;

export function loadTestbed(): Testbed {
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(TESTBED_JSON, 'utf8');
  } catch (err) {
    throw new Error(
      `${TESTBED_JSON} is missing (${(err as NodeJS.ErrnoException).code}): the daemons are not running. ` +
        `Run the integration tests through vitest (its global set-up starts them) or 'bash scripts/testbed.sh install && bash scripts/testbed.sh start'.`,
    );
  }
  cached = JSON.parse(text) as Testbed;
  return cached;
}

export function server(name: ServerName): TestbedServer {
  const s = loadTestbed().servers[name];
  if (!s) throw new Error(`testbed has no server '${name}'`);
  return s;
}

export type Scheme = 'ftp' | 'ftpes' | 'ftps' | 'sftp';

/** `scheme://user@127.0.0.1:port[path]` for a testbed server; never carries the password. */
export function url(name: ServerName, scheme: Scheme, options: { user?: string | false; path?: string } = {}): string {
  const s = server(name);
  const user = options.user === false ? '' : `${encodeURIComponent(options.user ?? loadTestbed().user)}@`;
  return `${scheme}://${user}${s.host}:${s.port}${options.path ?? ''}`;
}

/** The lines a daemon's log gained since `mark` (from `logMark`), to assert on server-side evidence. */
export function logMark(name: ServerName): number {
  try {
    return readFileSync(server(name).logFile).length;
  } catch {
    return 0;
  }
}

export function logSince(name: ServerName, mark: number): string[] {
  const buf = readFileSync(server(name).logFile);
  return buf.subarray(mark).toString('utf8').split('\n').filter((l) => l.length > 0);
}
