// Soak run (outside CI): N checks (default 10,000) through a real BullMQ queue and the check
// worker against the demo FTP/FTPS/SFTP servers, while their faults switch on and off. Reports:
//  - lost and duplicate answers (every job id enqueued must get exactly one completed/failed event);
//  - each result against what the fault on at the time should give (ambiguous when a relevant
//    switch happened during the check: counted, not judged), with the finding codes seen by fault;
//  - the process's RSS and heap before (after a warm-up and a gc), during and after (after a gc).
// The demo servers run IN-PROCESS, beside the worker (same event loop, same RSS).
// Exit 0 when the goals hold: nothing lost or duplicated, zero mismatches, no error results,
// RSS after/before ≤ 1.10. Redis on 127.0.0.1:6379 (or --redis URL); everything under the run's
// own key prefix is removed at the end.
//
//   npx tsx --expose-gc bench/soak.ts [--checks 10000] [--toggle-ms 2000] [--no-faults]
//        [--targets demo-ftp,…] [--heap-snapshots DIR]
//   (the same: node --expose-gc --import tsx bench/soak.ts …)
//
// Not a test: it measures. Results go to BENCHMARKS.md by hand.
import { randomBytes } from 'node:crypto';
import { type AddressInfo, Server as NetServer, Socket } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { Queue, QueueEvents } from 'bullmq';
import { FAULT_IDS, startDemoServers, type FaultId } from '../src/demo/demo-servers.js';
import { requestForTarget } from '../src/config/probe-request.js';
import type { TargetConfig } from '../src/config/targets-file.js';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { ProbeEngine } from '../src/probes/probe-engine.js';
import type { ProbeReport } from '../src/probes/probe.js';
import { CHECK_JOB, CHECK_QUEUE, type CheckJobData, type CheckJobResult } from '../src/queue/check-job.js';
import { startCheckWorker } from '../src/queue/check-worker.js';
import { createRedis } from '../src/queue/redis-connection.js';
import { TargetSlots } from '../src/queue/target-slots.js';

