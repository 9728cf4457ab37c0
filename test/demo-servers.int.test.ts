// The in-process demo servers (src/demo) checked by the real probe engine, exactly as the bot
// would check them: healthy first, then each fault switch on the targets it concerns, with the
// finding code an operator should get for what the demo server actually sends, and off again.
// Needs nothing beyond Node: the demo's certificates are committed files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { stringify } from 'yaml';
import { DEMO_CA_FILE, DEMO_PASSWORD_ENV, FAULT_IDS, startDemoServers, type DemoServers, type FaultId } from '../src/demo/demo-servers.js';
import { requestForTarget } from '../src/config/probe-request.js';
import { parseTargetsYaml, type TargetConfig } from '../src/config/targets-file.js';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { ProbeEngine } from '../src/probes/probe-engine.js';
import type { ProbeReport, StageName } from '../src/probes/probe.js';

const SLOW_LOGIN_MS = 1_500;
const FTP_TARGETS = ['demo-ftp', 'demo-ftps', 'demo-ftps-implicit'] as const;
const ALL_TARGETS = [...FTP_TARGETS, 'demo-sftp'] as const;
type DemoTarget = (typeof ALL_TARGETS)[number];

let demo: DemoServers;
let engine: ProbeEngine;
let startMs = 0;
/** Every report of this file, for the password check at the end. */
const reports: ProbeReport[] = [];

beforeAll(async () => {
  engine = new ProbeEngine(KnowledgeBase.load());
  const t0 = performance.now();
  demo = await startDemoServers({ slowLoginMs: SLOW_LOGIN_MS });
  startMs = performance.now() - t0;
});
afterAll(() => demo?.stop());

const targetOf = (name: DemoTarget): TargetConfig => {
  const t = demo.targets.find((x) => x.name === name);
  if (!t) throw new Error(`no demo target ${name}`);
  return t;
};

async function check(name: DemoTarget, patch: Partial<TargetConfig> = {}): Promise<ProbeReport> {
  const report = await engine.run(requestForTarget({ ...targetOf(name), ...patch }, {}, { ...demo.passwordEnv }));
  reports.push(report);
  return report;
}

const checkAll = (names: readonly DemoTarget[], patch?: Partial<TargetConfig>) => Promise.all(names.map((n) => check(n, patch)));
const stageOf = (r: ProbeReport, name: StageName) => r.stages.find((s) => s.name === name);

function expectHealthy(r: ProbeReport): void {
  expect(r.finding, `${r.target}: ${JSON.stringify(r.finding)}`).toBeNull();
  expect(r.ok).toBe(true);
  expect(stageOf(r, 'list')?.status).toBe('ok');
  expect(stageOf(r, 'transfer')?.status).toBe('ok');
  expect(r.facts.transfer?.sha256).toMatch(/^[0-9a-f]{64}$/);
}

/** Turn a fault on for `body`, and always off again; then the next check must pass again. */
async function withFault(id: FaultId, body: () => Promise<void>, recheck: readonly DemoTarget[] = ALL_TARGETS): Promise<void> {
  demo.faults.set(id, true);
  try {
    await body();
  } finally {
    demo.faults.set(id, false);
  }
  for (const r of await checkAll(recheck)) expectHealthy(r);
}

