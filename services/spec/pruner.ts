import { ashaRungs } from '../../workflows/asha';
import { CELL_DEFAULTS, type CellParams, type ParsedSpec, type PrunerMetric } from './schema';
import type { SpecProblems } from './problems';

/** The pruner of a validated spec, every default resolved. */
export interface ResolvedPruner {
  type: 'asha';
  metric: PrunerMetric;
  mode: 'max' | 'min';
  minEpochs: number;
  reductionFactor: number;
  maxEpochs: number;
  /** Epochs at which cells report and the sweep decides. */
  rungs: number[];
}

/**
 * Checks the `pruner` block against the cells (records problems, returns undefined when there are any): decisions
 * are taken on a validation split, never the test split; every cell trains to maxEpochs; there is a rung.
 */
export function resolvePruner(
  spec: ParsedSpec,
  cells: { params: CellParams }[],
  problems: SpecProblems,
): ResolvedPruner | undefined {
  const p = spec.pruner;
  if (!p) return undefined;
  const before = problems.count;
  if (p.metric.startsWith('test')) {
    const val = p.metric.replace(/^test/, 'val');
    problems.add(
      'pruner.metric',
      `pruner.metric: ${p.metric} would choose cells on the test split; use ${val} with base.validationFraction (e.g. 0.1)`,
    );
  } else if (cells.some((c) => !(c.params.validationFraction! > 0))) {
    problems.add(
      'base.validationFraction',
      `pruner.metric ${p.metric} needs a validation split: set base.validationFraction (e.g. 0.1)`,
    );
  }
  const epochs = [...new Set(cells.map((c) => c.params.epochs))];
  const maxEpochs = p.maxEpochs ?? epochs[0] ?? 1;
  if (epochs.some((e) => e !== maxEpochs)) {
    problems.add(
      'pruner.maxEpochs',
      `pruner.maxEpochs is ${maxEpochs} but cells train ${epochs.join(', ')} epochs; with a pruner every cell trains maxEpochs (set base.epochs: ${maxEpochs})`,
    );
  }
  const rungs = ashaRungs(p.minEpochs, p.reductionFactor, maxEpochs);
  if (rungs.length === 0) {
    problems.add(
      'pruner.minEpochs',
      `pruner.minEpochs (${p.minEpochs}) must be below maxEpochs (${maxEpochs}): there is no rung to decide at`,
    );
  }
  if (problems.count > before) return undefined;
  return settle(p, maxEpochs);
}

/**
 * The pruner of a spec that was validated (stored with its sweep): every cell trains the same epochs, given by
 * maxEpochs, base.epochs, the single grid value or the default.
 */
export function storedPruner(spec: ParsedSpec): ResolvedPruner | undefined {
  const p = spec.pruner;
  if (!p) return undefined;
  const gridEpochs = spec.grid.epochs;
  const maxEpochs =
    p.maxEpochs ??
    spec.base.epochs ??
    (Array.isArray(gridEpochs) ? (gridEpochs[0] as number) : undefined) ??
    CELL_DEFAULTS.epochs;
  return settle(p, maxEpochs);
}

function settle(p: NonNullable<ParsedSpec['pruner']>, maxEpochs: number): ResolvedPruner {
  return {
    type: 'asha',
    metric: p.metric,
    mode: p.mode ?? (p.metric.endsWith('Loss') ? 'min' : 'max'),
    minEpochs: p.minEpochs,
    reductionFactor: p.reductionFactor,
    maxEpochs,
    rungs: ashaRungs(p.minEpochs, p.reductionFactor, maxEpochs),
  };
}
