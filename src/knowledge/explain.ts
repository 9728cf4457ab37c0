// What a finding code, FTP reply code, errno or TLS error means here, in lines of text: the
// words of `ftpops explain` and of `/ftp explain` on every chat platform.
import { ConfigError } from '../config/config-error.js';
import type { KnowledgeBase, SignalRule } from './knowledge-base.js';

const SOURCE_NAMES: Record<string, string> = {
  'ftp-reply': 'an FTP reply code',
  errno: 'a network error',
  tls: 'a TLS error',
  ssh: 'an SSH error',
  sftp: 'an SFTP status',
  protocol: 'a protocol observation',
  timeout: 'a deadline',
  check: 'a verdict of the check',
};

/** The explanation; without a query, the list of finding codes. Throws ConfigError for what is unknown. */
export function explainLines(query: string | undefined, kb: KnowledgeBase): string[] {
  const lines: string[] = [];
  const out = (line: string) => lines.push(line);
  if (!query) {
    out('finding codes (ftpops explain CODE for details):');
    for (const code of kb.codes()) {
      const d = kb.definition(code)!;
      out(`  ${code.padEnd(26)}${d.severity === 'warning' ? '(warning) ' : ''}${d.title}`);
    }
    return lines;
  }
  const wanted = query.trim();
  const definition = kb.definition(wanted) ?? kb.definition(wanted.toLowerCase());
  if (definition) {
    out(`${definition.code} — ${definition.title}`);
    out(`  ${definition.severity}, layer ${definition.layer}, runbook ${definition.runbook}`);
    out('  likely causes:');
    definition.causes.forEach((c, i) => out(`    ${i + 1}. ${c}`));
    out('  next steps:');
    for (const s of definition.nextSteps) out(`    - ${s}`);
    return lines;
  }
  const rules = kb.rulesForKey(wanted.toUpperCase() === wanted ? wanted : wanted.toUpperCase()).concat(kb.rulesForKey(wanted));
  const unique = [...new Map(rules.map((r) => [`${r.code}|${r.stage}|${r.text}`, r])).values()];
  if (!unique.length) {
    throw new ConfigError(`'${printable(wanted)}' is not a finding code, reply code or error ftpops knows (run 'ftpops explain' for the list)`);
  }
  out(`${wanted} is ${SOURCE_NAMES[unique[0]!.source ?? 'check'] ?? 'a signal'}; ftpops reports it as:`);
  for (const rule of unique) {
    const d = kb.definition(rule.code)!;
    out(`  ${rule.code.padEnd(26)}${d.title}${condition(rule)}`);
  }
  const codes = [...new Set(unique.map((r) => r.code))];
  const first = kb.definition(codes[0]!)!;
  out('');
  out(`most often (${first.code}):`);
  first.causes.slice(0, 3).forEach((c, i) => out(`  ${i + 1}. ${c}`));
  return lines;
}

function condition(rule: SignalRule): string {
  const parts: string[] = [];
  if (rule.stage) parts.push(`at ${rule.stage.join('/')}`);
  if (rule.channel === 'data') parts.push('on the data connection');
  if (rule.text) parts.push(`when the text matches /${rule.text}/`);
  return parts.length ? `  [${parts.join(', ')}]` : '';
}

function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.slice(0, 60).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
}