const { values: args } = parseArgs({
  options: {
    checks: { type: 'string', default: '10000' },
    'toggle-ms': { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '8' },
    cap: { type: 'string', default: '4' },
    wave: { type: 'string', default: '500' },
    'max-waiting': { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    'slow-login-ms': { type: 'string', default: '300' },
    'deadline-ms': { type: 'string', default: '120000' },
    'sample-every': { type: 'string', default: '1000' },
    'no-faults': { type: 'boolean', default: false },
    /** Only these demo targets (comma-separated), e.g. to find which one a leak comes from. */
    targets: { type: 'string', default: 'demo-ftp,demo-ftps,demo-ftps-implicit,demo-sftp' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    /** Write heap snapshots (before, after) into this directory, to diff them in DevTools. */
    'heap-snapshots': { type: 'string' },
  },
});
const int = (name: keyof typeof args) => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: not a whole number: ${String(args[name])}`);
  return n;
};
const N = int('checks');
const TOGGLE_MS = int('toggle-ms');
const CONCURRENCY = int('concurrency');
const CAP = int('cap');
const WAVE = int('wave');
const MAX_WAITING = Math.max(int('max-waiting'), WAVE);
const WARMUP_PER_PHASE = Math.ceil(int('warmup') / 7);
const SLOW_LOGIN_MS = int('slow-login-ms');
const DEADLINE_MS = int('deadline-ms');
const SAMPLE_EVERY = Math.max(1, int('sample-every'));
const FAULTS = !args['no-faults'];
const REDIS_URL = args.redis!;
const RSS_GOAL = 1.1;
/** A switch this close to a check's start or end makes it ambiguous (startedAt is whole ms). */
const EDGE_MS = 5;

// Short deadlines so failures resolve fast. The login deadline stays well above the slow-login
// delay: slow-login is judged as "expected slow" (passes, login stage ≥ the delay), not as a timeout,
// because a login deadline below 300 ms would also trip healthy logins on a loaded 2-core machine.
const TIMEOUTS: Partial<TargetConfig> = {
  timeout: '5s',
  stageTimeouts: { connect: '2s', greet: '2s', secure: '2s', login: '3s', list: '2s', transfer: '3s', close: '1s' },
};

const ALL_TARGETS = ['demo-ftp', 'demo-ftps', 'demo-ftps-implicit', 'demo-sftp'] as const;
type Target = (typeof ALL_TARGETS)[number];
const TARGETS = args.targets!.split(',').map((t) => {
  if (!(ALL_TARGETS as readonly string[]).includes(t)) throw new Error(`--targets: unknown demo target '${t}'`);
  return t as Target;
});
type Phase = FaultId | 'none';
const PHASES: Phase[] = ['none', ...FAULT_IDS];

type Expect = { ok: true; slowLogin?: true } | { ok: false; code: string };
/** What a check of `target` must give while only `phase` is on (test/demo-servers.int.test.ts). */
function expected(phase: Phase, target: Target): Expect {
  const ftps = target === 'demo-ftps' || target === 'demo-ftps-implicit';
  switch (phase) {
    case 'none':
      return { ok: true };
    case 'wrong-password':
      return { ok: false, code: 'auth.failed' };
    case 'capacity':
      return { ok: false, code: target === 'demo-sftp' ? 'tcp.reset' : 'ftp.unavailable' };
    case 'reset':
      return { ok: false, code: 'tcp.reset' };
    case 'slow-login':
      return { ok: true, slowLogin: true };
    case 'expired-certificate':
      return ftps ? { ok: false, code: 'tls.cert_expired' } : { ok: true };
    case 'host-key-changed':
      return target === 'demo-sftp' ? { ok: false, code: 'ssh.hostkey_mismatch' } : { ok: true };
  }
}
/** The phase as far as `target` is concerned: faults that do not touch it read as 'none'. */
const relevant = (phase: Phase, target: Target): Phase => {
  const e = expected(phase, target);
  return e.ok && !('slowLogin' in e) ? 'none' : phase;
};

// ---------------------------------------------------------------------------------------------
// Bookkeeping: compact (typed arrays and counters), so the soak's own records barely move RSS.

interface Tally {
  judged: number;
  passed: number;
  codes: Map<string, number>;
}
const timeline: { at: number; phase: Phase }[] = [];
const byPhase = new Map<string, Tally>(); // `${phase}|${target}` → tally of judged results
const ambiguousCodes = new Map<string, number>();
const mismatchCounts = new Map<string, number>(); // `${kind}|${phase}|${target}|${code}`
const mismatchExamples = new Map<string, string>(); // the first of each mismatch key
const errorResults = new Map<string, number>(); // kind 'error' results and failed jobs, by message
const warnings = new Map<string, number>();
let uncaught = 0;
process.on('warning', (w) => bump(warnings, `${w.name}: ${w.message.slice(0, 120)}`));
process.on('uncaughtException', (err) => {
  uncaught++;
  console.error('uncaught exception (counted; the run is failed):', err);
});

function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

interface Run {
  name: string;
  total: number;
  targetOf: (i: number) => Target;
  /** Answers per job index from QueueEvents (what the bot hears) and from the worker itself. */
  heard: Uint8Array;
  worked: Uint8Array;
  durations: Float64Array;
  answered: number;
  judged: number;
  matched: number;
  ambiguous: number;
  errors: number;
  failedJobs: number;
  mismatches: number;
}
const newRun = (name: string, total: number, targetOf: (i: number) => Target): Run => ({
  name, total, targetOf, heard: new Uint8Array(total), worked: new Uint8Array(total), durations: new Float64Array(total).fill(NaN),
  answered: 0, judged: 0, matched: 0, ambiguous: 0, errors: 0, failedJobs: 0, mismatches: 0,
});
const runs = new Map<string, Run>();

/** Relevant phases for `target` over [from, to] (ms since epoch), from the switch timeline. */
function phasesDuring(from: number, to: number, target: Target): Set<Phase> {
  const seen = new Set<Phase>();
  for (let i = timeline.length - 1; i >= 0; i--) {
    const entry = timeline[i]!;
    if (entry.at <= to) seen.add(relevant(entry.phase, target));
    if (entry.at <= from) break;
  }
  return seen;
}

function judge(run: Run, i: number, result: CheckJobResult): void {
  if (result.kind === 'error') {
    run.errors++;
    bump(errorResults, `error result: ${result.message.slice(0, 140)}`);
    return;
  }
  const report: ProbeReport = result.report;
  const target = run.targetOf(i);
  run.durations[i] = report.durationMs;
  const start = Date.parse(report.startedAt);
  const phases = phasesDuring(start - EDGE_MS, start + report.durationMs + EDGE_MS, target);
  const code = report.finding?.code ?? 'ok';
  if (phases.size !== 1) {
    run.ambiguous++;
    bump(ambiguousCodes, code);
    return;
  }
  const phase = [...phases][0]!;
  const want = expected(phase, target);
  const key = `${phase}|${target}`;
  const tally = byPhase.get(key) ?? { judged: 0, passed: 0, codes: new Map() };
  byPhase.set(key, tally);
  tally.judged++;
  if (report.ok) tally.passed++;
  bump(tally.codes, code);
  run.judged++;
  let kind: string | undefined;
  if (want.ok && !report.ok) kind = 'expected healthy, failed';
  else if (!want.ok && report.ok) kind = 'expected failing, passed';
  else if (!want.ok && code !== want.code) kind = `expected ${want.code}, other code`;
  else if (want.ok && want.slowLogin) {
    const login = report.stages.find((s) => s.name === 'login');
    if (!login || login.durationMs < SLOW_LOGIN_MS - 2) kind = `expected a login ≥ ${SLOW_LOGIN_MS} ms, was ${login?.durationMs} ms`;
  }
  if (!kind) {
    run.matched++;
    return;
  }
  run.mismatches++;
  const mismatch = `${kind}|${phase}|${target}|${code}`;
  bump(mismatchCounts, mismatch);
  if (!mismatchExamples.has(mismatch) && mismatchExamples.size < 40) {
    const f = report.finding;
    const stage = f ? `${f.stage}${f.reply ? ` reply ${f.reply.code ?? ''} ${f.reply.text}` : ''}${f.detail ? ` (${f.detail})` : ''}` : '';
    mismatchExamples.set(mismatch, `${run.name}#${i} ${target} under ${phase}: ${code} ${stage} [${report.startedAt}, ${report.durationMs} ms] stages ${report.stages.map((s) => `${s.name}:${s.status}:${s.durationMs}`).join(' ')}`);
  }
}

