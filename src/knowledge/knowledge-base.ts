// FailureSignal → Finding, by table lookup over the data files in ./data and ./runbooks.
// Adding a reply code, a cause or a runbook is a data change, never a code branch.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FailureSignal, Finding, StageName } from '../probes/probe.js';
import { type CheckThresholds, type FindingFields, type KnowledgeSources, readSources, type RunbookHeader, type SignalRule, sourceFiles } from './knowledge-schema.js';

export type { CheckThresholds, RunbookHeader, SignalRule } from './knowledge-schema.js';
export type FindingDefinition = FindingFields & { code: string };

const KNOWLEDGE_DIR = fileURLToPath(new URL('../../src/knowledge/', import.meta.url));
/** The validated sources, written by `npm run build` (compile-knowledge.ts). */
export const COMPILED_KNOWLEDGE = fileURLToPath(new URL('../../dist/knowledge/knowledge.json', import.meta.url));

export class KnowledgeBase {
  private readonly findings: Map<string, FindingDefinition>;
  private readonly rules: Array<SignalRule & { textPattern?: RegExp }>;

  private constructor(sources: KnowledgeSources) {
    this.findings = new Map(Object.entries(sources.findings).map(([code, def]) => [code, { ...def, code }]));
    this.rules = sources.rules.map((rule) => (rule.text ? { ...rule, textPattern: new RegExp(rule.text, 'i') } : rule));
    this.checks = sources.checks;
    this.runbooks = new Map(sources.runbooks.map((r) => [r.id, r]));
  }

  readonly checks: CheckThresholds;
  readonly runbooks: Map<string, RunbookHeader>;

  /**
   * Load the built-in knowledge (and check it hangs together): from the compiled file when it is
   * at least as new as every data file, else from the data files themselves.
   */
  static load(dir = KNOWLEDGE_DIR): KnowledgeBase {
    const compiled = dir === KNOWLEDGE_DIR ? readCompiled(dir) : undefined;
    const kb = new KnowledgeBase(compiled ?? readSources(dir));
    const problems = kb.problems();
    if (problems.length) throw new Error(`knowledge base is inconsistent: ${problems.join('; ')}`);
    return kb;
  }

  /** Every defined code, in file order. */
  codes(): string[] {
    return [...this.findings.keys()];
  }

  definition(code: string): FindingDefinition | undefined {
    return this.findings.get(code);
  }

  /** The first rule matching the signal. Total: the last rule matches anything. */
  ruleFor(signal: FailureSignal): SignalRule {
    const text = signal.reply?.text ?? signal.message ?? '';
    const rule = this.rules.find((r) =>
      (!r.source || r.source === signal.source) &&
      (!r.key || r.key.some((k) => keyMatches(k, signal.key))) &&
      (!r.stage || r.stage.includes(signal.stage)) &&
      (!r.channel || r.channel === (signal.channel ?? 'control')) &&
      (!r.evidence || r.evidence === signal.evidence) &&
      (!r.textPattern || r.textPattern.test(text)),
    );
    if (!rule) throw new Error(`no rule for ${signal.source}:${signal.key} (the rule list must end in a catch-all)`);
    return rule;
  }

  findingFor(signal: FailureSignal): Finding {
    const code = this.ruleFor(signal).code;
    // The message often just repeats the server's reply; keep it only when it adds something.
    const repeatsReply = signal.reply !== undefined && signal.message !== undefined && signal.message.includes(signal.reply.text);
    return this.finding(code, signal.stage, signal.reply ?? null, repeatsReply ? undefined : signal.message);
  }

  finding(code: string, stage: StageName, reply: Finding['reply'] = null, detail?: string): Finding {
    const def = this.findings.get(code);
    if (!def) throw new Error(`unknown finding code ${code}`);
    const finding: Finding = {
      code,
      severity: def.severity,
      layer: def.layer,
      stage,
      reply,
      title: def.title,
      causes: def.causes,
      nextSteps: def.nextSteps,
      runbook: def.runbook,
    };
    if (detail) finding.detail = detail;
    return finding;
  }

  /** Rules whose keys name this input: "530" → ftp-reply rules, "ECONNRESET" → errno rules. */
  rulesForKey(key: string): SignalRule[] {
    const wanted = key.trim();
    return this.rules.filter((r) => r.key?.some((k) => k.toLowerCase() === wanted.toLowerCase() || keyMatches(k, wanted)));
  }

  /** Consistency of the data: used at load and by the tests. */
  problems(): string[] {
    const problems: string[] = [];
    for (const def of this.findings.values()) {
      if (!this.runbooks.has(def.runbook)) problems.push(`${def.code} names runbook ${def.runbook}, which does not exist`);
    }
    for (const rule of this.rules) {
      if (!this.findings.has(rule.code)) problems.push(`a signal rule names unknown code ${rule.code}`);
    }
    for (const runbook of this.runbooks.values()) {
      for (const code of runbook.findings) {
        if (!this.findings.has(code)) problems.push(`runbook ${runbook.id} lists unknown code ${code}`);
      }
    }
    return problems;
  }
}

function keyMatches(pattern: string, key: string): boolean {
  if (pattern === key) return true;
  if (/^\dxx$/.test(pattern)) return /^\d{3}$/.test(key) && key[0] === pattern[0];
  if (pattern.endsWith('*')) return key.startsWith(pattern.slice(0, -1));
  return false;
}

/** knowledge.json, when it exists and no data file is newer. */
function readCompiled(dir: string): KnowledgeSources | undefined {
  if (!existsSync(COMPILED_KNOWLEDGE)) return undefined;
  const compiledAt = statSync(COMPILED_KNOWLEDGE).mtimeMs;
  if (sourceFiles(dir).some((f) => statSync(`${dir}/${f}`).mtimeMs > compiledAt)) return undefined;
  return JSON.parse(readFileSync(COMPILED_KNOWLEDGE, 'utf8')) as KnowledgeSources;
}
