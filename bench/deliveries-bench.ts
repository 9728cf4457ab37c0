// npm run bench:deliveries — evaluating an expected delivery against a folder of 10,000 files,
// FTP (vsftpd) and SFTP (OpenSSH), beside a bare basic-ftp list() / ssh2 readdir() of the same
// folder: median time per evaluation, the heap a listing holds at its peak (sampled every ms
// above the heap after a full GC), the peak RSS of a process that does only that, and the ratios. The evaluation is the real one: DeliveryWatch with the probe engine (connect,
// login, list stage) and its state in Redis. Two folders: 10 of the 10,000 files match (a day's
// files in an archive), and all 10,000 match (the worst case).
// Takes the test bed's machine-wide lock like the integration tests. Not a test: it measures.
// Results go to BENCHMARKS.md by hand, with the machine's size.
import { fork } from 'node:child_process';
import { connect } from 'node:net';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Client as FtpClient } from 'basic-ftp';
import ssh2 from 'ssh2';
import { Redis } from 'ioredis';
import { loadTestbed, type Testbed } from '../test/support/testbed.js';

const FILES = Number(process.env.BENCH_FILES ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const MODES = ['ftp-bare', 'ftp-deliveries', 'sftp-bare', 'sftp-deliveries'] as const;
type Mode = (typeof MODES)[number];
const PASSES = Number(process.env.BENCH_PASSES ?? 3);
interface Measured {
  times: number[];
  medianMs: number;
  maxRssMiB: number;
  listingMiB: number;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const folderOf = (tb: Testbed, matching: 'few' | 'all') => `${tb.homeDir}/bench-deliveries-${matching}`;

async function child(mode: Mode, matching: 'few' | 'all'): Promise<void> {
  const tb = loadTestbed();
  const path = folderOf(tb, matching);
  const ftp = tb.servers['vsftpd-main']!;
  const sshd = tb.servers['sshd-main']!;
  let once: () => Promise<number>;
  let cleanup = async () => undefined as unknown;
  if (mode === 'ftp-bare') {
    once = async () => {
      const c = new FtpClient(30_000);
      try {
        await c.access({ host: '127.0.0.1', port: ftp.port, user: tb.user, password: tb.password });
        return (await c.list(path)).length;
      } finally {
        c.close();
      }
    };
  } else if (mode === 'sftp-bare') {
    once = () => new Promise((resolve, reject) => {
      const conn = new ssh2.Client();
      conn.on('error', reject);
      conn.on('ready', () => conn.sftp((err, sftp) => {
        if (err) return reject(err);
        sftp.readdir(path, (e, list) => {
          conn.end();
          e ? reject(e) : resolve(list.length);
        });
      }));
      // Same socket set-up as the engine (Nagle off), so the comparison is only about the evaluation.
      const sock = connect({ host: '127.0.0.1', port: sshd.port });
      sock.setNoDelay(true);
      conn.connect({ sock, username: tb.user, password: tb.password, hostVerifier: () => true });
    });
  } else {
    const { parseTargetsYaml } = await import('../src/config/targets-file.js');
    const { requestForTarget } = await import('../src/config/probe-request.js');
    const { KnowledgeBase } = await import('../src/knowledge/knowledge-base.js');
    const { ProbeEngine } = await import('../src/probes/probe-engine.js');
    const { DeliveryWatch } = await import('../src/deliveries/delivery-watch.js');
    const { DeliveryStore } = await import('../src/deliveries/delivery-store.js');
    const { PartnerEvents } = await import('../src/deliveries/partner-events.js');
    const { uniquePrefix } = await import('../test/support/bot-process.js');
    const sftp = mode === 'sftp-deliveries';
    const url = sftp ? `sftp://${tb.user}@127.0.0.1:${sshd.port}` : `ftp://${tb.user}@127.0.0.1:${ftp.port}`;
    const yaml = `targets:\n  bench:\n    url: ${url}\n    passwordFile: ${tb.passwordFile}\n${sftp ? `    hostKey: "${sshd.hostKeyFingerprint}"\n` : ''}    deliveries:\n      - { name: orders, path: ${path}, match: "orders_*.csv", due: "23:59", minSize: 1, stableFor: 0 }\n`;
    const config = parseTargetsYaml(yaml, '/tmp/bench-deliveries.yaml');
    const target = config.targets.get('bench')!;
    const redis = new Redis('redis://127.0.0.1:6379');
    const prefix = uniquePrefix();
    const watch = new DeliveryWatch({
      engine: new ProbeEngine(KnowledgeBase.load()),
      store: new DeliveryStore(redis, prefix),
      events: new PartnerEvents(redis, prefix),
      history: async () => [],
      requestFor: () => requestForTarget(target, {}, {}),
    });
    once = async () => {
      const { rows } = await watch.evaluate(target);
      if (rows[0]?.listingFailed) throw new Error(rows[0].listingFailed);
      return FILES;
    };
    cleanup = async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    };
  }
  await once(); // warm-up: connections, modules loaded on first use, JIT, the first key exchange
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    const n = await once();
    times.push(performance.now() - t);
    if (n < FILES) throw new Error(`${mode}: listed ${n} of ${FILES}`);
  }
  const growth: number[] = [];
  for (let i = 0; i < 5; i++) {
    // What one listing holds at its peak: the heap sampled every millisecond, above the heap after a
    // full collection (the modules, the JIT and Node's own are in both, and not the listing's).
    global.gc!();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 1);
    const n = await once();
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    growth.push((peak - base) / 2 ** 20);
    if (n < FILES) throw new Error(`${mode}: listed ${n} of ${FILES}`);
  }
  await cleanup();
  process.send!({ mode, times, maxRssMiB: process.resourceUsage().maxRSS / 1024, listingMiB: median(growth) });
}

