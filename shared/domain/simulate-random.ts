/**
 * Seeded randomness for the simulator: a small PRNG (mulberry32), a hash that derives independent streams
 * from a seed and keys, and the few distributions the model needs. Never Math.random: a run is a function
 * of its seed.
 */

/** A uniform generator on [0, 1). */
export type Random = () => number;

/** mulberry32: 32-bit state, fast, good enough for simulation (not for secrets). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Mixes integers into one 32-bit seed (murmur3 finaliser per part), so `(seed, lead, attempt)` keys its own stream. */
export function hash32(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A standard normal draw (Box–Muller). */
export function normal(rand: Random): number {
  const u1 = 1 - rand(); // (0, 1]: log(0) is avoided
  const u2 = rand();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A lognormal draw with the given median and shape (sigma 0 gives the median exactly). */
export function lognormal(rand: Random, median: number, sigma: number): number {
  return sigma === 0 ? median : median * Math.exp(sigma * normal(rand));
}

/** A sampler over `weights` (non-negative, positive sum) returning an index; cumulative table plus binary search. */
export function weightedIndex(weights: readonly number[]): (rand: Random) => number {
  const cumulative: number[] = [];
  let total = 0;
  for (const w of weights) {
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError('weights must be finite and non-negative');
    total += w;
    cumulative.push(total);
  }
  if (!(total > 0)) throw new RangeError('weights must not all be zero');
  return (rand) => {
    const x = rand() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}
