// Turns a named target or an ad-hoc URL, plus command-line overrides, into a ProbeRequest with
// its secrets read from where they are referenced (environment, files). This is the only place
// secrets are read.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from './config-error.js';
import type { AdhocPolicy } from './adhoc-policy.js';
import { parseDuration } from './duration.js';
import type { TargetConfig } from './targets-file.js';
import { DEFAULT_STAGE_TIMEOUTS, DEFAULT_TIMEOUT_MS, type ProbeRequest, type StageName } from '../probes/probe.js';
import { displayUrl, parseTargetUrl } from '../probes/target-url.js';
import { keysFor } from '../identity/known-hosts.js';

export interface CheckOverrides {
  timeout?: string;
  write?: boolean;
  path?: string;
  hostKey?: string;
  /** An OpenSSH known_hosts file to verify the host key against. */
  knownHosts?: string;
  ca?: string;
  insecure?: boolean;
  identity?: string;
  passwordEnv?: string;
  /** Already read from stdin by the CLI. */
  password?: string;
}

export function requestForTarget(target: TargetConfig, overrides: CheckOverrides, env: NodeJS.ProcessEnv): ProbeRequest {
  const url = parseTargetUrl(target.url);
  const base = target.baseDir;
  const password =
    overrides.password ??
    (overrides.passwordEnv ? fromEnv(overrides.passwordEnv, env, `--password-env`) : undefined) ??
    (target.passwordEnv ? fromEnv(target.passwordEnv, env, `target ${target.name}: passwordEnv`) : undefined) ??
    (target.passwordFile ? fromFile(target.passwordFile, base, `target ${target.name}: passwordFile`).toString('utf8').replace(/\r?\n$/, '') : undefined);
  const keyFile = overrides.identity ?? target.privateKeyFile;
  const stageTimeouts = { ...DEFAULT_STAGE_TIMEOUTS };
  for (const [stage, value] of Object.entries(target.stageTimeouts ?? {})) {
    stageTimeouts[stage as StageName] = parseDuration(value as string | number, `target ${target.name}: stageTimeouts.${stage}`);
  }
  const ca = overrides.ca ?? target.ca;
  const hostKey = overrides.hostKey ?? target.hostKey;
  const knownHosts = overrides.knownHosts ?? target.knownHosts;
  return finish({
    target: target.name,
    protocol: url.protocol,
    host: url.host,
    port: url.port,
    user: url.user,
    password,
    privateKey: keyFile ? fromFile(keyFile, base, overrides.identity ? '--identity' : `target ${target.name}: privateKeyFile`) : undefined,
    passphrase: target.passphraseEnv ? fromEnv(target.passphraseEnv, env, `target ${target.name}: passphraseEnv`) : undefined,
    path: overrides.path ?? target.path ?? url.path,
    write: overrides.write ?? target.write,
    hostKey: hostKey === 'any' ? undefined : hostKey,
    ...(hostKey === 'any' && !knownHosts ? { unpinned: 'any' as const } : {}),
    ...(knownHosts && !overrides.hostKey ? knownHostsPin(knownHosts, overrides.knownHosts ? process.cwd() : base, overrides.knownHosts ? '--known-hosts' : `target ${target.name}: knownHosts`, url.host, url.port) : {}),
    ...(target.pin ? { tlsPin: { kind: target.pin } } : {}),
    ca: ca ? fromFile(ca, overrides.ca ? process.cwd() : base, overrides.ca ? '--ca' : `target ${target.name}: ca`) : undefined,
    insecure: overrides.insecure ?? target.insecure,
    timeoutMs: overrides.timeout ? parseDuration(overrides.timeout, '--timeout') : target.timeout !== undefined ? parseDuration(target.timeout, 'timeout') : DEFAULT_TIMEOUT_MS,
    stageTimeouts,
  });
}

