// npm run bench:cli — whole processes, as cron, CI jobs and monitoring agents run them:
//  1. `ftpops check` of a healthy local target (login + list) beside curl doing the same, and
//     beside check_ftp / check_ssh from monitoring-plugins (which only read the greeting);
//  2. `ftpops --help`;
//  3. the idle memory of `ftpops worker`, `ftpops bot` and `ftpops all`.
// Wall time, CPU (user + system) and peak RSS of each run come from /usr/bin/time. Runs alternate
// between the tools, so drift hits all alike; the figures are medians. Not a test: it measures.
// Results go to BENCHMARKS.md by hand, with the machine's size.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setup, teardown } from '../test/support/global-setup.js';
import { loadTestbed } from '../test/support/testbed.js';
import { startFakeSlackApi } from '../test/support/fake-slack-api.js';
import { BIN } from '../test/support/run-cli.js';
import { RoleProcess, freePort, slackRoleEnv, uniquePrefix, writeConfig } from '../test/support/bot-process.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const PLUGINS = '/usr/lib/nagios/plugins';

interface Sample {
  wallMs: number;
  cpuMs: number;
  rssMiB: number;
  ok: boolean;
}

/** One run of a command under /usr/bin/time. */
function timed(command: string[], env: NodeJS.ProcessEnv = {}): Sample {
  const out = join(mkdtempSync(join(tmpdir(), 'ftpops-bench-')), 'time');
  const result = spawnSync('/usr/bin/time', ['-o', out, '-f', '%e %U %S %M', ...command], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'ignore'] });
  const [wall, user, system, rssKb] = readFileSync(out, 'utf8').trim().split(/\s+/).slice(-4).map(Number);
  return { wallMs: wall! * 1000, cpuMs: (user! + system!) * 1000, rssMiB: rssKb! / 1024, ok: result.status === 0 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function ensurePlugins(): boolean {
  if (existsSync(`${PLUGINS}/check_ftp`)) return true;
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'monitoring-plugins-basic'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: 'ignore' });
  return r.status === 0 && existsSync(`${PLUGINS}/check_ftp`);
}

async function idleRss(role: 'worker' | 'bot' | 'all', env: NodeJS.ProcessEnv): Promise<number> {
  const proc = new RoleProcess(role, env);
  try {
    await proc.ready(30_000);
    await new Promise((r) => setTimeout(r, 3_000));
    const status = readFileSync(`/proc/${proc.child.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  } finally {
    await proc.kill('SIGTERM');
  }
}

await setup();
const rows: string[] = [];
try {
  const tb = loadTestbed();
  const ftp = tb.servers['vsftpd-main']!.port;
  const ssh = tb.servers['sshd-main']!.port;
  const plugins = ensurePlugins();
  const pwEnv = { BENCH_PW: tb.password };
  const node = process.execPath;
  const cases: Array<[string, string[]]> = [
    ['ftpops check ftp:// (login + list)', [node, BIN, 'check', `ftp://${tb.user}@127.0.0.1:${ftp}/`, '--password-env', 'BENCH_PW']],
    ['curl ftp:// (login + list)', ['curl', '-s', '-o', '/dev/null', `ftp://${tb.user}:${encodeURIComponent(tb.password)}@127.0.0.1:${ftp}/`]],
    ['ftpops check sftp:// (login + list)', [node, BIN, 'check', `sftp://${tb.user}@127.0.0.1:${ssh}/`, '--password-env', 'BENCH_PW']],
    ['curl sftp:// (login + list)', ['curl', '-s', '-k', '-o', '/dev/null', `sftp://${tb.user}:${encodeURIComponent(tb.password)}@127.0.0.1:${ssh}/`]],
    ['ftpops --help', [node, BIN, '--help']],
    ...(plugins
      ? ([
          ['check_ftp (greeting only)', [`${PLUGINS}/check_ftp`, '-H', '127.0.0.1', '-p', String(ftp)]],
          ['check_ssh (identification only)', [`${PLUGINS}/check_ssh`, '-H', '127.0.0.1', '-p', String(ssh)]],
        ] as Array<[string, string[]]>)
      : []),
  ];
  const samples = new Map<string, Sample[]>(cases.map(([label]) => [label, []]));
  for (const [, command] of cases) timed(command, pwEnv); // warm caches
  for (let i = 0; i < RUNS; i++) for (const [label, command] of cases) samples.get(label)!.push(timed(command, pwEnv));

  const summary = (label: string) => {
    const xs = samples.get(label)!;
    return { wall: median(xs.map((s) => s.wallMs)), cpu: median(xs.map((s) => s.cpuMs)), rss: median(xs.map((s) => s.rssMiB)), failed: xs.filter((s) => !s.ok).length };
  };
  const curlFtp = summary('curl ftp:// (login + list)');
  const curlSftp = summary('curl sftp:// (login + list)');
  rows.push('| command | wall ms | CPU ms | peak RSS MiB | wall ÷ curl (same protocol) | failed runs |', '|---|---|---|---|---|---|');
  for (const [label] of cases) {
    const s = summary(label);
    const base = label.includes('sftp') || label.includes('check_ssh') ? curlSftp : curlFtp;
    rows.push(`| ${label} | ${s.wall.toFixed(0)} | ${s.cpu.toFixed(0)} | ${s.rss.toFixed(0)} | ${(s.wall / base.wall).toFixed(2)} | ${s.failed} |`);
  }

  // Idle processes: what a worker, a bot and both in one hold once started.
  const fake = await startFakeSlackApi();
  try {
    const config = writeConfig(`targets:\n  bench-ftp:\n    url: ftp://${tb.user}@127.0.0.1:${ftp}\n    passwordEnv: BENCH_PW\n`);
    const env = async () => ({ ...slackRoleEnv({ apiUrl: fake.url, port: await freePort(), prefix: uniquePrefix(), config }), ...pwEnv });
    rows.push('', '| role, idle | RSS MiB (median of 3 starts) |', '|---|---|');
    for (const role of ['worker', 'bot', 'all'] as const) {
      const rss: number[] = [];
      for (let i = 0; i < 3; i++) rss.push(await idleRss(role, await env()));
      rows.push(`| ftpops ${role} | ${median(rss).toFixed(0)} |`);
    }
  } finally {
    await fake.close();
  }
} finally {
  await teardown();
}

const versions = [execFileSync('curl', ['--version']).toString().split('\n')[0]];
console.log(`\nmachine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${versions.join('; ')}`);
console.log(`${RUNS} runs of each command, alternating\n`);
console.log(rows.join('\n'));
process.exit(0);
