// Settings read from the environment and the targets file, once, for every role.
import { ConfigError } from './config-error.js';
import { defaultConfigPath, loadTargetsFile, type TargetsFile } from './targets-file.js';

/** ftpops.yaml, or the file named by FTPOPS_CONFIG (which must then exist). */
export function loadConfig(env: NodeJS.ProcessEnv): TargetsFile {
  return loadTargetsFile(defaultConfigPath(env), Boolean(env.FTPOPS_CONFIG));
}

/** A positive whole number from the environment, or the fallback when unset. */
export function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${name}: '${raw.slice(0, 20)}' is not a positive whole number`);
  return n;
}
