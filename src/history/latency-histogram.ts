// Check and stage times kept in a mergeable form: a fixed-bucket histogram whose bucket bounds
// grow by √2 from 0.1 ms (bucket 0: up to 0.1 ms; bucket 60: about 107 s; the last is open).
// Any number of hourly histograms add up bucket by bucket, so p50/p95 over a day, a month or a
// quarter come from the rollups, not from raw results that are long gone. A percentile is read as
// the geometric middle of its bucket: within ±19 % of the true value (half a √2 step), which is
// plenty to tell 40 ms from 400 ms.

/** Bucket index → count. Sparse: only buckets that were hit. */
export type Histogram = Record<number, number>;

const BASE_MS = 0.1;
const STEP = Math.SQRT2;
export const LAST_BUCKET = 62;

/** The bucket a duration falls into. */
export function bucketOf(ms: number): number {
  if (!(ms > BASE_MS)) return 0;
  return Math.min(LAST_BUCKET, Math.ceil(Math.log(ms / BASE_MS) / Math.log(STEP)));
}

/** The upper bound of a bucket (ms). */
export function bucketUpperMs(bucket: number): number {
  return BASE_MS * STEP ** bucket;
}

/** The value a bucket stands for: the geometric middle of its bounds. */
export function bucketValueMs(bucket: number): number {
  return bucket === 0 ? BASE_MS / 2 : BASE_MS * STEP ** (bucket - 0.5);
}

export function mergeInto(into: Histogram, from: Histogram): Histogram {
  for (const [bucket, count] of Object.entries(from)) into[Number(bucket)] = (into[Number(bucket)] ?? 0) + count;
  return into;
}

export function countOf(h: Histogram): number {
  return Object.values(h).reduce((a, b) => a + b, 0);
}

/** The p-th quantile (0…1) of a histogram, in ms; null when it is empty. */
export function quantileMs(h: Histogram, p: number): number | null {
  const total = countOf(h);
  if (!total) return null;
  // The same rank rule as the raw percentiles of /ftp status: the floor(p·n)-th value, 0-based.
  const rank = Math.min(total - 1, Math.floor(p * total));
  let seen = 0;
  for (const bucket of Object.keys(h).map(Number).sort((a, b) => a - b)) {
    seen += h[bucket]!;
    if (seen > rank) return bucketValueMs(bucket);
  }
  return null;
}
