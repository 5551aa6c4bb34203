/** "Did you mean" for typos: the known word closest to what was written. Pure. */

/** The known key a typo most likely meant, or null. */
export function suggest(word: string, known: readonly string[]): string | null {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const w = norm(word);
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const n = norm(k);
    if (n === w) return k;
    const d = distance(w, n);
    const limit = Math.min(n.length, w.length) <= 4 ? 1 : 2;
    const prefix = w.length >= 3 && (n.startsWith(w) || w.startsWith(n));
    const shared = commonPrefix(w, n) >= Math.max(4, Math.min(w.length, n.length) - 2);
    if ((d <= limit || prefix || shared) && d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  return i;
}

/** Levenshtein distance (short strings only). */
function distance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Number.POSITIVE_INFINITY;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const cur = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? Number.POSITIVE_INFINITY;
}
