// FailureSignal → Finding, by table lookup over the data files in ./data and ./runbooks.
// Adding a reply code, a cause or a runbook is a data change, never a code branch.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import type { FailureSignal, Finding, StageName } from '../probes/probe.js';
import { STAGE_NAMES } from '../probes/probe.js';

const LAYERS = ['dns', 'tcp', 'protocol', 'tls', 'ssh', 'auth', 'data', 'fs', 'check'] as const;
const SOURCES = ['ftp-reply', 'errno', 'tls', 'ssh', 'sftp', 'protocol', 'timeout', 'check'] as const;

const findingSchema = z.object({
  severity: z.enum(['failure', 'warning']),
  layer: z.enum(LAYERS),
  title: z.string().min(1),
  causes: z.array(z.string().min(1)).min(1),
  nextSteps: z.array(z.string().min(1)).min(1),
  runbook: z.string().min(1),
});
export type FindingDefinition = z.infer<typeof findingSchema> & { code: string };

const oneOrMany = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));
const ruleSchema = z.object({
  source: z.enum(SOURCES).optional(),
  key: oneOrMany.optional(),
  stage: z.array(z.enum(STAGE_NAMES)).optional(),
  channel: z.enum(['data', 'control']).optional(),
  text: z.string().optional(),
  evidence: z.string().optional(),
  code: z.string(),
});
export type SignalRule = z.infer<typeof ruleSchema>;

const checksSchema = z.object({
  certExpiringDays: z.number().int().positive(),
  certExpiringCriticalDays: z.number().int().positive(),
  slowConnectMs: z.number().int().positive(),
  slowConnectCriticalMs: z.number().int().positive(),
  oldTlsVersions: z.array(z.string()),
  anonymousUsers: z.array(z.string()),
  weakSsh: z.object({
    kex: z.array(z.string()),
    hostKey: z.array(z.string()),
    cipher: z.array(z.string()),
    mac: z.array(z.string()),
  }),
});
export type CheckThresholds = z.infer<typeof checksSchema>;

const runbookHeaderSchema = z.object({ id: z.string().min(1), title: z.string().min(1), findings: z.array(z.string()).default([]) }).passthrough();
export type RunbookHeader = z.infer<typeof runbookHeaderSchema>;

const KNOWLEDGE_DIR = fileURLToPath(new URL('../../src/knowledge/', import.meta.url));

export class KnowledgeBase {
  private readonly findings: Map<string, FindingDefinition>;
  private readonly rules: Array<SignalRule & { textPattern?: RegExp }>;

  constructor(
    findings: Record<string, unknown>,
    rules: unknown[],
    readonly checks: CheckThresholds,
    readonly runbooks: Map<string, RunbookHeader>,
  ) {
    this.findings = new Map(
      Object.entries(findings).map(([code, raw]) => [code, { ...parseOrExplain(findingSchema, raw, `finding ${code}`), code }]),
    );
    this.rules = rules.map((raw, i) => {
      const rule = parseOrExplain(ruleSchema, raw, `signal rule #${i + 1}`);
      return rule.text ? { ...rule, textPattern: new RegExp(rule.text, 'i') } : rule;
    });
  }

  /** Load the built-in knowledge (and check it hangs together). */
  static load(dir = KNOWLEDGE_DIR): KnowledgeBase {
    const read = (file: string) => parse(readFileSync(`${dir}/${file}`, 'utf8')) as Record<string, unknown>;
    const runbooks = new Map<string, RunbookHeader>();
    for (const file of readdirSync(`${dir}/runbooks`).filter((f) => /\.ya?ml$/.test(f)).sort()) {
      const header = parseOrExplain(runbookHeaderSchema, read(`runbooks/${file}`), `runbook ${file}`);
      runbooks.set(header.id, header);
    }
    const kb = new KnowledgeBase(
      read('data/findings.yaml').findings as Record<string, unknown>,
      read('data/signals.yaml').rules as unknown[],
      parseOrExplain(checksSchema, read('data/checks.yaml'), 'data/checks.yaml'),
      runbooks,
    );
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

function parseOrExplain<T extends z.ZodType>(schema: T, raw: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${where}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return result.data;
}
