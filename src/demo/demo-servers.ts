// In-process demo servers, so a new user sees the bot work a minute after cloning, with no real
// FTP server: FTP with explicit FTPS, implicit FTPS and SFTP on 127.0.0.1, a demo user with a
// password made at start, and fault switches (demo-faults.ts) that make them fail on demand.
//
// The password leaves this module only as `passwordEnv` (an environment-style map for the
// caller to merge into the env it resolves targets with); the targets reference it by name,
// exactly like a targets file does, so the usual secret handling applies to the demo as well.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { targetSchema, type TargetConfig } from '../config/targets-file.js';
import { createDemoFaults, type DemoFaults, type FaultId } from './demo-faults.js';
import { startDemoFtp, type CertPair, type DemoFtp } from './demo-ftp.js';
import { generateHostKeys, hostKeyFingerprint, startDemoSftp, type DemoSftp } from './demo-sftp.js';
import { LOOPBACK } from './loopback-listener.js';

export { FAULT_IDS, type DemoFaults, type FaultId, type FaultState } from './demo-faults.js';

export const DEMO_USER = 'demo';
export const DEMO_PASSWORD_ENV = 'FTPOPS_DEMO_PASSWORD';
export const DEMO_DESCRIPTION = 'demo server (in-process, loopback only)';

/**
 * Committed demo-only certificates (see certs/README.md). Resolved from the repository root so
 * that the same path works from src/ (tsx, vitest) and from dist/ (the built bot).
 */
export const DEMO_CERTS_DIR = fileURLToPath(new URL('../../src/demo/certs/', import.meta.url));
export const DEMO_CA_FILE = join(DEMO_CERTS_DIR, 'demo-ca.crt');

export interface DemoServerOptions {
  /** Public ports on 127.0.0.1; 0 or absent picks a free one. */
  ports?: { ftp?: number; ftpsImplicit?: number; sftp?: number };
  /** Passive data port range of the FTP servers; default [0, 0]: a free port for every PASV. */
  pasvRange?: [number, number];
  /** How long the slow-login fault holds a login (default 5000 ms). */
  slowLoginMs?: number;
  /** Faults that are on from the start. */
  faults?: FaultId[];
}

export interface DemoServers {
  /**
   * Target definitions in the targets-file shape, ready for requestForTarget:
   * demo-ftp (ftp://), demo-ftps (ftpes://, explicit), demo-ftps-implicit (ftps://), demo-sftp.
   */
  targets: TargetConfig[];
  /** The only place the password appears: merge it into the env used to resolve the targets. */
  passwordEnv: { [DEMO_PASSWORD_ENV]: string };
  faults: DemoFaults;
  ports: { ftp: number; ftpsImplicit: number; sftp: number };
  /** The directory the demo user sees as "/" (under os.tmpdir(); removed by stop()). */
  root: string;
  /** Closes every server and connection and removes the temporary directory; safe to call twice. */
  stop(): Promise<void>;
}

export async function startDemoServers(options: DemoServerOptions = {}): Promise<DemoServers> {
  const faults = createDemoFaults({ slowLoginMs: options.slowLoginMs, on: options.faults });
  const password = randomBytes(18).toString('base64url');
  const abort = new AbortController();
  const pasvRange = options.pasvRange ?? [0, 0];
  if (pasvRange[0] > pasvRange[1]) throw new RangeError('pasvRange: the first port must not be above the last');

  const certs = { valid: await readPair('demo-server'), expired: await readPair('demo-expired') };
  const hostKeys = generateHostKeys();
  const base = await mkdtemp(join(tmpdir(), 'ftpops-demo-'));
  const root = join(base, 'files');
  let ftp: DemoFtp | undefined;
  let sftp: DemoSftp | undefined;
  try {
    await seedFiles(root);
    const common = { root, user: DEMO_USER, password, faults, signal: abort.signal };
    ftp = await startDemoFtp({ ...common, certs, port: options.ports?.ftp ?? 0, implicitPort: options.ports?.ftpsImplicit ?? 0, pasvRange });
    sftp = await startDemoSftp({ ...common, hostKeys, port: options.ports?.sftp ?? 0 });
  } catch (err) {
    abort.abort();
    await Promise.all([ftp?.close(), sftp?.close()]);
    await rm(base, { recursive: true, force: true });
    throw err;
  }

  // A host that exits without stop() (process.exit, an uncaught error) still leaves no files
  // behind; a kill by signal does, unless the host turns its signals into stop().
  const removeOnExit = () => rmSync(base, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  const ports = { ftp: ftp.port, ftpsImplicit: ftp.implicitPort, sftp: sftp.port };
  const servers = { ftp, sftp };
  let stopping: Promise<void> | undefined;
  return {
    targets: demoTargets(ports, hostKeyFingerprint(hostKeys.normal)),
    passwordEnv: { [DEMO_PASSWORD_ENV]: password },
    faults,
    ports,
    root,
    stop: () =>
      (stopping ??= (async () => {
        abort.abort(); // drops held slow logins at once
        await Promise.all([servers.ftp.close(), servers.sftp.close()]);
        await rm(base, { recursive: true, force: true });
        process.off('exit', removeOnExit);
      })()),
  };
}

function demoTargets(ports: DemoServers['ports'], hostKey: string): TargetConfig[] {
  const common = { passwordEnv: DEMO_PASSWORD_ENV, write: true, description: DEMO_DESCRIPTION };
  const at = (scheme: string, port: number) => `${scheme}://${DEMO_USER}@${LOOPBACK}:${port}`;
  const raw: Record<string, Record<string, unknown>> = {
    'demo-ftp': { ...common, url: at('ftp', ports.ftp) },
    'demo-ftps': { ...common, url: at('ftpes', ports.ftp), ca: DEMO_CA_FILE },
    'demo-ftps-implicit': { ...common, url: at('ftps', ports.ftpsImplicit), ca: DEMO_CA_FILE },
    'demo-sftp': { ...common, url: at('sftp', ports.sftp), hostKey },
  };
  // Through the same schema as a targets file, so the demo can never drift from it.
  return Object.entries(raw).map(([name, t]) => ({ ...targetSchema.parse(t), name, baseDir: DEMO_CERTS_DIR }));
}

async function readPair(name: string): Promise<CertPair> {
  const [cert, key] = await Promise.all([readFile(join(DEMO_CERTS_DIR, `${name}.crt`), 'utf8'), readFile(join(DEMO_CERTS_DIR, `${name}.key`), 'utf8')]);
  return { cert, key };
}

/** A small tree to list and download; the checks' canaries come and go beside it. */
async function seedFiles(root: string): Promise<void> {
  await mkdir(join(root, 'outbox'), { recursive: true });
  await mkdir(join(root, 'inbox'));
  await writeFile(
    join(root, 'README.txt'),
    'This is the ftpops demo server. It runs inside ftpops on 127.0.0.1 only and disappears when it stops.\n' +
      'Turn its faults on and off to see how ftpops names each failure.\n',
  );
  await writeFile(join(root, 'outbox', 'orders-2026-11.csv'), 'order,customer,amount\n1001,ACME,120.00\n1002,Globex,75.50\n');
}
