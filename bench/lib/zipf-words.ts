/**
 * Made-up words and a Zipf-distributed pick among them: the synthetic text
 * of the memory benches and of the search tests that must see the same kind
 * of corpus (a few words in most memories, most words rare; words of two to
 * four syllables, so a short prefix starts many of them).
 */
const SYLLABLES = [
  'ka',
  'ri',
  'to',
  'na',
  'mo',
  'su',
  'le',
  'dor',
  'pan',
  'ix',
  'ul',
  'ber',
  'gen',
  'tha',
  'qu',
  'vo',
  'zen',
  'lim',
  'sar',
  'el',
];

/** `n` distinct words of two to four syllables, in the order `rnd` made them (the most frequent first, for `zipfPicker`). */
export function syllableWords(rnd: () => number, n: number): string[] {
  const words = new Set<string>();
  while (words.size < n) {
    let w = '';
    for (let i = 0, k = 2 + Math.floor(rnd() * 3); i < k; i++) w += SYLLABLES[Math.floor(rnd() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

/** A word of `words` at random, the i-th (from 0) with weight 1 / (i + 1)^s. */
export function zipfPicker(rnd: () => number, words: readonly string[], s = 1.07): () => string {
  const cumulative = new Float64Array(words.length);
  let total = 0;
  for (let i = 0; i < words.length; i++) cumulative[i] = total += 1 / Math.pow(i + 1, s);
  return () => {
    const x = rnd() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
}
