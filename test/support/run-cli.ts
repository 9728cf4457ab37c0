// Runs the real ./bin/ftpops in a child process, as a person would.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProbeReport } from '../../src/probes/probe.js';

export const BIN = fileURLToPath(new URL('../../bin/ftpops', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runBin(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr, ms: performance.now() - started });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** `ftpops check --json …` → the parsed report (and the exit code). */
export async function checkJson(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<{ report: ProbeReport; code: number; stderr: string }> {
  const result = await runBin(['check', '--json', ...args], options);
  let report: ProbeReport;
  try {
    report = JSON.parse(result.stdout) as ProbeReport;
  } catch {
    throw new Error(`no JSON report (exit ${result.code}): ${result.stdout.slice(0, 500)} ${result.stderr.slice(0, 500)}`);
  }
  return { report, code: result.code, stderr: result.stderr };
}
