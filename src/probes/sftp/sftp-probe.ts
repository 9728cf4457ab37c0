// SFTP over SSH-2 with ssh2. ssh2 reports progress as events (handshake, ready) on one
// connection; each stage below waits for its milestone, so stages keep their own deadlines and
// timings just like the step-by-step FTP probe.
import type { Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { ConnectConfig, NegotiatedAlgorithms, SFTPWrapper } from 'ssh2';
import type { ProbeFacts } from '../probe.js';
import type { ProbeContext } from '../probe-context.js';
import { SignalError } from '../failure-signal.js';
import type { TextCleaner } from '../server-text.js';
import { WireWatch } from '../wire-watch.js';
import { identifySilentPort, reportForeignIfSilent } from '../identify-silent-port.js';
import { softwareFromBanner } from '../server-software.js';
import { canaryPayload, sha256 } from '../canary.js';
import { Milestones } from './milestones.js';
import { readRemote, writeRemote, sftpCall } from './sftp-calls.js';
import { hostKeyOf, hostKeyRefusal, openSshFingerprint, presentedKeys } from './host-keys.js';
import { readFolderInBatches } from './read-folder.js';

export { openSshFingerprint };

/** How long a mismatch may spend asking what the server presents for its other key types. */
const OTHER_KEYS_MS = 3_000;
/** How long the close stage waits for OpenSSH's proven host key list when it has not come yet. */
const HOSTKEYS_WAIT_MS = 300;

const { Client } = ssh2;

export async function runSftpProbe(ctx: ProbeContext, socket: Socket): Promise<void> {
  const { req, runner, facts, clean } = ctx;
  const conn = new Client();
  const milestones = new Milestones();
  const watch = new WireWatch(socket, { expects: 'ssh', clean });
  let pinnedMismatch: string | undefined;
  facts.ssh = {};
  const ssh = facts.ssh;

  // Listen with .on, never .once: ssh2 can emit a second error (e.g. client-timeout then
  // protocol) and an unhandled one would kill the process.
  conn.on('error', (err) => milestones.fail(pinnedMismatch ? hostKeyMismatch(pinnedMismatch) : err));
  conn.on('close', () => milestones.fail(Object.assign(new Error('SSH connection closed by the server'), { code: 'ECONNRESET' })));
  conn.on('handshake', (negotiated: NegotiatedAlgorithms) => {
    ssh.kex = negotiated.kex;
    ssh.hostKeyAlgorithm = negotiated.serverHostKey;
    ssh.cipher = negotiated.cs.cipher;
    // AEAD ciphers (…-gcm, chacha20-poly1305) carry their own integrity: no separate MAC.
    if (negotiated.cs.mac) ssh.mac = negotiated.cs.mac;
    ssh.compression = negotiated.cs.compress;
    milestones.reach('handshake');
  });
  conn.on('ready', () => milestones.reach('ready'));
  // OpenSSH announces all its host keys after login (hostkeys-00@openssh.com); ssh2 asks for and
  // checks the server's proof of each (hostkeys-prove-00) whether or not anyone listens, so this
  // costs no extra connection. Measured against OpenSSH 9 on loopback (20 checks): the list had
  // always arrived by the close stage (close median 0.2 ms, no wait), check median 55 ms. The
  // alternative, one key-exchange-only connection per key type, costs ~26 ms for two types in
  // parallel; it is used only after a mismatch, when no login may happen (host-keys.ts).
  conn.on('hostkeys', (keys) => {
    ssh.hostKeys = keys.map((k) => hostKeyOf(k.getPublicSSH()));
    milestones.reach('hostkeys');
  });

  const config: ConnectConfig = {
    // The connected socket: ssh2 opens no connection of its own (and never sees the host name).
    sock: socket,
    username: req.user ?? 'anonymous',
    // The stage runner owns every deadline.
    readyTimeout: 2_147_483_647,
    keepaliveInterval: 0,
    // Offer legacy algorithms last, so a server that only has them is reported as a
    // ssh.weak_algorithms warning instead of failing key exchange.
    algorithms: {
      kex: { append: [/./] },
      cipher: { append: [/./] },
      hmac: { append: [/./] },
      serverHostKey: { append: [/./] },
    } as unknown as ConnectConfig['algorithms'],
    // Called during key exchange, before any credential is sent: a refusal here means the
    // server never sees the user's password or key.
    hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
      const seen = hostKeyOf(key);
      ssh.hostKeyFingerprint = seen.fingerprint;
      ssh.hostKeyType = seen.type;
      const refusal = hostKeyRefusal(req, seen);
      if (!refusal) return verify(true);
      pinnedMismatch = `${seen.fingerprint}:${refusal}`;
      const others = [...new Set((req.expectedHostKeys ?? []).map((k) => k.type))].filter((t) => t !== seen.type);
      if (!others.length) return verify(false);
      void presentedKeys(ctx.address, req.port, others, OTHER_KEYS_MS).then((keys) => {
        ssh.otherKeys = keys;
        verify(false);
      });
    },
    ...(req.password !== undefined ? { password: req.password } : {}),
    ...(req.privateKey ? { privateKey: req.privateKey } : {}),
    ...(req.passphrase !== undefined ? { passphrase: req.passphrase } : {}),
  };

  let sftp: SFTPWrapper | undefined;
  try {
    conn.connect(config);
    ssh.identification = await runner.run('greet', () => awaitIdentification(ctx, watch, milestones, socket), (id) => id);
    facts.banner = ssh.identification;
    facts.software = softwareFromBanner(ssh.identification);

    await runner.run('secure', () => milestones.wait('handshake'), () =>
      `${ssh.kex}, ${ssh.hostKeyAlgorithm} ${ssh.hostKeyFingerprint ?? ''}, ${ssh.cipher}`);

    facts.loginUser = config.username;
    sftp = await runner.run('login', async () => {
      await milestones.wait('ready');
      return openSftp(conn, clean);
    }, () => `${config.username} authenticated, sftp subsystem open`);

    const channel = sftp;
    let cwd = '.';
    await runner.run('list', async () => {
      // realpath's answer is the server's text: what is shown is cleaned, what is used is the path as sent.
      cwd = await sftpCall<string>((cb) => channel.realpath(req.path ?? '.', cb));
      facts.cwd = clean(cwd);
      if (req.listing) {
        facts.entries = await readFolderInBatches(channel, cwd, req.listing);
        return facts.entries;
      }
      const entries = await sftpCall<unknown[]>((cb) => channel.readdir(cwd, cb));
      facts.entries = entries.length;
      return entries.length;
    }, (n) => `${facts.cwd} — ${n} entr${n === 1 ? 'y' : 'ies'}`);

    if (req.write) {
      await runner.run('transfer', () => roundTrip(ctx, channel, cwd), (n) => `${n} bytes up and down, SHA-256 matches`);
    } else {
      runner.skip('transfer', 'read-only check (use --write for an upload/download round trip)');
    }

    await runner.run('close', async () => {
      if (!ssh.hostKeys && /openssh/i.test(ssh.identification ?? '')) await Promise.race([milestones.wait('hostkeys'), delay(HOSTKEYS_WAIT_MS)]).catch(() => undefined);
      channel.end();
      conn.end();
      return 'closed';
    }, (s) => s).catch(() => undefined);
  } finally {
    watch.release();
    // A failure after the identification arrived (e.g. key exchange) still shows who answered.
    if (watch.identification && !ssh.identification) {
      ssh.identification = watch.identification;
      facts.banner = watch.identification;
      facts.software = softwareFromBanner(watch.identification);
    }
    conn.removeAllListeners('close');
    conn.on('error', () => undefined);
    conn.destroy();
  }
}

