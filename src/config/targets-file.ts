// The targets file (ftpops.yaml, or $FTPOPS_CONFIG): named targets with credentials by reference
// only. Validated once at load; every error names the file, the line and the field.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { AdhocPolicy } from './adhoc-policy.js';
import { parseDuration, parseInterval } from './duration.js';
import { parseTargetUrl } from '../probes/target-url.js';
import { STAGE_NAMES } from '../probes/probe.js';
import { deliveriesSchema } from '../deliveries/delivery-schema.js';

const duration = z.union([z.string(), z.number()]);
/** A Discord snowflake. YAML reads a bare 19-digit number inexactly (past 2^53), so it must be quoted. */
const discordId = z.union([
  z.string().regex(/^\d{5,25}$/, 'a Discord id is a number in quotes'),
  z.number().transform((_n, ctx) => {
    ctx.addIssue({ code: 'custom', message: "quote the Discord id ('123…'): YAML reads a bare 19-digit number inexactly" });
    return z.NEVER;
  }),
]);
const secretRefName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

const INLINE_SECRET_KEYS = ['password', 'passphrase', 'privateKey', 'secret', 'token'];

export const targetSchema = z
  .object({
    url: z.string().min(1),
    description: z.string().optional(),
    passwordEnv: secretRefName.optional(),
    passwordFile: z.string().min(1).optional(),
    privateKeyFile: z.string().min(1).optional(),
    passphraseEnv: secretRefName.optional(),
    /** A pinned fingerprint, or `any` to opt out of host key checks (never silently: each check warns). */
    hostKey: z.union([z.literal('any'), z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "must be an OpenSSH fingerprint like 'SHA256:' + 43 base64 characters, or 'any'")]).optional(),
    /** An OpenSSH known_hosts file whose entries for this host pin its keys (hashed entries too). */
    knownHosts: z.string().min(1).optional(),
    /** Pin the certificate's key (spki) or issuer as first seen: a change fails tls.identity_changed. */
    pin: z.enum(['spki', 'issuer']).optional(),
    ca: z.string().min(1).optional(),
    insecure: z.boolean().default(false),
    path: z.string().min(1).optional(),
    write: z.boolean().default(false),
    timeout: duration.optional(),
    stageTimeouts: z.partialRecord(z.enum(STAGE_NAMES), duration).optional(),
    /** Check on a schedule, e.g. 5m (BullMQ job scheduler: once per interval however many bots run). */
    interval: duration.optional(),
    /** Slack channel id where this target's alerts open their incident threads. */
    alertChannel: z.string().min(1).optional(),
    /** Discord channel id (a snowflake; quote it in YAML) for the same, on Discord. */
    discordAlertChannel: discordId.optional(),
    /** Alert thresholds and timing for this target (defaults: docs/domain.md, Thresholds). */
    alerts: z
      .object({
        fireAfter: z.number().int().min(1).max(100).optional(),
        resolveAfter: z.number().int().min(1).max(100).optional(),
        remindEveryMinutes: z.number().int().min(0).max(10_080).optional(),
        failureRateWarning: z.number().min(0).max(1).optional(),
        failureRateCritical: z.number().min(0).max(1).optional(),
        resetRate: z.number().min(0).max(1).optional(),
        bruteForceFailures: z.number().int().min(1).optional(),
        spikeFactor: z.number().min(1).optional(),
        spikeMinimum: z.number().int().min(1).optional(),
        /** No new alert threads during these windows (planned work). */
        maintenance: z.array(z.object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }).strict()).optional(),
      })
      .strict()
      .optional(),
    /** What a runbook's verify step asks before it proposes to resolve (default: the runbook's,
     * 3 round trips and 30 quiet minutes per docs/domain.md, Thresholds). */
    recovery: z.object({ roundTrips: z.number().int().min(1).max(20).optional(), quietMinutes: z.number().min(0).max(1_440).optional() }).strict().optional(),
    /** Server logs for this target: POST /ingest/<target> with the bearer token named by
     * tokenEnv, and/or a log file the bot follows (safe across rotation). */
    ingest: z
      .object({
        tokenEnv: secretRefName.optional(),
        file: z.string().min(1).optional(),
        daemon: z.enum(['vsftpd', 'proftpd', 'pure-ftpd', 'sshd']).optional(),
      })
      .strict()
      .refine((i) => i.tokenEnv !== undefined || i.file !== undefined, 'give tokenEnv (HTTP ingestion) or file (a log file to follow)')
      .optional(),
    /** Files partners must deliver to (or pick up from) folders on this server (src/deliveries). */
    deliveries: deliveriesSchema.optional(),
  })
  .strict();
export type TargetConfig = z.infer<typeof targetSchema> & { name: string; baseDir: string };

const fileSchema = z
  .object({
    targets: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'target names are letters, digits, . _ -'), targetSchema).default({}),
    /** Chat channel id → the targets that channel may check. Without it, every channel may check every target. */
    channels: z.record(z.string().min(1), z.array(z.string())).optional(),
    /** Discord: the servers (guilds) the bot answers in; without it, any server it is in. */
    discord: z.object({ guilds: z.array(discordId).min(1).optional() }).strict().optional(),
    /** Who may do what (src/bot/access.ts), which hosts ad-hoc checks may reach, command rate. */
    access: z
      .object({
        admins: z.array(z.string().min(1)).optional(),
        operators: z.array(z.string().min(1)).optional(),
        viewers: z.array(z.string().min(1)).optional(),
        adhocHosts: z.array(z.string().min(1)).optional(),
        commandsPerMinute: z.number().int().min(1).max(10_000).optional(),
      })
      .strict()
      .optional(),
  })
  .passthrough();

