// The human form of a report: a stage timeline, then the finding, its causes and next steps,
// then the facts worth seeing.
import type { Finding, ProbeReport, StageResult } from '../probes/probe.js';

const MARK: Record<StageResult['status'], string> = { ok: '✓', failed: '✗', skipped: '·' };

export function stageLine(stage: StageResult): string {
  const ms = stage.status === 'skipped' ? '' : `${formatMs(stage.durationMs)}`;
  return `  ${MARK[stage.status]} ${stage.name.padEnd(9)}${ms.padStart(9)}  ${stage.detail ?? ''}`.trimEnd();
}

export function headerLine(report: Pick<ProbeReport, 'target' | 'url'>): string {
  return report.target === report.url ? `check ${report.url}` : `check ${report.target} (${report.url})`;
}

export function renderReport(report: ProbeReport, options: { stagesAlreadyShown?: boolean } = {}): string {
  const lines: string[] = [];
  if (!options.stagesAlreadyShown) {
    lines.push(headerLine(report));
    for (const stage of report.stages) lines.push(stageLine(stage));
  }
  lines.push('');
  if (report.finding) {
    lines.push(...renderFinding(report.finding));
  } else {
    lines.push(`✓ healthy — ${report.protocol} check passed in ${formatMs(report.durationMs)}`);
  }
  for (const warning of report.warnings) {
    lines.push(`! ${warning.code} — ${warning.title}${warning.detail ? `: ${warning.detail}` : ''}`);
  }
  lines.push(...renderFacts(report));
  return lines.join('\n');
}

export function renderFinding(f: Finding): string[] {
  const lines = [`✗ ${f.code} — ${f.title}`, `  layer ${f.layer}, stage ${f.stage}${f.detail ? `: ${f.detail}` : ''}`];
  if (f.reply) lines.push(`  server said: ${f.reply.code !== undefined ? `${f.reply.code} ` : ''}${f.reply.text}`);
  lines.push('  likely causes:');
  f.causes.forEach((c, i) => lines.push(`    ${i + 1}. ${c}`));
  lines.push('  next steps:');
  for (const s of f.nextSteps) lines.push(`    - ${s}`);
  lines.push(`  runbook: ${f.runbook}`);
  return lines;
}

function renderFacts(report: ProbeReport): string[] {
  const f = report.facts;
  const rows: Array<[string, string | undefined]> = [
    ['address', f.address && f.addresses && f.addresses.length > 1 ? `${f.address} (resolved: ${f.addresses.join(', ')})` : f.address],
    ['server', f.software],
    ['banner', f.ssh ? undefined : f.banner?.split('\n').slice(0, 3).join(' | ')],
    ['features', f.features?.length ? f.features.join(', ') : undefined],
    ['passive', f.passiveAddress],
    ['tls', f.tls?.version ? `${f.tls.version} ${f.tls.cipher ?? ''}`.trim() : undefined],
    ['certificate', f.tls?.subject ? `${f.tls.subject}; issuer ${f.tls.issuer}; SAN ${f.tls.subjectAltNames?.join(', ') || '-'}` : undefined],
    ['expires', f.tls?.validTo ? `${f.tls.validTo.slice(0, 10)} (${f.tls.daysLeft} days left)` : undefined],
    ['ssh', f.ssh?.identification],
    ['algorithms', f.ssh?.kex ? [f.ssh.kex, f.ssh.hostKeyAlgorithm, f.ssh.cipher, f.ssh.mac].filter(Boolean).join(', ') : undefined],
    ['host key', f.ssh?.hostKeyFingerprint],
    ['directory', f.cwd !== undefined ? `${f.cwd} (${f.entries ?? 0} entries)` : undefined],
  ];
  const shown = rows.filter((r): r is [string, string] => Boolean(r[1]));
  if (!shown.length) return [];
  return ['', 'facts:', ...shown.map(([k, v]) => `  ${k.padEnd(12)}${v}`)];
}

function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
