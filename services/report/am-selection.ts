import type { CellRow } from '../db';

/** How many cells get an AM image grid before the report starts picking representatives. */
export const MAX_AM_GRID_CELLS = 24;

export interface AmSelection {
  cellIds: number[];
  /** One sentence for the report saying which cells are shown and why. */
  note: string;
}

/**
 * Cells whose AM images the report shows, from `candidates` (cells with AM results, or when there are more than
 * `limit` of those, `withAm` in all, one representative per configuration). Every cell with AM results when there
 * are at most `limit`; otherwise one per dataset × arch × activation × training backward slope (the lowest seed,
 * then the earliest grid position), and if that is still too many, the first `limit` of those in grid order.
 */
export function selectAmCells(candidates: CellRow[], withAm: number, limit = MAX_AM_GRID_CELLS): AmSelection {
  const sorted = [...candidates].sort((a, b) => a.idx - b.idx);
  if (withAm <= limit) {
    return {
      cellIds: sorted.map((c) => c.id),
      note: `All ${sorted.length} cells with AM results are shown.`,
    };
  }
  const byConfig = new Map<string, CellRow>();
  for (const c of sorted) {
    const key = JSON.stringify([c.dataset, c.arch, c.activation, c.forward_slope, c.backward_slope]);
    const best = byConfig.get(key);
    if (!best || c.seed < best.seed) byConfig.set(key, c);
  }
  const reps = [...byConfig.values()].sort((a, b) => a.idx - b.idx);
  const shown = reps.slice(0, limit);
  const capped = reps.length > limit ? `, capped at the first ${limit} in grid order` : '';
  return {
    cellIds: shown.map((c) => c.id),
    note:
      `${withAm} cells have AM results; shown: one per dataset × arch × activation × training slope ` +
      `(the lowest seed)${capped} — ${shown.length} cells. am.csv has every value.`,
  };
}