async function awaitIdentification(ctx: ProbeContext, watch: WireWatch, milestones: Milestones, socket: Socket): Promise<string> {
  // ssh2 sends its own identification first; a server that never answers may be a TLS or
  // HTTP port waiting for something else (asked at the address already checked, never the name).
  const cancel = reportForeignIfSilent(() => watch.silent && !socket.destroyed, ctx.address, ctx.req.port, 'SSH identification', (err) => milestones.fail(err));
  try {
    await Promise.race([watch.verdict, milestones.wait('failure-only')]);
    // The verdict is in as soon as "SSH-" arrives; the line itself may still be on its way.
    while (!watch.identification) await Promise.race([milestones.wait('handshake'), delay(5)]);
    // Past the identification everything is binary SSH packets: stop looking at them.
    watch.release();
    return watch.identification;
  } catch (err) {
    // What the server said before it hung up explains the hang-up.
    if (watch.signal) throw new SignalError(watch.signal);
    if (watch.silent && !(err instanceof SignalError)) {
      // Hung up without a byte: a TLS server (an FTPS or HTTPS port) drops a client whose first
      // bytes are "SSH-2.0-…". Ask the port, as for a silent FTP port, on connections of its own.
      const speaks = await identifySilentPort(ctx.address, ctx.req.port, 2_000);
      if (speaks) {
        throw new SignalError({
          source: 'protocol',
          key: `mismatch:${speaks}`,
          speaks,
          stage: 'greet',
          message: `the port hung up on the SSH identification and answers ${speaks === 'tls' ? 'a TLS handshake (an FTPS or HTTPS port?)' : 'HTTP'}`,
        });
      }
    }
    throw err;
  } finally {
    cancel();
  }
}

