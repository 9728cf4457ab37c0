// The shape of the knowledge files (data/*.yaml, runbooks/*.yaml), and reading them: YAML,
// validated with zod. Done once when the bot is built (dist/knowledge/knowledge.json, see
// compile-knowledge.ts) and whenever a data file is newer than that; a command that starts
// from the compiled file loads neither yaml nor zod (they cost a CLI check most of its start-up).
// The two libraries are required on first use, synchronously, so that importing this module
// costs nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { z as Zod } from 'zod';
import { STAGE_NAMES } from '../probes/probe.js';

const require = createRequire(import.meta.url);

export const LAYERS = ['dns', 'tcp', 'protocol', 'tls', 'ssh', 'auth', 'data', 'fs', 'check'] as const;
export const SOURCES = ['ftp-reply', 'errno', 'tls', 'ssh', 'sftp', 'protocol', 'timeout', 'check'] as const;

export interface FindingFields {
  severity: 'failure' | 'warning';
  layer: (typeof LAYERS)[number];
  title: string;
  causes: string[];
  nextSteps: string[];
  runbook: string;
}

export interface SignalRule {
  source?: (typeof SOURCES)[number];
  key?: string[];
  stage?: Array<(typeof STAGE_NAMES)[number]>;
  channel?: 'data' | 'control';
  text?: string;
  evidence?: string;
  code: string;
}

export interface CheckThresholds {
  certExpiringDays: number;
  certExpiringCriticalDays: number;
  slowConnectMs: number;
  slowConnectCriticalMs: number;
  oldTlsVersions: string[];
  anonymousUsers: string[];
  weakSsh: { kex: string[]; hostKey: string[]; cipher: string[]; mac: string[] };
}

export interface RunbookHeader {
  id: string;
  title: string;
  findings: string[];
  [more: string]: unknown;
}

/** Everything the knowledge base is built from, validated: what knowledge.json holds. */
export interface KnowledgeSources {
  findings: Record<string, FindingFields>;
  rules: SignalRule[];
  checks: CheckThresholds;
  runbooks: RunbookHeader[];
}

/** The data files, as read by readSources (their modification times decide whether knowledge.json is current). */
export function sourceFiles(dir: string): string[] {
  const runbooks = readdirSync(`${dir}/runbooks`).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => `runbooks/${f}`);
  return ['data/findings.yaml', 'data/signals.yaml', 'data/checks.yaml', ...runbooks];
}

/** Read and validate the YAML files; throws with the file and field of the first problem. */
export function readSources(dir: string): KnowledgeSources {
  const { parse } = require('yaml') as typeof import('yaml');
  const s = schemas();
  const read = (file: string) => parse(readFileSync(`${dir}/${file}`, 'utf8')) as Record<string, unknown>;
  const findingsRaw = read('data/findings.yaml').findings as Record<string, unknown>;
  const findings = Object.fromEntries(Object.entries(findingsRaw).map(([code, raw]) => [code, parseOrExplain(s.finding, raw, `finding ${code}`)]));
  const rules = (read('data/signals.yaml').rules as unknown[]).map((raw, i) => parseOrExplain(s.rule, raw, `signal rule #${i + 1}`));
  const checks = parseOrExplain(s.checks, read('data/checks.yaml'), 'data/checks.yaml');
  const runbooks = sourceFiles(dir)
    .filter((f) => f.startsWith('runbooks/'))
    .map((f) => parseOrExplain(s.runbookHeader, read(f), `runbook ${f.slice('runbooks/'.length)}`));
  return { findings, rules, checks, runbooks };
}

let built: ReturnType<typeof buildSchemas> | undefined;
function schemas(): ReturnType<typeof buildSchemas> {
  built ??= buildSchemas((require('zod') as { z: typeof Zod }).z);
  return built;
}

function buildSchemas(z: typeof Zod) {
  const oneOrMany = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));
  return {
    finding: z.object({
      severity: z.enum(['failure', 'warning']),
      layer: z.enum(LAYERS),
      title: z.string().min(1),
      causes: z.array(z.string().min(1)).min(1),
      nextSteps: z.array(z.string().min(1)).min(1),
      runbook: z.string().min(1),
    }),
    rule: z.object({
      source: z.enum(SOURCES).optional(),
      key: oneOrMany.optional(),
      stage: z.array(z.enum(STAGE_NAMES)).optional(),
      channel: z.enum(['data', 'control']).optional(),
      text: z.string().optional(),
      evidence: z.string().optional(),
      code: z.string(),
    }),
    checks: z.object({
      certExpiringDays: z.number().int().positive(),
      certExpiringCriticalDays: z.number().int().positive(),
      slowConnectMs: z.number().int().positive(),
      slowConnectCriticalMs: z.number().int().positive(),
      oldTlsVersions: z.array(z.string()),
      anonymousUsers: z.array(z.string()),
      weakSsh: z.object({ kex: z.array(z.string()), hostKey: z.array(z.string()), cipher: z.array(z.string()), mac: z.array(z.string()) }),
    }),
    runbookHeader: z.object({ id: z.string().min(1), title: z.string().min(1), findings: z.array(z.string()).default([]) }).passthrough(),
  };
}

function parseOrExplain<T extends Zod.ZodType>(schema: T, raw: unknown, where: string): Zod.infer<T> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${where}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return result.data;
}
