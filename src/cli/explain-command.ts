// ftpops explain <530 | ECONNRESET | auth.failed | ...>: what a code, reply or error means here.
import { KnowledgeBase, type SignalRule } from '../knowledge/knowledge-base.js';
import { ConfigError } from '../config/config-error.js';
import type { CliIo } from './cli-io.js';

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

export function explainCommand(query: string | undefined, io: CliIo, kb = KnowledgeBase.load()): number {
  if (!query) {
    io.out('finding codes (ftpops explain CODE for details):');
    for (const code of kb.codes()) {
      const d = kb.definition(code)!;
      io.out(`  ${code.padEnd(26)}${d.severity === 'warning' ? '(warning) ' : ''}${d.title}`);
    }
    return 0;
  }
  const wanted = query.trim();
  const definition = kb.definition(wanted) ?? kb.definition(wanted.toLowerCase());
  if (definition) {
    io.out(`${definition.code} — ${definition.title}`);
    io.out(`  ${definition.severity}, layer ${definition.layer}, runbook ${definition.runbook}`);
    io.out('  likely causes:');
    definition.causes.forEach((c, i) => io.out(`    ${i + 1}. ${c}`));
    io.out('  next steps:');
    for (const s of definition.nextSteps) io.out(`    - ${s}`);
    return 0;
  }
  const rules = kb.rulesForKey(wanted.toUpperCase() === wanted ? wanted : wanted.toUpperCase()).concat(kb.rulesForKey(wanted));
  const unique = [...new Map(rules.map((r) => [`${r.code}|${r.stage}|${r.text}`, r])).values()];
  if (!unique.length) {
    throw new ConfigError(`'${wanted.slice(0, 60)}' is not a finding code, reply code or error ftpops knows (run 'ftpops explain' for the list)`);
  }
  io.out(`${wanted} is ${SOURCE_NAMES[unique[0]!.source ?? 'check'] ?? 'a signal'}; ftpops reports it as:`);
  for (const rule of unique) {
    const d = kb.definition(rule.code)!;
    io.out(`  ${rule.code.padEnd(26)}${d.title}${condition(rule)}`);
  }
  const codes = [...new Set(unique.map((r) => r.code))];
  const first = kb.definition(codes[0]!)!;
  io.out('');
  io.out(`most often (${first.code}):`);
  first.causes.slice(0, 3).forEach((c, i) => io.out(`  ${i + 1}. ${c}`));
  return 0;
}

function condition(rule: SignalRule): string {
  const parts: string[] = [];
  if (rule.stage) parts.push(`at ${rule.stage.join('/')}`);
  if (rule.channel === 'data') parts.push('on the data connection');
  if (rule.text) parts.push(`when the text matches /${rule.text}/`);
  return parts.length ? `  [${parts.join(', ')}]` : '';
}