function measure(mode: Mode, matching: 'few' | 'all'): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const p = fork(fileURLToPath(import.meta.url), [mode, matching], { execArgv: ['--import', 'tsx', '--expose-gc'] });
    p.on('message', (m) => resolve(m as Measured));
    p.on('exit', (code) => (code ? reject(new Error(`${mode} exited ${code}`)) : undefined));
  });
}

function makeFolder(tb: Testbed, matching: 'few' | 'all'): void {
  const dir = folderOf(tb, matching);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < FILES; i++) {
    const name = matching === 'all' || i % (FILES / 10) === 0 ? `orders_${String(i).padStart(5, '0')}.csv` : `archive_${String(i).padStart(5, '0')}.csv`;
    const fd = openSync(`${dir}/${name}`, 'w');
    writeSync(fd, 'x'.repeat(100));
    closeSync(fd);
  }
}

if (process.argv[2] && process.send) {
  await child(process.argv[2] as Mode, process.argv[3] as 'few' | 'all');
  process.exit(0);
} else {
  const { setup, teardown } = await import('../test/support/global-setup.js');
  await setup();
  try {
    const tb = loadTestbed();
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${FILES} files; median of ${PASSES} passes × ${ROUNDS} evaluations`);
    for (const matching of ['few', 'all'] as const) {
      makeFolder(tb, matching);
      // The machine is shared: the modes take turns, pass after pass, and each median is over all passes.
      const r: Partial<Record<Mode, Measured>> = {};
      for (let pass = 0; pass < PASSES; pass++) {
        for (const mode of MODES) {
          const m = await measure(mode, matching);
          const before = r[mode];
          const times = [...(before?.times ?? []), ...m.times];
          r[mode] = { times, medianMs: median(times), maxRssMiB: Math.max(before?.maxRssMiB ?? 0, m.maxRssMiB), listingMiB: median([...(before ? [before.listingMiB] : []), m.listingMiB]) };
        }
      }
      for (const proto of ['ftp', 'sftp'] as const) {
        const bare = r[`${proto}-bare`]!;
        const ours = r[`${proto}-deliveries`]!;
        console.log(
          `${proto.toUpperCase().padEnd(4)} ${matching === 'few' ? '10 matching' : 'all matching'}: ` +
            `bare ${bare.medianMs.toFixed(1)} ms, peak RSS ${bare.maxRssMiB.toFixed(0)} MiB (heap peak of a listing +${bare.listingMiB.toFixed(1)} MiB); ` +
            `evaluation ${ours.medianMs.toFixed(1)} ms, peak RSS ${ours.maxRssMiB.toFixed(0)} MiB (+${ours.listingMiB.toFixed(1)} MiB); ` +
            `ratio time ${(ours.medianMs / bare.medianMs).toFixed(2)}×, heap peak ${(ours.listingMiB / bare.listingMiB).toFixed(2)}×, RSS ${(ours.maxRssMiB / bare.maxRssMiB).toFixed(2)}×`,
        );
      }
      rmSync(folderOf(tb, matching), { recursive: true, force: true });
    }
  } finally {
    await teardown();
  }
}
