// The words of `ftpops explain`: any pasted text (a code, a reply, a client's error or log)
// explained by ./explain/explain-text.ts, the likeliest finding first; without a query, the list
// of finding codes. `/ftp explain` says the same through its own message (src/bot/messages.ts).
import type { KnowledgeBase } from './knowledge-base.js';
import type { ExplanationDetail } from './explain/explain-text.js';

/** Without a query: every finding code with its title. */
export function codeListLines(kb: KnowledgeBase): string[] {
  const lines = ['finding codes (ftpops explain CODE for details; or paste an error or a log excerpt):'];
  for (const code of kb.codes()) {
    const d = kb.definition(code)!;
    lines.push(`  ${code.padEnd(26)}${d.severity === 'warning' ? '(warning) ' : ''}${d.title}`);
  }
  return lines;
}

/** An explanation as terminal lines: the best answer's title, why, causes and next steps, then the alternatives. */
export function explanationLines(e: ExplanationDetail, kb: KnowledgeBase): string[] {
  const best = e.candidates[0];
  const def = best && kb.definition(best.code);
  if (!best || !def) return [];
  const lines: string[] = [];
  const out = (line: string) => lines.push(printable(line));
  out(`${def.code} — ${def.title}`);
  const likely = e.candidates.length > 1 ? `, ${percent(best.confidence)} likely` : '';
  out(`  ${def.severity}, layer ${def.layer}, runbook ${def.runbook}${likely}`);
  if (e.client) out(`  from: ${e.client}`);
  if (e.decisive) out(`  decisive line: ${e.decisive}`);
  out(`  why: ${best.why}`);
  out('  likely causes:');
  def.causes.forEach((c, i) => out(`    ${i + 1}. ${c}`));
  out('  next steps:');
  for (const s of def.nextSteps) out(`    - ${s}`);
  const others = e.candidates.slice(1);
  if (others.length) {
    out('');
    out('other possibilities, most likely first:');
    for (const c of others) {
      out(`  ${c.code.padEnd(26)}${percent(c.confidence).padStart(4)}  ${c.title}`);
      out(`      ${c.why}`);
    }
  }
  return lines;
}

export function percent(confidence: number): string {
  return `${Math.round(confidence * 100)}%`;
}

/** Pasted text may carry terminal escapes or other controls: shown as '?', never obeyed. */
function printable(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
}
