/** Colours: categorical for series (one per backward slope), a sequential ramp for the results matrix. */

// Ten well-separated hues, readable on white and distinguishable by most colour-vision deficiencies.
const CATEGORICAL = [
  '#1f5fa8',
  '#d9731a',
  '#2e8b3c',
  '#c4302b',
  '#7a4fb0',
  '#8a5a3c',
  '#d4519c',
  '#5f6b73',
  '#a59c14',
  '#1a9bab',
];

// Line patterns that tell seeds apart when colour already encodes the slope.
const DASHES = ['', '6 3', '2 2', '8 3 2 3', '1 3'];

export function seriesColor(i: number): string {
  return CATEGORICAL[i % CATEGORICAL.length];
}

export const DASH_PATTERNS = DASHES.length;

export function seriesDash(i: number): string {
  return DASHES[i % DASHES.length];
}

/** Background for t in [0, 1] (light → dark green) and a text colour that stays readable on it. */
export function heatColor(t: number): { background: string; color: string } {
  const u = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const lo = [240, 247, 236];
  const hi = [28, 110, 58];
  const [r, g, b] = lo.map((c, k) => Math.round(c + (hi[k] - c) * u));
  const hex = (x: number) => x.toString(16).padStart(2, '0');
  return { background: `#${hex(r)}${hex(g)}${hex(b)}`, color: u > 0.55 ? '#ffffff' : '#14261a' };
}
