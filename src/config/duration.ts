import { ConfigError } from './config-error.js';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
export const MIN_TIMEOUT_MS = 100;
export const MAX_TIMEOUT_MS = 10 * 60_000;
/** Scheduled checks: from every few seconds (the demo) to once a day. */
export const MIN_INTERVAL_MS = 1_000;
export const MAX_INTERVAL_MS = 24 * 3_600_000;

/** "10s", "500ms", "2m" or a number of seconds → milliseconds, within a timeout's sane bounds. */
export function parseDuration(value: string | number, what: string): number {
  return parseBounded(value, what, MIN_TIMEOUT_MS, MAX_TIMEOUT_MS, /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/i, '10s, 500ms, 2m');
}

/** How often a target is checked: "30s", "5m", "1h" (up to a day). */
export function parseInterval(value: string | number, what: string): number {
  return parseBounded(value, what, MIN_INTERVAL_MS, MAX_INTERVAL_MS, /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i, '30s, 5m, 1h');
}

function parseBounded(value: string | number, what: string, min: number, max: number, shape: RegExp, examples: string): number {
  const text = String(value).trim();
  const m = shape.exec(text);
  if (!m) throw new ConfigError(`${what}: '${printable(text)}' is not a duration (e.g. ${examples})`);
  const ms = Number(m[1]) * (UNITS[(m[2] ?? 's').toLowerCase()] ?? 1_000);
  if (ms < min || ms > max) {
    throw new ConfigError(`${what}: ${printable(text)} is out of range (between ${spoken(min)} and ${spoken(max)})`);
  }
  return Math.round(ms);
}

function spoken(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : ms < 60_000 ? `${ms / 1_000} s` : ms < 3_600_000 ? `${ms / 60_000} minutes` : `${ms / 3_600_000} hours`;
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
