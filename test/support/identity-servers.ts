// Daemons of the identity tests' own, on ports reserved for them (control 22150-22159, passive
// 30950-30974), in a temporary directory the test can change under them: an OpenSSH sshd whose
// host keys can be regenerated (then SIGHUP), and a vsftpd whose certificate can be re-issued
// (then restarted). They use the testbed's user, PAM service, test CA and authorised keys.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTestbed } from './testbed.js';

export const IDENTITY_SSHD_PORT = 22150;
export const IDENTITY_VSFTPD_PORT = 22151;
const PASV: [number, number] = [30950, 30974];

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function waitPort(port: number, listening: boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (open === listening) return;
    if (Date.now() > deadline) throw new Error(`port ${port} still ${open ? 'listening' : 'closed'} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The OpenSSH fingerprint of a public key file, as ssh-keygen prints it. */
export function fingerprintOf(pubFile: string): string {
  return run('ssh-keygen', ['-lf', pubFile]).split(/\s+/)[1]!;
}

export class IdentitySshd {
  readonly dir = mkdtempSync(join(tmpdir(), 'ftpops-identity-sshd-'));
  readonly logFile = join(this.dir, 'sshd.log');
  private proc: ChildProcess | undefined;
  private extra: string[] = [];

  keyFile(type: 'ed25519' | 'ecdsa'): string {
    return join(this.dir, `ssh_host_${type}_key`);
  }

  /** A new key of this type (the old one is gone). */
  regenerate(type: 'ed25519' | 'ecdsa'): void {
    rmSync(this.keyFile(type), { force: true });
    rmSync(`${this.keyFile(type)}.pub`, { force: true });
    run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `identity test ${type}`, '-f', this.keyFile(type)]);
  }

  fingerprint(type: 'ed25519' | 'ecdsa'): string {
    return fingerprintOf(`${this.keyFile(type)}.pub`);
  }

  async start(): Promise<void> {
    this.regenerate('ed25519');
    this.regenerate('ecdsa');
    const cfg = this.writeConfig();
    mkdirSync('/run/sshd', { recursive: true });
    this.proc = spawn('/usr/sbin/sshd', ['-D', '-f', cfg, '-E', this.logFile], { stdio: 'ignore' });
    await waitPort(IDENTITY_SSHD_PORT, true);
  }

  /** Extra sshd_config lines (e.g. weaker Ciphers), then a reload. */
  async reconfigure(extra: string[]): Promise<void> {
    this.extra = extra;
    this.writeConfig();
    await this.reload();
  }

  private writeConfig(): string {
    const tb = loadTestbed();
    const cfg = join(this.dir, 'sshd_config');
    writeFileSync(
      cfg,
      [
        'ListenAddress 127.0.0.1',
        `Port ${IDENTITY_SSHD_PORT}`,
        `HostKey ${this.keyFile('ed25519')}`,
        `HostKey ${this.keyFile('ecdsa')}`,
        'PidFile none',
        `AuthorizedKeysFile ${tb.dir}/authorized_keys/%u`,
        'PasswordAuthentication yes',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'UseDNS no',
        // DEBUG1 logs every "userauth-request …": the proof that no credential was offered.
        'LogLevel DEBUG1',
        'MaxStartups 100:30:200',
        'Subsystem sftp internal-sftp',
        ...this.extra,
        '',
      ].join('\n'),
    );
    run('/usr/sbin/sshd', ['-t', '-f', cfg]);
    return cfg;
  }

  /** sshd re-executes itself on SIGHUP and reads its host keys anew. */
  async reload(): Promise<void> {
    this.proc!.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 300));
    await waitPort(IDENTITY_SSHD_PORT, true);
  }

  logMark(): number {
    return existsSync(this.logFile) ? readFileSync(this.logFile).length : 0;
  }

  logSince(mark: number): string {
    return readFileSync(this.logFile).subarray(mark).toString('utf8');
  }

  async stop(): Promise<void> {
    this.proc?.kill('SIGTERM');
    await waitPort(IDENTITY_SSHD_PORT, false).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class IdentityVsftpd {
  readonly dir = mkdtempSync(join(tmpdir(), 'ftpops-identity-vsftpd-'));
  readonly logFile = join(this.dir, 'vsftpd.log');
  /** Both CAs: the testbed's and one of our own, as the target's `ca:` bundle. */
  readonly caBundle = join(this.dir, 'ca-bundle.pem');
  private proc: ChildProcess | undefined;
  private serial = 0x5000 + Math.floor(Math.random() * 0x1000);

  constructor() {
    const tb = loadTestbed();
    // Another CA, trusted through the bundle: the "issued by another CA" case.
    run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/O=ftpops identity test/CN=other test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', join(this.dir, 'other-ca.key'), '-out', join(this.dir, 'other-ca.crt')]);
    writeFileSync(this.caBundle, readFileSync(tb.caFile, 'utf8') + readFileSync(join(this.dir, 'other-ca.crt'), 'utf8'));
    run('openssl', ['genrsa', '-out', join(this.dir, 'server.key'), '2048']);
  }

  /** A certificate for 127.0.0.1 from the testbed CA or the other one: same subject and names, a new serial. */
  issue(ca: 'testbed' | 'other', days = 30): void {
    const tb = loadTestbed();
    const [caCrt, caKey] = ca === 'testbed' ? [tb.caFile, join(tb.dir, 'certs', 'ca.key')] : [join(this.dir, 'other-ca.crt'), join(this.dir, 'other-ca.key')];
    const csr = join(this.dir, 'server.csr');
    run('openssl', ['req', '-new', '-key', join(this.dir, 'server.key'), '-subj', '/O=ftpops testbed/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-out', csr]);
    this.serial += 1;
    run('openssl', ['x509', '-req', '-in', csr, '-CA', caCrt, '-CAkey', caKey, '-set_serial', String(this.serial), '-days', String(days), '-copy_extensions', 'copy', '-out', join(this.dir, 'server.crt')]);
  }

  /**
   * weak: TLS 1.2 at most with a CBC / SHA-1 suite, through an OpenSSL configuration of its own
   * (vsftpd has no switch for TLS 1.3): what a downgrade looks like.
   */
  async start(options: { weak?: boolean } = {}): Promise<void> {
    const tb = loadTestbed();
    const cfg = join(this.dir, 'vsftpd.conf');
    const opensslConf = join(this.dir, 'openssl-weak.cnf');
    writeFileSync(opensslConf, ['openssl_conf = default_conf', '[default_conf]', 'ssl_conf = ssl_sect', '[ssl_sect]', 'system_default = system_default_sect', '[system_default_sect]', 'MaxProtocol = TLSv1.2', 'CipherString = ECDHE-RSA-AES128-SHA', ''].join('\n'));
    writeFileSync(
      cfg,
      [
        'listen=YES', 'listen_ipv6=NO', 'listen_address=127.0.0.1', `listen_port=${IDENTITY_VSFTPD_PORT}`, 'background=NO',
        'anonymous_enable=NO', 'local_enable=YES', 'write_enable=YES', 'pam_service_name=ftpops-testbed', 'userlist_enable=NO',
        'tcp_wrappers=NO', 'delay_failed_login=0', 'delay_successful_login=0', `pasv_min_port=${PASV[0]}`, `pasv_max_port=${PASV[1]}`,
        'pasv_address=127.0.0.1', `secure_chroot_dir=${tb.dir}/run/empty`, 'seccomp_sandbox=NO', 'use_localtime=NO',
        // Every command of a session, USER and PASS included, goes to the log: the proof none was sent.
        `vsftpd_log_file=${this.logFile}`, 'log_ftp_protocol=YES', 'dual_log_enable=NO', 'xferlog_enable=YES',
        'ssl_enable=YES', 'allow_anon_ssl=NO', 'force_local_logins_ssl=NO', 'force_local_data_ssl=NO', 'require_ssl_reuse=NO',
        `rsa_cert_file=${join(this.dir, 'server.crt')}`, `rsa_private_key_file=${join(this.dir, 'server.key')}`,
        ...(options.weak ? ['ssl_ciphers=ECDHE-RSA-AES128-SHA'] : []), '',
      ].join('\n'),
      { mode: 0o644 },
    );
    this.proc = spawn('/usr/sbin/vsftpd', [cfg], { stdio: 'ignore', env: { ...process.env, ...(options.weak ? { OPENSSL_CONF: opensslConf } : {}) } });
    await waitPort(IDENTITY_VSFTPD_PORT, true);
  }

  async restart(options: { weak?: boolean } = {}): Promise<void> {
    await this.halt();
    await this.start(options);
  }

  private async halt(): Promise<void> {
    this.proc?.kill('SIGTERM');
    await waitPort(IDENTITY_VSFTPD_PORT, false).catch(() => undefined);
  }

  logMark(): number {
    return existsSync(this.logFile) ? readFileSync(this.logFile).length : 0;
  }

  logSince(mark: number): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile).subarray(mark).toString('utf8') : '';
  }

  async stop(): Promise<void> {
    await this.halt();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
