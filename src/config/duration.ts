import { ConfigError } from './config-error.js';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000 };
export const MIN_TIMEOUT_MS = 100;
export const MAX_TIMEOUT_MS = 10 * 60_000;

/** "10s", "500ms", "2m" or a number of seconds → milliseconds, within sane bounds. */
export function parseDuration(value: string | number, what: string): number {
  const text = String(value).trim();
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/i.exec(text);
  if (!m) throw new ConfigError(`${what}: '${printable(text)}' is not a duration (e.g. 10s, 500ms, 2m)`);
  const ms = Number(m[1]) * (UNITS[(m[2] ?? 's').toLowerCase()] ?? 1_000);
  if (ms < MIN_TIMEOUT_MS || ms > MAX_TIMEOUT_MS) {
    throw new ConfigError(`${what}: ${printable(text)} is out of range (between ${MIN_TIMEOUT_MS} ms and ${MAX_TIMEOUT_MS / 60_000} minutes)`);
  }
  return Math.round(ms);
}

/**
 * The value as quoted in a one-line ConfigError. Found by fuzzing (test/fuzz.test.ts): the text may
 * hold line breaks ("10\nms" matches, \s* between number and unit) and an out-of-range value was
 * quoted in full however long.
 */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}
