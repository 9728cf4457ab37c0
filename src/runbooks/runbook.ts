// Runbooks are data: YAML files validated at load (built-ins in src/knowledge/runbooks, the
// operator's own in the folder named by FTPOPS_RUNBOOKS). Every problem names the file and field.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { STAGE_NAMES } from '../probes/probe.js';
import { ConfigError } from '../config/config-error.js';

const stepSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'step ids are kebab-case'),
    kind: z.enum(['instruction', 'check', 'decision', 'verify']),
    title: z.string().min(1),
    text: z.string().min(1),
    commands: z.array(z.string()).optional(),
    // protocol: ftp probes the target's host and port as plain FTP ("is plain FTP refused now?").
    check: z.object({ stage: z.enum(STAGE_NAMES), expect: z.enum(['pass', 'fail']), protocol: z.literal('ftp').optional() }).strict().optional(),
    yes: z.string().optional(),
    no: z.string().optional(),
    verify: z.object({ roundTrips: z.number().int().min(1), quietMinutes: z.number().min(0) }).strict().optional(),
  })
  .strict()
  .refine((s) => s.kind !== 'check' || s.check, { message: 'a check step needs check: { stage, expect }' })
  .refine((s) => s.kind !== 'decision' || (s.yes && s.no), { message: 'a decision step needs yes and no' })
  .refine((s) => s.kind !== 'verify' || s.verify, { message: 'a verify step needs verify: { roundTrips, quietMinutes }' });

export const runbookSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: z.string().min(1),
    summary: z.string().min(1),
    findings: z.array(z.string()).default([]),
    steps: z.array(stepSchema).min(1),
  })
  .strict()
  .superRefine((r, ctx) => {
    const ids = new Set<string>();
    r.steps.forEach((s, i) => {
      if (ids.has(s.id)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `step id '${s.id}' is used twice` });
      ids.add(s.id);
    });
    r.steps.forEach((s, i) => {
      for (const branch of ['yes', 'no'] as const) {
        const to = s[branch];
        if (to && !ids.has(to)) ctx.addIssue({ code: 'custom', path: ['steps', i, branch], message: `no step '${to}' to go to` });
      }
    });
  });

export type Runbook = z.infer<typeof runbookSchema>;
export type RunbookStep = Runbook['steps'][number];

export function parseRunbook(text: string, file: string): Runbook {
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError(`${file}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const result = runbookSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return result.data;
}

export const BUILT_IN_RUNBOOKS = fileURLToPath(new URL('../../src/knowledge/runbooks/', import.meta.url));

/** All runbooks in these folders; a later folder's runbook replaces a built-in of the same id. */
export function loadRunbooks(dirs: string[]): Map<string, Runbook> {
  const runbooks = new Map<string, Runbook>();
  for (const dir of dirs) {
    for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
      const path = join(dir, file);
      const runbook = parseRunbook(readFileSync(path, 'utf8'), path);
      runbooks.set(runbook.id, runbook);
    }
  }
  return runbooks;
}

/** Fill {host}, {port}, {user}, {protocol} with the target's values; unknown placeholders stay. */
/** {host}, {port}, {user}, {protocol} of the target a runbook runs for. */
export type PlaceholderValues = Partial<Record<'host' | 'port' | 'user' | 'protocol', string | number>>;

export function fillPlaceholders(text: string, values: PlaceholderValues): string {
  return text.replace(/\{(host|port|user|protocol)\}/g, (whole, key: keyof typeof values) => (values[key] !== undefined ? String(values[key]) : whole));
}

/**
 * The runbooks a bot offers: built-ins plus the operator's folder (FTPOPS_RUNBOOKS), found by id,
 * by a finding code they list, or by an alert class.
 */
export class RunbookLibrary {
  constructor(
    readonly runbooks: Map<string, Runbook>,
    /** Runbook id for a finding code or alert class from the knowledge base, as a fallback. */
    private readonly fallback: (codeOrClass: string) => string | undefined = () => undefined,
  ) {}

  static load(env: NodeJS.ProcessEnv, fallback?: (codeOrClass: string) => string | undefined): RunbookLibrary {
    const own = env.FTPOPS_RUNBOOKS;
    try {
      return new RunbookLibrary(loadRunbooks([BUILT_IN_RUNBOOKS, ...(own ? [own] : [])]), fallback);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`FTPOPS_RUNBOOKS: cannot read runbooks from '${own}': ${(err as Error).message.split('\n')[0]}`);
    }
  }

  /** A runbook by id, finding code ("auth.failed") or alert class ("capacity"). */
  resolve(query: string): Runbook | undefined {
    const byId = this.runbooks.get(query);
    if (byId) return byId;
    // The operator's runbooks are loaded last: a code they claim goes to theirs.
    const claiming = [...this.runbooks.values()].reverse().find((r) => r.findings.includes(query));
    if (claiming) return claiming;
    const id = this.fallback(query);
    return id ? this.runbooks.get(id) : undefined;
  }
}
