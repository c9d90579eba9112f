/** "Did you mean …?": the nearest known name to a typo, by edit distance. */

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost));
    }
    prev = row;
  }
  return prev[y.length] as number;
}

/** The known name closest to `name`, when it is close enough to be a typo (a third of its length, at least 1). */
export function nearest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/** ` (did you mean 'x'?)` when a near name exists, else ''. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const n = nearest(name, known);
  return n === undefined ? '' : ` (did you mean '${n}'?)`;
}
