// ftpops runbooks: the runbooks a bot would offer (built-ins plus $FTPOPS_RUNBOOKS), validated the
// same way the bot validates them at start, so operators can try their own before deploying.
import { RunbookLibrary } from '../runbooks/runbook.js';
import type { CliIo } from './cli-io.js';

export function runbooksCommand(flags: { json?: boolean }, io: CliIo): number {
  // Throws ConfigError (file and field) for a broken runbook: the CLI prints it and exits 2.
  const library = RunbookLibrary.load(io.env);
  const rows = [...library.runbooks.values()].map((r) => ({
    id: r.id,
    title: r.title,
    steps: r.steps.length,
    checks: r.steps.filter((s) => s.kind === 'check' || s.kind === 'verify').length,
    findings: r.findings,
  }));
  if (flags.json) {
    io.out(JSON.stringify(rows, null, 2));
    return 0;
  }
  const width = Math.max(...rows.map((r) => r.id.length)) + 2;
  for (const r of rows) {
    io.out(`${r.id.padEnd(width)}${r.title} (${r.steps} steps, ${r.checks} run by the bot)`);
    if (r.findings.length) io.out(`${''.padEnd(width)}for ${r.findings.join(', ')}`);
  }
  return 0;
}
