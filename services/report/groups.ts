import type { CellRow } from '../db';
import { sortedDistinct } from './format';
import { seriesColor, seriesDash } from './palette';

/** Groups items by a key, keeping first-seen order of keys and of items within each group. */
export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** "arch / activation", the unit the report draws one matrix per. */
export function configLabel(c: Pick<CellRow, 'arch' | 'activation'>): string {
  return `${c.arch} / ${c.activation}`;
}

/**
 * Sweep-wide styles, so a training slope has the same colour and a seed the same dash pattern in every plot.
 */
export interface SeriesStyles {
  slopes: number[];
  seeds: number[];
  slopeColor(slope: number): string;
  seedDash(seed: number): string;
}

export function seriesStyles(cells: readonly CellRow[]): SeriesStyles {
  const slopes = sortedDistinct(cells.map((c) => c.backward_slope));
  const seeds = sortedDistinct(cells.map((c) => c.seed));
  return {
    slopes,
    seeds,
    slopeColor: (s) => seriesColor(slopes.indexOf(s)),
    seedDash: (s) => seriesDash(seeds.indexOf(s)),
  };
}