function parseId(id: string): { run: Run; i: number } | undefined {
  const m = /^([a-z]+)-(\d+)$/.exec(id);
  const run = m ? runs.get(m[1]!) : undefined;
  const i = Number(m?.[2]);
  return run && i < run.total ? { run, i } : undefined;
}

let strayAnswers = 0;
function heard(id: string, result: CheckJobResult | { failed: string }): void {
  const at = parseId(id);
  if (!at) {
    strayAnswers++;
    return;
  }
  const { run, i } = at;
  if (run.heard[i]! < 255) run.heard[i]!++;
  if (run.heard[i] !== 1) return; // a duplicate: counted, not judged twice
  run.answered++;
  if ('failed' in result) {
    run.failedJobs++;
    bump(errorResults, `job failed: ${result.failed.slice(0, 140)}`);
  } else judge(run, i, result);
  if (run.name === 'soak' && run.answered % SAMPLE_EVERY === 0) {
    const m = { answered: run.answered, ...memory() };
    samples.push(m);
    console.log(`  ${String(run.answered).padStart(6)} answered, ${((run.answered / (m.t - soakStarted)) * 1000).toFixed(1)} checks/s, rss ${mb(m.rss)}, heap ${mb(m.heapUsed)}`);
  }
}
let soakStarted = 0;

