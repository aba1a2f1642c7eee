import { CELL_PARAM_KEYS } from '../spec/schema';
import type { AmProtocol, CellParams, SweepSpec } from '../spec';

export interface PlannedCell {
  idx: number;
  key: string;
  params: CellParams;
}

/** What a spec expands to, before anything runs: the cells, the AM arms, and how much work that is. */
export interface SweepPlan {
  sweepId: string;
  name: string;
  specHash: string;
  /** Parameters that differ between cells (grid axes that survive; `archOptions.<name>` for options). */
  varying: string[];
  cells: PlannedCell[];
  am: {
    slopes: number[];
    units: 'all' | number[];
    arms: { key: string; protocol: AmProtocol }[];
  } | null;
  totals: {
    cells: number;
    /** Σ epochs over cells. */
    trainingEpochs: number;
    /** AM runs (arm × slope) per trained cell. */
    amRunsPerCell: number;
    /** Σ AM ascent steps over cells, arms and slopes (per unit image, batched over units). */
    amSteps: number;
  };
}

/** The plan of a validated spec (pure: no services, no engine). */
export function planSweep(spec: SweepSpec): SweepPlan {
  const am = spec.spec.am;
  const arms = spec.amArms;
  const slopes = am?.backwardSlopes ?? [];
  const varying = [
    ...CELL_PARAM_KEYS.filter(
      (k) =>
        k !== 'archOptions' &&
        new Set(spec.cells.map((c) => JSON.stringify((c.params as unknown as Record<string, unknown>)[k]))).size > 1,
    ),
    ...[...new Set(spec.cells.flatMap((c) => Object.keys(c.params.archOptions)))]
      .filter((o) => new Set(spec.cells.map((c) => JSON.stringify(c.params.archOptions[o]))).size > 1)
      .map((o) => `archOptions.${o}`),
  ];
  const stepsPerCell = arms.reduce((n, a) => n + a.protocol.steps * slopes.length, 0);
  return {
    sweepId: spec.sweepId,
    name: spec.name,
    specHash: spec.specHash,
    varying,
    cells: spec.cells.map((c) => ({ idx: c.idx, key: c.key, params: c.params })),
    am: am ? { slopes, units: am.units, arms } : null,
    totals: {
      cells: spec.cells.length,
      trainingEpochs: spec.cells.reduce((n, c) => n + c.params.epochs, 0),
      amRunsPerCell: arms.length * slopes.length,
      amSteps: stepsPerCell * spec.cells.length,
    },
  };
}
