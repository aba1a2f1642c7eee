/** Number and time formatting shared by the HTML sections; fixed rules so the same data gives the same text. */

export const DASH = '—';

/** A fraction as a percentage with one decimal, e.g. 0.9375 → "93.8%". */
export function fmtPct(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? DASH : `${(v * 100).toFixed(1)}%`;
}

/** Accuracy mean ± std over seeds, both in percent: "93.8% ± 1.2". */
export function fmtMeanStd(mean: number, std: number): string {
  return `${(mean * 100).toFixed(1)}% ± ${(std * 100).toFixed(1)}`;
}

/** A measured value (loss, activation) with about four significant digits, without exponent noise for usual sizes. */
export function fmtNum(v: number | null | undefined): string {
  if (v === null || v === undefined) return DASH;
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return a >= 100 ? v.toFixed(1) : a >= 10 ? v.toFixed(2) : v.toFixed(3);
}

/** A hyperparameter value (slope, seed) exactly as given: JavaScript's shortest round-trip form. */
export function fmtParam(v: number): string {
  return String(v);
}

/** UTC timestamp to the second, e.g. "2025-01-31 14:03:07 UTC". */
export function fmtTime(d: Date | null | undefined): string {
  return d ? `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC` : DASH;
}

/** Sample mean and standard deviation (n − 1; 0 for one value), as Postgres' avg/stddev_samp. */
export function meanStd(values: number[]): { mean: number; std: number; n: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = n > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance), n };
}

/** Distinct numbers in ascending order. */
export function sortedDistinct(values: Iterable<number>): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}
