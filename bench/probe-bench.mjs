// npm run bench:probe — the full check (connect + login + list + close) by the ftpops engine,
// beside a bare basic-ftp / ssh2 loop doing the same steps, against the local test daemons.
// Sequential and at concurrency 20; median ms per check, checks/s, and the engine/bare ratio.
// Not a test: it measures. Results go to BENCHMARKS.md by hand, with the machine's size.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { bareFtpCheck } from './bare-ftp.mjs';
import ssh2 from 'ssh2';
import { KnowledgeBase } from '../dist/knowledge/knowledge-base.js';
import { ProbeEngine } from '../dist/probes/probe-engine.js';
import { DEFAULT_STAGE_TIMEOUTS } from '../dist/probes/probe.js';

const root = new URL('..', import.meta.url).pathname;
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 60);
const CONCURRENT_TOTAL = Number(process.env.BENCH_CONCURRENT_TOTAL ?? 200);
const CONCURRENCY = 20;

const startedHere = !process.env.BENCH_KEEP_TESTBED;
execFileSync('bash', [`${root}/scripts/testbed.sh`, 'install'], { stdio: 'inherit' });
execFileSync('bash', [`${root}/scripts/testbed.sh`, 'start'], { stdio: 'inherit' });
const testbed = JSON.parse(readFileSync(`${root}/.testbed/testbed.json`, 'utf8'));
const engine = new ProbeEngine(KnowledgeBase.load());

function request(name, protocol) {
  const server = testbed.servers[name];
  return {
    target: name, protocol, host: '127.0.0.1', port: server.port, user: testbed.user, password: testbed.password,
    write: false, insecure: false, timeoutMs: 30_000, stageTimeouts: DEFAULT_STAGE_TIMEOUTS,
  };
}

async function engineCheck(req) {
  const report = await engine.run(req);
  if (!report.ok) throw new Error(`${report.finding.code} at ${report.finding.stage}: ${report.finding.detail ?? report.finding.reply?.text ?? ''}`);
}

const bareFtp = (req) => bareFtpCheck(req);

function bareSftp(req) {
  return new Promise((resolve, reject) => {
    const conn = new ssh2.Client();
    conn.on('error', reject);
    conn.on('ready', () => {
      conn.sftp((err, sftp) => {
        if (err) return reject(err);
        sftp.realpath('.', (err2, cwd) => {
          if (err2) return reject(err2);
          sftp.readdir(cwd, (err3) => {
            if (err3) return reject(err3);
            conn.end();
            resolve();
          });
        });
      });
    });
    // Same socket set-up as the engine (Nagle off), so the comparison is only about the engine.
    const sock = connect({ host: req.host, port: req.port });
    sock.setNoDelay(true);
    conn.connect({ sock, username: req.user, password: req.password, readyTimeout: 30_000 });
  });
}

// A failed check is counted and reported, never silently timed as a success.
const failures = new Map();
async function attempt(fn, req, label) {
  const t = performance.now();
  try {
    await fn(req);
    return performance.now() - t;
  } catch (err) {
    const key = `${label} ${fn.name}: ${String(err.message ?? err).slice(0, 120)}`;
    failures.set(key, (failures.get(key) ?? 0) + 1);
    return undefined;
  }
}

// Client CPU per check (user + system), summed over the sequential rounds of each side: at
// saturation, CPU is what limits checks per second on a 2-core machine.
const cpuMs = new Map();
async function timeEach(fn, req, n) {
  const times = [];
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const ms = await attempt(fn, req, req.target);
    if (ms !== undefined) times.push(ms);
  }
  const used = process.cpuUsage(before);
  const key = `${req.target}/${fn.name}`;
  const sum = cpuMs.get(key) ?? { ms: 0, n: 0 };
  cpuMs.set(key, { ms: sum.ms + (used.user + used.system) / 1000, n: sum.n + n });
  return times;
}
const cpuPerCheck = (req, fn) => {
  const v = cpuMs.get(`${req.target}/${fn.name}`);
  return v ? v.ms / v.n : NaN;
};

async function concurrent(fn, req, total) {
  const times = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < total) {
      next++;
      const ms = await attempt(fn, req, `${req.target} c${CONCURRENCY}`);
      if (ms !== undefined) times.push(ms);
    }
  }));
  return { times, perSecond: total / ((performance.now() - t0) / 1000) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const cases = [
  ['vsftpd (ftp)', request('vsftpd-main', 'ftp'), bareFtp],
  ['pure-ftpd (ftp)', request('pure-ftpd', 'ftp'), bareFtp],
  ['OpenSSH (sftp)', request('sshd-main', 'sftp'), bareSftp],
];

const rows = [];
try {
  for (const [label, req, bare] of cases) {
    // Warm up both paths, then alternate rounds so drift hits both sides alike.
    await timeEach(engineCheck, req, 5);
    await timeEach(bare, req, 5);
    const seqEngine = [];
    const seqBare = [];
    for (let round = 0; round < 4; round++) {
      seqEngine.push(...(await timeEach(engineCheck, req, SEQUENTIAL / 4)));
      seqBare.push(...(await timeEach(bare, req, SEQUENTIAL / 4)));
    }
    cpuMs.clear();
    for (let round = 0; round < 2; round++) {
      await timeEach(engineCheck, req, SEQUENTIAL / 2);
      await timeEach(bare, req, SEQUENTIAL / 2);
    }
    const cpu = { engine: cpuPerCheck(req, engineCheck), bare: cpuPerCheck(req, bare) };
    const conBare = await concurrent(bare, req, CONCURRENT_TOTAL);
    const conEngine = await concurrent(engineCheck, req, CONCURRENT_TOTAL);
    rows.push({
      label,
      seq: { engine: median(seqEngine), bare: median(seqBare) },
      cpu,
      con: { engine: median(conEngine.times), bare: median(conBare.times), engineRate: conEngine.perSecond, bareRate: conBare.perSecond },
    });
  }
} finally {
  if (startedHere) execFileSync('bash', [`${root}/scripts/testbed.sh`, 'stop'], { stdio: 'inherit' });
}

const f = (x) => x.toFixed(1);
console.log(`\nmachine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
console.log(`sequential: ${SEQUENTIAL} checks each; concurrent: ${CONCURRENT_TOTAL} checks at concurrency ${CONCURRENCY}\n`);
console.log('| server | seq median ms engine / bare (ratio) | client CPU ms per check engine / bare (ratio) | c20 median ms engine / bare | c20 checks/s engine / bare (bare÷engine) |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.label} | ${f(r.seq.engine)} / ${f(r.seq.bare)} (${(r.seq.engine / r.seq.bare).toFixed(2)}) | ${r.cpu.engine.toFixed(2)} / ${r.cpu.bare.toFixed(2)} (${(r.cpu.engine / r.cpu.bare).toFixed(2)}) | ${f(r.con.engine)} / ${f(r.con.bare)} | ${f(r.con.engineRate)} / ${f(r.con.bareRate)} (${(r.con.bareRate / r.con.engineRate).toFixed(2)}) |`);
}
if (failures.size) {
  console.log('\nfailed checks (excluded from the timings):');
  for (const [key, n] of failures) console.log(`  ${n} × ${key}`);
}
process.exit(0);
