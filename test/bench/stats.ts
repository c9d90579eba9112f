/** Small statistics helpers for the bench. */

/** The q-quantile (0..1) of a sample, nearest-rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

/** p50/p90/p99 of a sample, rounded to `digits`. */
export function summary(samples: number[], digits = 2): { p50: number; p90: number; p99: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  const r = (x: number) => Number(x.toFixed(digits));
  return { p50: r(quantile(s, 0.5)), p90: r(quantile(s, 0.9)), p99: r(quantile(s, 0.99)), n: s.length };
}

/** Times `fn` per call in microseconds, in batches to stay above the timer resolution. */
export function microsPerCall(
  fn: (i: number) => unknown,
  { batches = 400, perBatch = 50, warmup = 2000 } = {},
): number[] {
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink += Number(Boolean(fn(i)));
  const out: number[] = [];
  let k = 0;
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) sink += Number(Boolean(fn(k++)));
    out.push(Number(process.hrtime.bigint() - t0) / 1000 / perBatch);
  }
  if (sink === -1) console.log('');
  return out;
}
