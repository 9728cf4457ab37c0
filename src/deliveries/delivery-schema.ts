// Expected deliveries in ftpops.yaml (targets.<name>.deliveries): a file a partner must put in a
// folder by a time ("arrival"), or a file that must be taken away within a while after it
// appears ("pickup", outbound folders). Every field is checked here, inside the zod schema, so a
// bad value is reported like any other field of the targets file: file, line and field.
import { z } from 'zod';
import { isValidCron, parseDays, parseDueTime } from './delivery-schedule.js';
import { globToRegExp } from './folder-listing.js';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1_000, mb: 1_000_000, gb: 1_000_000_000, kib: 1_024, mib: 1_048_576, gib: 1_073_741_824 };

/** "30m", "2h", "90s", "1d" → ms (0 allowed: "no heads-up"). */
export function parseSpan(text: string): number | undefined {
  const m = /^(\d{1,6}(?:\.\d{1,3})?)\s*(s|m|h|d)$/i.exec(text.trim());
  if (!m) return text.trim() === '0' ? 0 : undefined;
  return Math.round(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}

/** "1KB", "18.2 MB", "512" (bytes) → bytes; KB/MB/GB are decimal, KiB/MiB/GiB binary. */
export function parseSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isInteger(text) && text >= 0 ? text : undefined;
  const m = /^(\d{1,12}(?:\.\d{1,3})?)\s*([kmg]i?b|b)?$/i.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()]!);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const span = (what: string, maxMs: number) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value * 1_000 : parseSpan(value);
    if (ms === undefined || ms < 0 || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `${what}: '${String(value).slice(0, 40)}' is not a duration up to ${maxMs / 3_600_000} h (e.g. 30m, 2h, 90s)` });
      return z.NEVER;
    }
    return ms;
  });

const size = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: `'${String(value).slice(0, 40)}' is not a size (e.g. 512, 1KB, 18.2MB, 1GiB)` });
    return z.NEVER;
  }
  return bytes;
});

const common = {
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/i, 'a delivery name is letters, digits, . _ - (up to 64)'),
  /** The folder on the server, as the server's own paths go (absolute). */
  path: z.string().regex(/^\//, 'the folder is an absolute path on the server, e.g. /in/acme'),
  match: z
    .string()
    .min(1)
    .max(200)
    .refine((g) => !g.includes('/'), 'match is a file-name pattern (no /), e.g. "orders_*.csv"')
    .refine((g) => globToRegExp(g) !== undefined, 'match: not a valid pattern (use * ? and [abc])'),
  timezone: z.string().default('UTC').refine(isTimeZone, 'not a time zone (an IANA name, e.g. Europe/Berlin)'),
  /** The login the partner uses: the key to their lines in the server's logs. */
  partnerUser: z.string().min(1).max(256).optional(),
};

export const arrivalSchema = z
  .object({
    kind: z.literal('arrival'),
    ...common,
    due: z.string().refine((d) => parseDueTime(d) !== undefined || isValidCron(d), 'due: "HH:MM" (24 h) or a cron expression ("0 6 * * 1-5")'),
    days: z
      .string()
      .default('daily')
      .refine((d) => parseDays(d) !== undefined, 'days: daily, mon-fri, or days like mon,wed,fri'),
    warnBefore: span('warnBefore', 24 * 3_600_000).optional(),
    atLeast: z.number().int().min(1).max(100_000).default(1),
    minSize: size.default(1),
    stableFor: span('stableFor', 24 * 3_600_000).default(0),
  })
  .strict();

export const pickupSchema = z
  .object({
    kind: z.literal('pickup'),
    ...common,
    /** A matching file still there this long after it appeared was not picked up. */
    within: span('within', 7 * 24 * 3_600_000),
  })
  .strict();

/** Without a kind, an expectation is an arrival; the kind then picks the schema, so an error names the field. */
export const deliverySchema = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) && !('kind' in v) ? { ...v, kind: 'arrival' } : v),
  z.discriminatedUnion('kind', [arrivalSchema, pickupSchema]),
);

export const deliveriesSchema = z.array(deliverySchema).max(100).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((d, i) => {
    if (seen.has(d.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `two deliveries are named '${d.name}'` });
    seen.add(d.name);
  });
});

export type ArrivalExpectation = z.infer<typeof arrivalSchema>;
export type PickupExpectation = z.infer<typeof pickupSchema>;
export type DeliveryExpectation = z.infer<typeof deliverySchema>;
