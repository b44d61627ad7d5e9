/**
 * The latency of a lane's forwarded requests as the edge hands it to the lane's leader: a count, the
 * failures, and a histogram of fixed log-spaced buckets (10 ms up to 2 minutes, each about a fifth wider
 * than the one before). Fixed buckets make windows mergeable: what many isolates measured adds up bucket by
 * bucket, exactly, and the p95 is read from the sum (within a bucket's width, about ±10 %). Requests still
 * in flight travel as a second histogram of their ages, so a stuck origin shows as slow, not silent.
 * Pure: the edge keeps the windows (edge/load.ts), the counter merges them (queue-counter.ts).
 */

/** Upper bound of the first bucket (ms), and each bucket's width over the one before. */
const FIRST_MS = 10;
const GROWTH = 1.22;
/** Buckets: the last one takes everything past about two minutes. */
export const LATENCY_BUCKETS = 49;

/** A histogram as sent: [bucket, count] pairs for the buckets that counted anything. */
export type Buckets = [number, number][];

/** One isolate's window of one lane's forwarded requests. */
export interface LoadReport {
  /** the isolate that measured (a later report from it replaces its requests in flight) */
  isolate: string;
  /** when the window began and when it was taken (ms, the edge's clock) */
  from: number;
  to: number;
  /** requests that finished: answered, failed or timed out */
  count: number;
  /** of those: the origin's 5xx, timeouts, origin unreachable */
  errors: number;
  /** their latencies to the origin's response headers */
  done: Buckets;
  /** the ages of the requests still in flight when the window was taken */
  open: Buckets;
}

/** The bucket of a latency: 0 for up to 10 ms, then one per factor of GROWTH. */
export function latencyBucket(ms: number): number {
  if (!(ms > FIRST_MS)) return 0;
  return Math.min(LATENCY_BUCKETS - 1, Math.ceil(Math.log(ms / FIRST_MS) / Math.log(GROWTH)));
}

/** The latency a bucket stands for: the middle of its range on the log scale (5 ms for the first). */
export function bucketMs(bucket: number): number {
  return bucket === 0 ? FIRST_MS / 2 : FIRST_MS * GROWTH ** (bucket - 0.5);
}

/** Adds `from` into the dense histogram `into` (LATENCY_BUCKETS long). */
export function addBuckets(into: number[], from: Buckets): void {
  for (const [b, n] of from) if (b >= 0 && b < LATENCY_BUCKETS && n > 0) into[b]! += n;
}

/** A dense histogram as [bucket, count] pairs. */
export function sparse(dense: number[]): Buckets {
  const out: Buckets = [];
  for (let b = 0; b < dense.length; b++) if (dense[b]! > 0) out.push([b, dense[b]!]);
  return out;
}

/** An empty dense histogram. */
export function emptyBuckets(): number[] {
  return new Array<number>(LATENCY_BUCKETS).fill(0);
}

/** The q-quantile (0..1) of the histograms added together, in ms; null when they are empty. */
export function quantileMs(hists: number[][], q: number): number | null {
  let total = 0;
  for (const h of hists) for (const n of h) total += n;
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let b = 0; b < LATENCY_BUCKETS; b++) {
    for (const h of hists) seen += h[b] ?? 0;
    if (seen >= rank) return Math.round(bucketMs(b));
  }
  return Math.round(bucketMs(LATENCY_BUCKETS - 1));
}
