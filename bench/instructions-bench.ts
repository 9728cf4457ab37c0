// npm run bench:instructions — client instructions per check, the ftpops engine against a bare
// basic-ftp loop doing the same steps on the same vsftpd, counted by valgrind's callgrind
// (instructions do not depend on what else the machine does, unlike CPU time). Each side runs
// twice, with few and with many checks; the difference divided by the extra checks is the cost
// of one check, with Node's start-up and the module loading taken out.
// Not a test: it measures. Results go to BENCHMARKS.md by hand.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setup, teardown } from '../test/support/global-setup.js';
import { loadTestbed } from '../test/support/testbed.js';

const FEW = Number(process.env.BENCH_FEW ?? 5);
const MANY = Number(process.env.BENCH_MANY ?? 25);
const LOOP = new URL('./check-loop.mjs', import.meta.url).pathname;

/** Instructions executed by `node check-loop.mjs side n …` under callgrind. */
function instructions(side: 'engine' | 'bare', n: number, args: string[], env: NodeJS.ProcessEnv): number {
  const out = join(mkdtempSync(join(tmpdir(), 'ftpops-callgrind-')), 'callgrind.out');
  // --smc-check: V8 writes and runs its own machine code.
  const r = spawnSync('valgrind', ['--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${out}`, process.execPath, LOOP, side, String(n), ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`callgrind ${side} ${n} failed (${r.status}): ${r.stderr.split('\n').slice(-5).join('\n')}`);
  const summary = /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, 'utf8'));
  if (!summary) throw new Error(`no instruction total in ${out}`);
  return Number(summary[1]);
}

await setup();
try {
  const tb = loadTestbed();
  const args = ['127.0.0.1', String(tb.servers['vsftpd-main']!.port), tb.user];
  const env = { BENCH_PW: tb.password };
  const perCheck: Record<string, number> = {};
  for (const side of ['bare', 'engine'] as const) {
    const few = instructions(side, FEW, args, env);
    const many = instructions(side, MANY, args, env);
    perCheck[side] = (many - few) / (MANY - FEW);
    console.log(`${side}: ${few} instructions for ${FEW} checks, ${many} for ${MANY}: ${(perCheck[side]! / 1e6).toFixed(2)} M per check`);
  }
  console.log(`\nengine ÷ bare, instructions per check: ${(perCheck.engine! / perCheck.bare!).toFixed(3)}`);
} finally {
  await teardown();
}
process.exit(0);
