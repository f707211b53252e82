/**
 * Median of `a` by quickselect, reordering `a` in place: no allocation, O(n) on average.
 * Used for the envelope noise floor on every hop, where sorting a copy would allocate.
 * Only the first `n` elements are used. Returns 0 for an empty array; for even lengths, the mean of the two middle values.
 */
export function medianInPlace(a: Float64Array, n: number = a.length): number {
  if (n === 0) return 0;
  const hiMid = selectKth(a, n, n >> 1);
  if (n & 1) return hiMid;
  // Lower middle is the largest element of the left part after selection.
  let loMid = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (a[i]! > loMid) loMid = a[i]!;
  return 0.5 * (loMid + hiMid);
}

/** Hoare quickselect over a[0..n): after return, a[k] is the k-th smallest and a[0..k) ≤ a[k] ≤ a(k..n). */
function selectKth(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}