describe('the demo servers as targets', () => {
  it('start quickly and describe themselves as targets-file targets, the password by reference only', () => {
    expect(startMs).toBeLessThan(5_000);
    expect(demo.targets.map((t) => t.name)).toEqual(['demo-ftp', 'demo-ftps', 'demo-ftps-implicit', 'demo-sftp']);
    const pw = demo.passwordEnv[DEMO_PASSWORD_ENV];
    expect(pw.length).toBeGreaterThanOrEqual(20);
    for (const t of demo.targets) {
      expect(t.url).toMatch(/^(ftp|ftpes|ftps|sftp):\/\/demo@127\.0\.0\.1:\d+$/);
      expect(t).toMatchObject({ passwordEnv: DEMO_PASSWORD_ENV, write: true, description: 'demo server (in-process, loopback only)' });
    }
    expect(targetOf('demo-ftps').ca).toBe(DEMO_CA_FILE);
    expect(targetOf('demo-sftp').hostKey).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(JSON.stringify(demo.targets)).not.toContain(pw);
    // Written out as a targets file, they load back unchanged.
    const yaml = stringify({ targets: Object.fromEntries(demo.targets.map(({ name, baseDir: _b, insecure: _i, ...t }) => [name, t])) });
    const loaded = parseTargetsYaml(yaml, '/tmp/demo-ftpops.yaml');
    for (const { baseDir: _b, ...t } of demo.targets) expect(loaded.targets.get(t.name)).toMatchObject(t);
  });

  it('with no fault, every target passes with a listing and an upload/download round trip', async () => {
    const [ftp, ftpes, ftps, sftp] = await checkAll(ALL_TARGETS);
    for (const r of [ftp!, ftpes!, ftps!, sftp!]) expectHealthy(r);
    for (const r of [ftp!, ftpes!, ftps!]) {
      expect(r.facts.banner).toMatch(/ftpops DEMO server/);
      expect(r.facts.passiveAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    expect(ftp!.warnings.map((w) => w.code)).toEqual(['ftp.plaintext_login']);
    expect(ftpes!.facts.tls).toMatchObject({ authorized: true });
    expect(ftpes!.facts.tls?.subjectAltNames).toContain('IP Address:127.0.0.1');
    expect(ftpes!.warnings).toEqual([]);
    expect(sftp!.facts.ssh?.hostKeyFingerprint).toBe(targetOf('demo-sftp').hostKey);
    expect(sftp!.facts.ssh?.identification).toBe('SSH-2.0-ftpops_DEMO_sftp');
    expect(sftp!.warnings).toEqual([]);
  });
});

describe('fault switches', () => {
  it('list, set and announce changes; unknown ids are refused', () => {
    const seen: string[] = [];
    const off = demo.faults.onChange((f, all) => seen.push(`${f.id}=${f.on}/${all.filter((x) => x.on).length}`));
    expect(demo.faults.list().map((f) => f.id)).toEqual([...FAULT_IDS]);
    for (const f of demo.faults.list()) expect(f).toMatchObject({ on: false, label: expect.any(String), description: expect.any(String) });
    demo.faults.set('capacity', true);
    demo.faults.set('capacity', true); // no change, no event
    demo.faults.set('capacity', false);
    off();
    demo.faults.set('reset', true);
    demo.faults.set('reset', false);
    expect(seen).toEqual(['capacity=true/1', 'capacity=false/0']);
    expect(() => demo.faults.set('no-such-fault' as FaultId, true)).toThrow(/unknown demo fault/);
  });

  it('wrong-password → auth.failed on every target (530 from FTP), then passes again', async () => {
    await withFault('wrong-password', async () => {
      const results = await checkAll(ALL_TARGETS);
      for (const r of results) expect(r.finding).toMatchObject({ code: 'auth.failed', stage: 'login', layer: 'auth' });
      for (const r of results.slice(0, 3)) expect(r.finding?.reply).toMatchObject({ code: 530 });
    });
  });

  it('capacity → ftp.unavailable with the 421 on FTP (after TLS on implicit FTPS); a reset before the SSH banner on SFTP', async () => {
    await withFault('capacity', async () => {
      const [ftp, ftpes, ftps, sftp] = await checkAll(ALL_TARGETS);
      for (const r of [ftp!, ftpes!, ftps!]) {
        expect(r.finding).toMatchObject({ code: 'ftp.unavailable', stage: 'greet', reply: { code: 421 } });
        expect(r.facts.banner).toMatch(/too many connections/i);
      }
      expect(stageOf(ftps!, 'secure')?.status).toBe('ok');
      // sshd past MaxStartups: dropped before its identification, the client sees a reset.
      expect(sftp!.finding).toMatchObject({ code: 'tcp.reset', stage: 'greet' });
    });
  });

  it('reset → tcp.reset on every target, after the greeting', async () => {
    await withFault('reset', async () => {
      const [ftp, ftpes, ftps, sftp] = await checkAll(ALL_TARGETS);
      for (const r of [ftp!, ftpes!, ftps!, sftp!]) expect(r.finding?.code).toBe('tcp.reset');
      expect(ftp!.finding?.stage).toBe('login'); // reset at USER
      expect(ftpes!.finding?.stage).toBe('secure'); // reset at AUTH TLS
      expect(['secure', 'greet']).toContain(ftps!.finding?.stage); // during the TLS handshake
      expect(sftp!.finding?.stage).toBe('login');
      expect(stageOf(sftp!, 'greet')?.status).toBe('ok');
    });
  });

  it('slow-login → stage.timeout at login under a short login deadline; passes slowly under the default one', async () => {
    await withFault('slow-login', async () => {
      const [strict, relaxed] = await Promise.all([checkAll(ALL_TARGETS, { stageTimeouts: { login: '500ms' } }), checkAll(ALL_TARGETS)]);
      for (const r of strict) {
        expect(r.finding).toMatchObject({ code: 'stage.timeout', stage: 'login' });
        expect(stageOf(r, 'login')?.durationMs).toBeLessThan(SLOW_LOGIN_MS);
      }
      for (const r of relaxed) {
        expectHealthy(r);
        expect(stageOf(r, 'login')?.durationMs).toBeGreaterThanOrEqual(SLOW_LOGIN_MS - 50);
      }
    });
  });

  it('expired-certificate → tls.cert_expired on demo-ftps, before any password is sent; plain FTP and SFTP unaffected', async () => {
    await withFault('expired-certificate', async () => {
      const [ftp, ftpes, sftp] = await checkAll(['demo-ftp', 'demo-ftps', 'demo-sftp']);
      expect(ftpes!.finding).toMatchObject({ code: 'tls.cert_expired', stage: 'secure' });
      expect(ftpes!.facts.tls?.daysLeft).toBeLessThan(0);
      expect(stageOf(ftpes!, 'login')?.status).toBe('skipped');
      expectHealthy(ftp!);
      expectHealthy(sftp!);
      // The implicit-FTPS server presents the expired certificate too (see the probe gap below).
      expect(await implicitCertificateEnd()).toMatch(/2021/);
    });
    expect(await implicitCertificateEnd()).toMatch(/2099/);
  });

  // This found a real gap: implicit FTPS (ftps://) once skipped the certificate check entirely.
  it('expired-certificate → tls.cert_expired on demo-ftps-implicit too, before any password', async () => {
    await withFault('expired-certificate', async () => {
      const r = await check('demo-ftps-implicit');
      expect(r.finding).toMatchObject({ code: 'tls.cert_expired', stage: 'secure' });
    });
  });

  it('host-key-changed → ssh.hostkey_mismatch on demo-sftp naming the new key; FTP unaffected', async () => {
    await withFault('host-key-changed', async () => {
      const [sftp, ftp] = await checkAll(['demo-sftp', 'demo-ftp']);
      expect(sftp!.finding).toMatchObject({ code: 'ssh.hostkey_mismatch', stage: 'secure' });
      const seen = sftp!.facts.ssh?.hostKeyFingerprint;
      expect(seen).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      expect(seen).not.toBe(targetOf('demo-sftp').hostKey);
      expect(stageOf(sftp!, 'login')?.status).toBe('skipped');
      expectHealthy(ftp!);
    });
  });

  it('no report of this file carries the demo password', () => {
    const pw = demo.passwordEnv[DEMO_PASSWORD_ENV];
    expect(reports.length).toBeGreaterThan(40);
    for (const r of reports) expect(JSON.stringify(r)).not.toContain(pw);
  });
});

describe('stop()', () => {
  it('closes every port and open connection promptly, removes the files, and the ports can be used again', async () => {
    const own = await startDemoServers();
    const ports = Object.values(own.ports);
    // Idle clients that stop() must not wait for.
    const idle = await Promise.all(ports.map((p) => openSocket(p)));
    const closed = idle.map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
    const t0 = performance.now();
    await own.stop();
    await own.stop(); // twice is fine
    expect(performance.now() - t0).toBeLessThan(2_000);
    await Promise.all(closed);
    for (const p of ports) expect(await connectCode(p)).toBe('ECONNREFUSED');
    expect(existsSync(own.root)).toBe(false);
    const again = await startDemoServers({ ports: own.ports });
    try {
      expect(again.ports).toEqual(own.ports);
    } finally {
      await again.stop();
    }
  });
});

function implicitCertificateEnd(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port: demo.ports.ftpsImplicit, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().valid_to);
      s.destroy();
    });
    s.once('error', reject);
  });
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', () => undefined);
    s.resume(); // read like a real client, or the server's close would never be noticed
    s.once('error', reject);
  });
}

function connectCode(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}
