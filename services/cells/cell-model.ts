import { buildModel, type Dataset, type tf } from '../engine';
import type { CellParams } from '../spec';

/** The untrained network of a cell: its architecture and slopes, sized for its dataset, seeded by its seed. */
export function buildCellModel(params: CellParams, dataset: Pick<Dataset, 'inputShape' | 'classes'>): tf.LayersModel {
  return buildModel(params.arch, {
    // Options first: they can never replace the cell's seed, classes or slopes.
    ...params.archOptions,
    inputShape: dataset.inputShape,
    classes: dataset.classes,
    activation: { mode: params.activation, forwardSlope: params.forwardSlope, backwardSlope: params.backwardSlope },
    seed: params.seed,
  });
}
