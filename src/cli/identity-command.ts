// ftpops identity <target> [--json]: what is pinned or remembered for a target and the history of
// its changes (who accepted what, when), read from Redis as the bot and workers keep it.
// ftpops identity export: known_hosts lines for every SFTP target, from what is remembered, or
// else from its known_hosts pin (a fingerprint-only pin has no key to write: it is a comment).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { defaultConfigPath, loadTargetsFile, type TargetConfig } from '../config/targets-file.js';
import { ConfigError } from '../config/config-error.js';
import { createRedis, redisSettings, whenReady } from '../queue/redis-connection.js';
import { IdentityStore } from '../identity/identity-store.js';
import { identityLines, identityReport } from '../identity/identity-report.js';
import { keysFor, knownHostsLines } from '../identity/known-hosts.js';
import { parseTargetUrl } from '../probes/target-url.js';
import type { CliIo } from './cli-io.js';

export async function identityCommand(subject: string, flags: { json?: boolean }, io: CliIo): Promise<number> {
  const path = defaultConfigPath(io.env);
  const file = loadTargetsFile(path, Boolean(io.env.FTPOPS_CONFIG));
  const target = file.targets.get(subject);
  if (subject !== 'export' && !target) throw new ConfigError(`no target '${subject}' in ${path}`);
  const settings = redisSettings(io.env);
  const redis = createRedis(settings.url, 'command');
  redis.on('error', () => undefined);
  try {
    await whenReady(redis, 5_000);
    const store = new IdentityStore(redis, settings.prefix);
    if (target) {
      const report = await identityReport(target, store);
      io.out(flags.json ? JSON.stringify(report, null, 2) : identityLines(report).join('\n'));
      return 0;
    }
    for (const t of file.targets.values()) io.out((await exportLines(t, store)).join('\n'));
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    io.err(`ftpops: cannot read server identities from Redis at ${settings.url}: ${(err as Error).message}`);
    return 2;
  } finally {
    redis.disconnect();
  }
}

async function exportLines(t: TargetConfig, store: IdentityStore): Promise<string[]> {
  const url = parseTargetUrl(t.url);
  if (url.protocol !== 'sftp') return [];
  const remembered = (await store.get(t.name))?.ssh?.hostKeys ?? [];
  const fromFile = remembered.length || !t.knownHosts ? [] : keysFor(readKnownHosts(t), url.host, url.port);
  const lines = knownHostsLines(url.host, url.port, remembered.length ? remembered : fromFile, `ftpops:${t.name}`);
  if (lines.length) return lines;
  if (t.hostKey && t.hostKey !== 'any') return [`# ${t.name}: pinned by fingerprint only (${t.hostKey}); no key to write`];
  return [`# ${t.name}: nothing remembered yet`];
}

function readKnownHosts(t: TargetConfig): string {
  const p = t.knownHosts!.startsWith('~/') ? resolve(homedir(), t.knownHosts!.slice(2)) : t.knownHosts!;
  const full = isAbsolute(p) ? p : resolve(t.baseDir, p);
  try {
    return readFileSync(full, 'utf8');
  } catch (err) {
    throw new ConfigError(`target ${t.name}: knownHosts: cannot read ${full} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