function openSftp(conn: InstanceType<typeof Client>, clean: TextCleaner): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    conn.sftp((err, sftp) => {
      if (err) {
        // ssh2: "Unable to start subsystem: sftp" when the server has no (working) Subsystem sftp.
        const text = clean(err.message);
        reject(new SignalError({ source: 'ssh', key: 'subsystem-failed', stage: 'login', reply: { text }, message: text }));
      } else resolve(sftp);
    });
  });
}

async function roundTrip(ctx: ProbeContext, sftp: SFTPWrapper, cwd: string): Promise<number> {
  const { facts } = ctx;
  const { name, payload } = canaryPayload();
  const path = `${cwd === '/' ? '' : cwd}/${name}`;
  // From the moment the open may have created the file, it is ours to delete, whatever happens
  // next: a full disk leaves a 0-byte file (OpenSSH and mod_sftp create it at SSH_FXP_OPEN).
  let started = false;
  let removed = false;
  try {
    started = true;
    await writeRemote(sftp, path, payload);
    const back = await readRemote(sftp, path);
    await sftpCall<void>((cb) => sftp.unlink(path, cb));
    removed = true;
    if (sha256(back) !== sha256(payload)) {
      throw new SignalError({ source: 'check', key: 'checksum_mismatch', stage: 'transfer', message: `uploaded ${payload.length} bytes but read back ${back.length} bytes with another SHA-256` });
    }
    facts.transfer = { bytes: payload.length, sha256: sha256(payload) };
    return payload.length;
  } finally {
    if (started && !removed) {
      const left = await removeLeftover(ctx, sftp, path);
      if (left) facts.canaryLeft = left;
    }
  }
}

/** Deletes the canary if it is there; undefined when nothing is left, else why it may be. */
async function removeLeftover(ctx: ProbeContext, sftp: SFTPWrapper, path: string): Promise<string | undefined> {
  const NO_SUCH_FILE = 2;
  let refusal: string;
  try {
    await sftpCall<void>((cb) => sftp.unlink(path, cb));
    return undefined;
  } catch (err) {
    if ((err as { code?: unknown }).code === NO_SUCH_FILE) return undefined;
    refusal = ctx.clean((err as Error).message);
  }
  try {
    const stats = await sftpCall<{ size: number }>((cb) => sftp.stat(path, cb));
    return `${ctx.clean(path)} (${stats.size} bytes) could not be deleted: ${refusal}`;
  } catch (err) {
    if ((err as { code?: unknown }).code === NO_SUCH_FILE) return undefined;
    return `${ctx.clean(path)} may be left behind: the delete failed (${refusal})`;
  }
}

/** `mismatch` is "<fingerprint seen>:<what was expected, in words>". */
function hostKeyMismatch(mismatch: string): SignalError {
  const cut = mismatch.indexOf(':', 'SHA256:'.length);
  const seen = mismatch.slice(0, cut);
  return new SignalError({
    source: 'check',
    key: 'hostkey_mismatch',
    stage: 'secure',
    reply: { text: `server presented ${seen}` },
    message: `host key ${seen} is not ${mismatch.slice(cut + 1)}`,
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