// ---------------------------------------------------------------------------------------------
// Memory.

const gc = (globalThis as { gc?: () => void }).gc;
let lastMemory = { t: 0, rss: 0, heapUsed: 0, external: 0 };
let memoryFailures = 0;
const memory = () => {
  try {
    const m = process.memoryUsage(); // reads /proc: throws EMFILE when the process is out of fds
    lastMemory = { t: Date.now(), rss: m.rss, heapUsed: m.heapUsed, external: m.external };
  } catch (err) {
    if (memoryFailures++ === 0) console.error(`memory sample failed (${(err as Error).message}); counted, the last sample is reused`);
  }
  return lastMemory;
};
const samples: Array<ReturnType<typeof memory> & { answered: number }> = [];
let maxRss = 0;
let maxHeap = 0;
const sampler = setInterval(() => {
  const m = memory();
  maxRss = Math.max(maxRss, m.rss);
  maxHeap = Math.max(maxHeap, m.heapUsed);
}, 500);
sampler.unref();
async function settle(): Promise<ReturnType<typeof memory>> {
  await sleep(2_000); // let sockets close and timers run out
  for (let k = 0; k < 3; k++) {
    gc?.();
    await sleep(200);
  }
  return memory();
}
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const handles = () => {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) bump(counts, r);
  return [...counts].sort().map(([k, v]) => `${k} ${v}`).join(', ');
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Open TCP sockets by what they connect: a demo server's side or the client's side, Redis, other. */
function openSockets(): string {
  const live = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const names = new Map<number, string>(Object.entries(demo.ports).map(([k, v]) => [v, k]));
  for (const h of live) {
    if (h instanceof NetServer && !names.has((h.address() as AddressInfo | null)?.port ?? -1)) {
      names.set((h.address() as AddressInfo).port, 'ftp-srv backend');
    }
  }
  const counts = new Map<string, number>();
  for (const h of live) {
    if (!(h instanceof Socket)) continue;
    const { localPort = -1, remotePort = -1 } = h;
    const state = `${h.destroyed ? 'destroyed' : h.readyState}${h.connecting ? ',connecting' : ''}`;
    if (remotePort === 6379) bump(counts, 'redis');
    else if (names.has(localPort)) bump(counts, `server side of ${names.get(localPort)} (${state})`);
    else if (names.has(remotePort)) bump(counts, `client side to ${names.get(remotePort)} (${state})`);
    else bump(counts, `other ${localPort}→${remotePort} (${state})`);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// The set-up: demo servers, worker (slots as in src/main.ts), queue, events.

const prefix = `{ftpops-soak-${randomBytes(4).toString('hex')}}`;
const demo = await startDemoServers({ slowLoginMs: SLOW_LOGIN_MS });
const env = { ...demo.passwordEnv };
const targetConfigs = new Map(demo.targets.map((t) => [t.name, { ...t, ...TIMEOUTS }]));
const slotsRedis = createRedis(REDIS_URL, 'blocking');
const worker = startCheckWorker({
  redis: { url: REDIS_URL, prefix },
  engine: new ProbeEngine(KnowledgeBase.load()),
  resolveRequest: (name) => {
    const target = targetConfigs.get(name);
    if (!target) throw new Error(`no demo target '${name}'`);
    return requestForTarget(target, {}, env);
  },
  concurrency: CONCURRENCY,
  lockMs: 30_000,
  targetSlots: new TargetSlots(slotsRedis, prefix, { cap: () => CAP }),
});
const queueRedis = createRedis(REDIS_URL, 'blocking');
const queue = new Queue<CheckJobData, CheckJobResult>(CHECK_QUEUE, { connection: queueRedis, prefix });
queue.on('error', () => undefined);
// From the start of the stream (the prefix is new): no event can slip by before the first read.
const events = new QueueEvents(CHECK_QUEUE, { connection: createRedis(REDIS_URL, 'blocking'), prefix, lastEventId: '0-0' });
events.on('error', () => undefined);
events.on('completed', ({ jobId, returnvalue }) => heard(jobId, (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as CheckJobResult));
events.on('failed', ({ jobId, failedReason }) => heard(jobId, { failed: failedReason }));
let stalled = 0;
events.on('stalled', () => stalled++);
const workerSaw = (id: string | undefined) => {
  const at = id ? parseId(id) : undefined;
  if (at && at.run.worked[at.i]! < 255) at.run.worked[at.i]!++;
};
worker.on('completed', (job) => workerSaw(job.id));
worker.on('failed', (job) => workerSaw(job?.id));

let phaseIndex = 0;
function setPhase(phase: Phase): void {
  for (const id of FAULT_IDS) if (id !== phase) demo.faults.set(id, false);
  if (phase !== 'none') demo.faults.set(phase, true);
  timeline.push({ at: Date.now(), phase });
}

const removal = { removeOnComplete: { count: 1_000 }, removeOnFail: { count: 1_000 } };
async function enqueue(run: Run, from: number, to: number): Promise<void> {
  const jobs = [];
  for (let i = from; i < to; i++) {
    jobs.push({ name: CHECK_JOB, data: { target: run.targetOf(i) }, opts: { jobId: `${run.name}-${i}`, ...removal } });
  }
  await queue.addBulk(jobs);
}
async function waitAnswered(run: Run, count: number, deadline: number): Promise<void> {
  while (run.answered < count && Date.now() < deadline) await sleep(20);
}

let cleaned = false;
async function cleanUp(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  clearInterval(toggler);
  await worker.close().catch(() => undefined);
  await events.close().catch(() => undefined);
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close().catch(() => undefined);
  // Whatever else lives under the prefix (slot sets, the events stream).
  try {
    let cursor = '0';
    do {
      const [next, keys] = await slotsRedis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await slotsRedis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch (err) {
    console.error(`could not remove the keys under ${prefix}: ${(err as Error).message}`);
  }
  slotsRedis.disconnect();
  queueRedis.disconnect();
  await demo.stop();
}
let toggler: NodeJS.Timeout | undefined;
process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));

let exitCode = 1;
try {
  await worker.waitUntilReady();
  await events.waitUntilReady();

  // Warm-up: every phase in turn, all its checks inside it (so every one is judged), which also
  // runs each fault path once before the "before" sample.
  const warm = newRun('warm', WARMUP_PER_PHASE * PHASES.length, (i) => TARGETS[i % TARGETS.length]!);
  runs.set(warm.name, warm);
  for (const [p, phase] of PHASES.entries()) {
    if (!FAULTS && phase !== 'none') continue;
    setPhase(phase);
    await sleep(20); // no check starts within EDGE_MS of the switch: all warm-up checks are judged
    await enqueue(warm, p * WARMUP_PER_PHASE, (p + 1) * WARMUP_PER_PHASE);
    await waitAnswered(warm, (p + 1) * WARMUP_PER_PHASE, Date.now() + 60_000);
    // Nothing of this phase may still be running when the next phase starts (answers come via Redis).
    await sleep(50);
  }
  if (!FAULTS) await enqueue(warm, WARMUP_PER_PHASE, warm.total).then(() => waitAnswered(warm, warm.total, Date.now() + 60_000));
  setPhase('none');
  const before = await settle();
  const handlesBefore = handles();
  const socketsBefore = openSockets();
  if (args['heap-snapshots']) console.log(`heap snapshot: ${writeHeapSnapshot(join(args['heap-snapshots'], 'soak-before.heapsnapshot'))}`);
  maxRss = before.rss;
  maxHeap = before.heapUsed;

  // The soak.
  const soak = newRun('soak', N, (i) => TARGETS[i % TARGETS.length]!);
  runs.set(soak.name, soak);
  const started = (soakStarted = Date.now());
  if (FAULTS) {
    toggler = setInterval(() => setPhase(PHASES[(phaseIndex = (phaseIndex + 1) % PHASES.length)]!), TOGGLE_MS);
  }
  let enqueued = 0;
  let progressAt = Date.now();
  let progressSeen = 0;
  feeding: while (enqueued < N) {
    while (enqueued - soak.answered > MAX_WAITING - WAVE) {
      await sleep(20);
      if (soak.answered !== progressSeen) [progressSeen, progressAt] = [soak.answered, Date.now()];
      // No answer at all for the deadline: stop feeding; what was not answered is reported lost.
      if (Date.now() - progressAt > DEADLINE_MS) break feeding;
    }
    const to = Math.min(N, enqueued + WAVE);
    await enqueue(soak, enqueued, to);
    enqueued = to;
  }
  const lastEnqueue = Date.now();
  await waitAnswered(soak, N, lastEnqueue + DEADLINE_MS);
  const finished = Date.now();
  clearInterval(toggler);
  setPhase('none');
  // Jobs whose answer never came: what Redis says about them.
  const missing = new Map<string, number>();
  let workerOnly = 0;
  for (let i = 0; i < enqueued; i++) {
    if (soak.heard[i]) continue;
    if (soak.worked[i]) workerOnly++;
    const job = await queue.getJob(`soak-${i}`);
    bump(missing, job ? await job.getState() : 'gone from Redis');
  }
  const after = await settle();
  const handlesAfter = handles();
  const socketsAfter = openSockets();
  if (args['heap-snapshots']) console.log(`heap snapshot: ${writeHeapSnapshot(join(args['heap-snapshots'], 'soak-after.heapsnapshot'))}`);

  // -------------------------------------------------------------------------------------------
  // Report.
  const dupHeard = soak.heard.reduce((n, c) => n + (c > 1 ? 1 : 0), 0);
  const dupWorked = soak.worked.reduce((n, c) => n + (c > 1 ? 1 : 0), 0);
  const lost = enqueued - soak.answered;
  const notEnqueued = N - enqueued;
  const ratio = after.rss / before.rss;
  const seconds = (finished - started) / 1000;
  const ds = [...soak.durations].filter((d) => !Number.isNaN(d)).sort((a, b) => a - b);
  const pct = (p: number) => ds[Math.min(ds.length - 1, Math.floor((p / 100) * ds.length))] ?? NaN;

  console.log(`\nmachine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; gc ${gc ? 'exposed' : 'NOT exposed (run with node --expose-gc --import tsx)'}`);
  console.log(`demo servers in-process; worker concurrency ${CONCURRENCY}, ${CAP} per target (TargetSlots); timeout 5 s, stage timeouts ≤ 3 s; slow-login ${SLOW_LOGIN_MS} ms`);
  console.log(`faults: ${FAULTS ? `one at a time, switched every ${TOGGLE_MS} ms through none, ${FAULT_IDS.join(', ')} (${timeline.length} switches)` : 'off (--no-faults)'}`);
  console.log(`warm-up: ${warm.total} checks, ${warm.judged} judged, ${warm.mismatches} mismatches, ${warm.errors + warm.failedJobs} errors, ${warm.total - warm.answered} unanswered`);
  console.log(`\n| measure | value |\n|---|---|`);
  const row = (k: string, v: string | number) => console.log(`| ${k} | ${v} |`);
  row('checks', `${N.toLocaleString('en')}${notEnqueued ? ` (${notEnqueued} never enqueued: the answers stopped)` : ''}`);
  row('duration', `${seconds.toFixed(1)} s (${(soak.answered / seconds).toFixed(1)} checks/s)`);
  row('check duration p50 / p99 / max', `${pct(50)} / ${pct(99)} / ${ds.at(-1)} ms`);
  row('lost (no completed/failed event)', `${lost}${lost ? ` (${[...missing].map(([s, n]) => `${s} ${n}`).join(', ')}; worker finished ${workerOnly} of them)` : ''}`);
  row('duplicates (events / worker)', `${dupHeard} / ${dupWorked}`);
  row('stray answers, stalled events', `${strayAnswers}, ${stalled}`);
  row('judged / ambiguous', `${soak.judged} / ${soak.ambiguous}`);
  row('mismatches', soak.mismatches);
  row('error results / failed jobs', `${soak.errors} / ${soak.failedJobs}`);
  row('RSS before / max / after', `${mb(before.rss)} / ${mb(maxRss)} / ${mb(after.rss)}`);
  row('RSS after ÷ before', `${ratio.toFixed(3)}${args['heap-snapshots'] ? ' (not comparable: writing the "before" heap snapshot itself grows RSS by ~100 MiB)' : ''}`);
  row('heap used before / max / after', `${mb(before.heapUsed)} / ${mb(maxHeap)} / ${mb(after.heapUsed)}`);
  row('external before / after', `${mb(before.external)} / ${mb(after.external)}`);
  row('uncaught exceptions', uncaught);
  if (memoryFailures) row('failed memory samples', memoryFailures);

  console.log(`\nmemory every ${SAMPLE_EVERY} answers (no gc): ${samples.map((s) => `${s.answered}: ${(s.rss / 2 ** 20).toFixed(0)}/${(s.heapUsed / 2 ** 20).toFixed(0)}`).join(', ')} (RSS/heap MiB)`);
  console.log(`active resources before: ${handlesBefore}`);
  console.log(`active resources after:  ${handlesAfter}`);
  console.log(`open sockets before: ${socketsBefore}`);
  console.log(`open sockets after:  ${socketsAfter}`);

  console.log(`\nresults judged (warm-up and soak), by the fault on for the whole check:`);
  console.log(`| fault | target | judged | passed | codes seen |\n|---|---|---|---|---|`);
  for (const phase of PHASES) {
    for (const target of ALL_TARGETS) {
      const t = byPhase.get(`${phase}|${target}`);
      if (!t) continue;
      const codes = [...t.codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ');
      console.log(`| ${phase} | ${target} | ${t.judged} | ${t.passed} | ${codes} |`);
    }
  }
  console.log(`ambiguous results, codes: ${[...ambiguousCodes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ') || '-'}`);
  if (mismatchCounts.size) {
    console.log(`\nmismatches (kind | fault | target | code: count):`);
    for (const [k, n] of [...mismatchCounts].sort((a, b) => b[1] - a[1])) console.log(`  ${k}: ${n}`);
    console.log(`the first of each:\n  ${[...mismatchExamples.values()].join('\n  ')}`);
  }
  if (errorResults.size) console.log(`\nerrors:\n  ${[...errorResults].map(([m, n]) => `${n}× ${m}`).join('\n  ')}`);
  if (warnings.size) console.log(`\nprocess warnings:\n  ${[...warnings].map(([m, n]) => `${n}× ${m}`).join('\n  ')}`);

  const goals = {
    'none lost': lost === 0 && notEnqueued === 0,
    'no duplicates': dupHeard === 0 && dupWorked === 0,
    'zero mismatches': soak.mismatches === 0 && warm.mismatches === 0,
    'no errors': soak.errors + soak.failedJobs + warm.errors + warm.failedJobs + uncaught + memoryFailures === 0,
    [`RSS after/before ≤ ${RSS_GOAL}`]: ratio <= RSS_GOAL,
  };
  console.log(`\ngoals: ${Object.entries(goals).map(([g, ok]) => `${g}: ${ok ? 'yes' : 'NO'}`).join('; ')}`);
  exitCode = Object.values(goals).every(Boolean) ? 0 : 1;
} finally {
  await cleanUp();
}
process.exit(exitCode);
