// The data `explain` reads beside the knowledge base, from src/knowledge/data/explain/:
//   <family>.yaml  what one family of clients (or servers) prints, as patterns; each pattern names
//                  the findings it points to with a likelihood, says why, and carries the real
//                  messages it was written from (every one is a test: test/explain-examples.test.ts)
//   ranking.yaml   for a bare reply code, errno or TLS error: how likely each finding its signal
//                  rules (signals.yaml) can lead to is, in practice; and which log lines tell the
//                  step a failure happened at.
// Knowledge is data: adding a client's message is a YAML change, never a code branch.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { STAGE_NAMES, type StageName } from '../../probes/probe.js';
import type { KnowledgeBase } from '../knowledge-base.js';

const likelihoodSchema = z
  .object({
    code: z.string().min(1),
    /** How often this finding is the cause when this text (or key) is seen, as a share of 100. */
    likelihood: z.number().positive().max(100),
    /** For an alternative: what would tell it apart. Defaults to the pattern's own why. */
    why: z.string().min(1).optional(),
  })
  .strict();
export type Likelihood = z.infer<typeof likelihoodSchema>;

const exampleSchema = z
  .object({
    text: z.string().min(1),
    /** The client (or server) and version that prints it. */
    from: z.string().min(3),
    /** The finding `explain` must put first for this text. */
    best: z.string().min(1),
  })
  .strict();
export type PatternExample = z.infer<typeof exampleSchema>;

const patternSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
    /** A case-insensitive regular expression on one line of the text (log prefixes removed). */
    match: z.string().min(1),
    why: z.string().min(1),
    /** How much this line alone says: 1 for a specific message, less for a generic one. */
    strength: z.number().positive().max(2).default(1),
    /** Empty for a client's framing only ("ftplib.error_perm: 530 …"): the reply in it decides. */
    causes: z.array(likelihoodSchema).default([]),
    /** When the lines before it show the step (a LIST, a PASS…), these likelihoods apply instead. */
    atStage: z.partialRecord(z.enum(STAGE_NAMES), z.array(likelihoodSchema).min(1)).optional(),
    examples: z.array(exampleSchema).min(1),
  })
  .strict();

const familySchema = z
  .object({
    family: z.string().min(1),
    /** client: named as the `client` of an answer; server and system texts name none. */
    kind: z.enum(['client', 'server', 'system']),
    /** Lines that tell this client wrote the text (case-sensitive regular expressions). */
    signatures: z.array(z.object({ client: z.string().min(1), match: z.string().min(1) }).strict()).default([]),
    patterns: z.array(patternSchema).min(1),
  })
  .strict();

const rankingSchema = z
  .object({
    keys: z.record(z.string(), z.array(likelihoodSchema).min(1)),
    stages: z.array(z.object({ stage: z.enum(STAGE_NAMES), match: z.string().min(1) }).strict()).min(1),
    episodes: z.string().min(1),
  })
  .strict();

export interface Pattern {
  family: Family;
  id: string;
  regex: RegExp;
  why: string;
  strength: number;
  causes: Likelihood[];
  atStage: Partial<Record<StageName, Likelihood[]>>;
  examples: PatternExample[];
}

export interface Family {
  /** The file it came from, for messages about the data. */
  file: string;
  name: string;
  kind: 'client' | 'server' | 'system';
  signatures: Array<{ client: string; regex: RegExp }>;
  patterns: Pattern[];
}

const DATA_DIR = fileURLToPath(new URL('../../../src/knowledge/data/explain/', import.meta.url));

export class ExplainCatalog {
  constructor(
    readonly families: Family[],
    /** Per key ("530", "ECONNRESET"): likelihood of each finding, most likely first. */
    readonly keys: ReadonlyMap<string, Likelihood[]>,
    /** Lines that tell the step (stage) the text was at, in the order they are tried. */
    readonly stages: Array<{ stage: StageName; regex: RegExp }>,
    /** A line that starts a new connection attempt in a log (earlier attempts count less). */
    readonly episodeStart: RegExp,
  ) {}

  static load(dir = DATA_DIR): ExplainCatalog {
    const read = (file: string) => parse(readFileSync(`${dir}/${file}`, 'utf8')) as unknown;
    const ranking = parseOrExplain(rankingSchema, read('ranking.yaml'), 'explain/ranking.yaml');
    const families = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f) && f !== 'ranking.yaml')
      .sort()
      .map((file) => family(file, parseOrExplain(familySchema, read(file), `explain/${file}`)));
    return new ExplainCatalog(
      families,
      new Map(Object.entries(ranking.keys)),
      ranking.stages.map((s) => ({ stage: s.stage, regex: compile(s.match, 'u', `stage ${s.stage}`) })),
      compile(ranking.episodes, 'u', 'episodes'),
    );
  }

  patterns(): Pattern[] {
    return this.families.flatMap((f) => f.patterns);
  }

  /** Consistency with the knowledge base: used before first use and by the tests. */
  problems(kb: KnowledgeBase): string[] {
    const problems: string[] = [];
    const known = (code: string, where: string) => {
      if (!kb.definition(code)) problems.push(`${where} names unknown code ${code}`);
    };
    const ids = new Set<string>();
    for (const p of this.patterns()) {
      const where = `explain/${p.family.file} ${p.id}`;
      if (ids.has(p.id)) problems.push(`${where}: the id is used twice`);
      ids.add(p.id);
      for (const c of [...p.causes, ...Object.values(p.atStage).flat()]) known(c.code, where);
      for (const e of p.examples) known(e.best, `${where} (example)`);
    }
    for (const [key, ranked] of this.keys) {
      // The ranking only orders what the signal rules already say a key can mean.
      const reachable = new Set(kb.rulesForKey(key).map((r) => r.code));
      for (const r of ranked) {
        known(r.code, `explain/ranking.yaml ${key}`);
        if (!reachable.has(r.code)) problems.push(`explain/ranking.yaml ${key}: no signal rule leads ${key} to ${r.code}`);
      }
    }
    return problems;
  }
}

function family(file: string, raw: z.infer<typeof familySchema>): Family {
  const f: Family = {
    file,
    name: raw.family,
    kind: raw.kind,
    signatures: raw.signatures.map((s) => ({ client: s.client, regex: compile(s.match, 'u', `${file} signature ${s.client}`) })),
    patterns: [],
  };
  f.patterns = raw.patterns.map((p) => ({
    family: f,
    id: p.id,
    regex: compile(p.match, 'iu', `${file} ${p.id}`),
    why: p.why,
    strength: p.strength,
    causes: p.causes,
    atStage: p.atStage ?? {},
    examples: p.examples,
  }));
  return f;
}

function compile(source: string, flags: string, where: string): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new Error(`explain data ${where}: ${(err as Error).message}`);
  }
}

function parseOrExplain<T extends z.ZodType>(schema: T, raw: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${where}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return result.data;
}

const loaded = new WeakMap<KnowledgeBase, ExplainCatalog>();

/** The built-in catalog, checked against this knowledge base once. */
export function catalogFor(kb: KnowledgeBase): ExplainCatalog {
  let catalog = loaded.get(kb);
  if (!catalog) {
    catalog = ExplainCatalog.load();
    const problems = catalog.problems(kb);
    if (problems.length) throw new Error(`explain data is inconsistent: ${problems.join('; ')}`);
    loaded.set(kb, catalog);
  }
  return catalog;
}
