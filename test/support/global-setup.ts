// vitest globalSetup of the integration project: real daemons on loopback for *.int.test.ts.
// `testbed.sh install` (idempotent; fast once done), then `start`; `stop` in teardown.
// A daemon that does not come up fails the run with its log tail; nothing is skipped.
//
// The daemons' ports are fixed, so two runs on one machine (two checkouts, or one checkout
// twice) would stop each other's daemons: a run holds a machine-wide lock file (its PID) from
// set-up to teardown, and a second run waits for it.
// FTPOPS_KEEP_TESTBED=1 leaves the daemons running after the run (for poking at them).
import { spawnSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { TESTBED_DIR } from './testbed.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/testbed.sh', import.meta.url));
const LOCK = process.env.FTPOPS_TESTBED_LOCK ?? `${tmpdir()}/ftpops-testbed.lock`;
const LOCK_WAIT_MS = 15 * 60_000;

function testbed(command: 'install' | 'start' | 'stop'): void {
  const started = performance.now();
  const result = spawnSync('bash', [SCRIPT, command], { encoding: 'utf8', timeout: 15 * 60_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.error || result.status !== 0) {
    throw new Error(
      `scripts/testbed.sh ${command} failed (${result.error?.message ?? `exit ${result.status}${result.signal ? `, ${result.signal}` : ''}`}):\n${output.split('\n').slice(-60).join('\n')}`,
    );
  }
  if (process.env.FTPOPS_TESTBED_VERBOSE) {
    console.log(`testbed ${command}: ${Math.round(performance.now() - started)} ms\n${output}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function acquireLock(): Promise<void> {
  mkdirSync(TESTBED_DIR, { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(LOCK, 'utf8').trim());
    } catch {
      continue; // released meanwhile
    }
    if (!Number.isInteger(holder) || holder <= 0 || !alive(holder)) {
      rmSync(LOCK, { force: true }); // stale: its run died without teardown
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${LOCK}: another test run (pid ${holder}) has held the testbed for over ${LOCK_WAIT_MS / 60_000} min`);
    if (!announced) {
      console.log(`testbed: waiting for another test run (pid ${holder}) to finish with the daemons`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

function releaseLock(): void {
  try {
    if (readFileSync(LOCK, 'utf8').trim() === String(process.pid)) rmSync(LOCK, { force: true });
  } catch {
    // already gone
  }
}

export async function setup(): Promise<void> {
  await acquireLock();
  try {
    testbed('install');
    testbed('start');
  } catch (err) {
    releaseLock();
    throw err;
  }
}

export async function teardown(): Promise<void> {
  try {
    if (!process.env.FTPOPS_KEEP_TESTBED) testbed('stop');
  } finally {
    releaseLock();
  }
}