export type AccessSettings = NonNullable<z.infer<typeof fileSchema>['access']>;

export interface TargetsFile {
  path: string;
  targets: Map<string, TargetConfig>;
  channels?: Map<string, string[]>;
  access?: AccessSettings;
  discord?: { guilds?: string[] };
}

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  // An empty FTPOPS_CONFIG (as docker compose passes an unset variable) means the default.
  return resolve(env.FTPOPS_CONFIG || 'ftpops.yaml');
}

/** Load the targets file; a missing default file is an empty set, a missing named one an error. */
export function loadTargetsFile(path: string, required: boolean): TargetsFile {
  if (!existsSync(path)) {
    if (required) throw new ConfigError(`${path}: no such targets file`);
    return { path, targets: new Map() };
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseTargetsYaml(text, path);
}

/**
 * The document as plain data. The yaml library stops an alias bomb ("billion laughs": anchors
 * expanding anchors) with a ReferenceError; that is a bad file, said as one.
 */
function toPlainData(doc: ReturnType<typeof parseDocument>, path: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw new ConfigError(`${path}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

export function parseTargetsYaml(text: string, path: string): TargetsFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = lineCounter.linePos(yamlError.pos[0]).line;
    throw new ConfigError(`${path}${line ? `:${line}` : ''}: invalid YAML: ${yamlError.message.split('\n')[0]}`);
  }
  const raw = toPlainData(doc, path);
  const lineOf = (fieldPath: Array<string | number>) => {
    const node = nodeAt(doc.contents, fieldPath);
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  refuseInlineSecrets(raw, path, lineOf);
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const fieldPath = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const line = lineOf(fieldPath) ?? lineOf(fieldPath.slice(0, -1));
    const message = issue.code === 'unrecognized_keys' ? `unknown field '${issue.keys.join("', '")}'` : issue.message;
    throw new ConfigError(`${path}${line ? `:${line}` : ''}: ${fieldPath.join('.') || '(top level)'}: ${message}`);
  }
  const targets = new Map<string, TargetConfig>();
  for (const [name, target] of Object.entries(parsed.data.targets)) {
    const where = (field: string) => `${path}${lineOf(['targets', name, field]) ? `:${lineOf(['targets', name, field])}` : ''}: targets.${name}.${field}`;
    try {
      const url = parseTargetUrl(target.url);
      if (url.password !== undefined) throw new ConfigError('inline passwords are refused: use passwordEnv or passwordFile');
    } catch (err) {
      throw new ConfigError(`${where('url')}: ${(err as Error).message}`);
    }
    if (target.timeout !== undefined) wrap(where('timeout'), () => parseDuration(target.timeout!, 'timeout'));
    if (target.interval !== undefined) wrap(where('interval'), () => parseInterval(target.interval!, 'interval'));
    for (const [stage, value] of Object.entries(target.stageTimeouts ?? {})) {
      wrap(where(`stageTimeouts.${stage}`), () => parseDuration(value as string | number, stage));
    }
    targets.set(name, { ...target, name, baseDir: dirname(path) });
  }
  const channels = parsed.data.channels ? new Map(Object.entries(parsed.data.channels)) : undefined;
  for (const [channel, names] of channels ?? []) {
    const unknown = names.find((n) => n !== '*' && !targets.has(n));
    if (unknown) {
      const line = lineOf(['channels', channel]);
      throw new ConfigError(`${path}${line ? `:${line}` : ''}: channels.${channel}: unknown target '${unknown}'`);
    }
  }
  const access = parsed.data.access;
  (access?.adhocHosts ?? []).forEach((entry, i) => {
    try {
      new AdhocPolicy([entry]);
    } catch (err) {
      const line = lineOf(['access', 'adhocHosts', i]);
      throw new ConfigError(`${path}${line ? `:${line}` : ''}: access.adhocHosts.${i}: ${(err as Error).message}`);
    }
  });
  const discord = parsed.data.discord;
  return { path, targets, ...(channels ? { channels } : {}), ...(access ? { access } : {}), ...(discord ? { discord } : {}) };
}

function refuseInlineSecrets(raw: unknown, path: string, lineOf: (p: Array<string | number>) => number | undefined): void {
  const targets = (raw as { targets?: Record<string, Record<string, unknown>> })?.targets;
  if (!targets || typeof targets !== 'object') return;
  for (const [name, target] of Object.entries(targets)) {
    if (!target || typeof target !== 'object') continue;
    for (const key of INLINE_SECRET_KEYS) {
      if (key in target) {
        const line = lineOf(['targets', name, key]);
        throw new ConfigError(
          `${path}${line ? `:${line}` : ''}: targets.${name}.${key}: inline secrets are refused; use ${key === 'passphrase' ? 'passphraseEnv' : key === 'privateKey' ? 'privateKeyFile' : 'passwordEnv or passwordFile'}`,
        );
      }
    }
  }
}

function wrap(where: string, fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    throw new ConfigError(`${where}: ${(err as Error).message.replace(/^[^:]+: /, '')}`);
  }
}

function nodeAt(node: unknown, fieldPath: Array<string | number>): YamlNode | undefined {
  let current = node;
  for (const key of fieldPath) {
    // A list (a target's deliveries): the key is the item's index.
    if (isSeq(current)) {
      current = typeof key === 'number' || /^\d+$/.test(String(key)) ? current.items[Number(key)] : undefined;
      continue;
    }
    if (!isMap(current)) return undefined;
    const pair = current.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
    if (!pair) return undefined;
    current = pair.value ?? pair.key;
  }
  return current as YamlNode | undefined;
}