export function requestForUrl(rawUrl: string, overrides: CheckOverrides, env: NodeJS.ProcessEnv): ProbeRequest {
  const url = parseTargetUrl(rawUrl);
  const password = overrides.password ?? (overrides.passwordEnv ? fromEnv(overrides.passwordEnv, env, '--password-env') : undefined) ?? url.password;
  return finish({
    // Rebuilt from the parsed parts, never cut out of the raw text: a password may hold an
    // unencoded "@" or ":" that a pattern on the text would split in the wrong place.
    target: displayUrl(url),
    protocol: url.protocol,
    host: url.host,
    port: url.port,
    user: url.user,
    password,
    privateKey: overrides.identity ? fromFile(overrides.identity, process.cwd(), '--identity') : undefined,
    path: overrides.path ?? url.path,
    write: overrides.write ?? false,
    hostKey: overrides.hostKey,
    ...(overrides.knownHosts && !overrides.hostKey ? knownHostsPin(overrides.knownHosts, process.cwd(), '--known-hosts', url.host, url.port) : {}),
    ca: overrides.ca ? fromFile(overrides.ca, process.cwd(), '--ca') : undefined,
    insecure: overrides.insecure ?? false,
    timeoutMs: overrides.timeout ? parseDuration(overrides.timeout, '--timeout') : DEFAULT_TIMEOUT_MS,
    stageTimeouts: { ...DEFAULT_STAGE_TIMEOUTS },
  });
}

/** `/ftp check sftp://host` from chat: no secrets (chat carries none), allowed hosts only. */
export function requestForAdhocUrl(rawUrl: string, policy: AdhocPolicy): ProbeRequest {
  const url = parseTargetUrl(rawUrl);
  if (url.password !== undefined) throw new ConfigError('ad-hoc checks from chat carry no passwords: add a target to ftpops.yaml with passwordEnv or passwordFile');
  const refusal = policy.refuseHost(url.host);
  if (refusal) throw new ConfigError(refusal);
  return { ...requestForUrl(rawUrl, {}, {}), refuseAddress: (address, host) => policy.refuseAddress(address, host) };
}

function finish(req: ProbeRequest): ProbeRequest {
  if (req.hostKey !== undefined && !/^SHA256:[A-Za-z0-9+/]{43}$/.test(req.hostKey)) {
    throw new ConfigError(`host key must be an OpenSSH fingerprint 'SHA256:' + 43 base64 characters (see ssh-keygen -lf)`);
  }
  if (req.protocol !== 'sftp' && req.privateKey) throw new ConfigError('a private key only applies to sftp:// targets');
  if (req.protocol === 'sftp' && !req.user) throw new ConfigError('sftp:// needs a user name: sftp://USER@host');
  // Drop undefined fields so the request stays a clean, comparable object.
  return Object.fromEntries(Object.entries(req).filter(([, v]) => v !== undefined)) as unknown as ProbeRequest;
}

/** The keys a known_hosts file holds for this host and port; none is a configuration error (as OpenSSH's strict checking). */
function knownHostsPin(path: string, baseDir: string, what: string, host: string, port: number): Pick<ProbeRequest, 'expectedHostKeys' | 'expectedFrom'> {
  const keys = keysFor(fromFile(path, baseDir, what).toString('utf8'), host, port);
  if (!keys.length) throw new ConfigError(`${what}: ${path} has no key for ${port === 22 ? host : `[${host}]:${port}`}`);
  return { expectedHostKeys: keys, expectedFrom: `known_hosts (${path})` };
}

function fromEnv(name: string, env: NodeJS.ProcessEnv, what: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigError(`${what}: environment variable ${name} is not set`);
  return value;
}

function fromFile(path: string, baseDir: string, what: string): Buffer {
  const expanded = path.startsWith('~/') ? resolve(homedir(), path.slice(2)) : path;
  const full = isAbsolute(expanded) ? expanded : resolve(baseDir, expanded);
  try {
    return readFileSync(full);
  } catch (err) {
    throw new ConfigError(`${what}: cannot read ${full} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
