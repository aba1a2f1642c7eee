import { decodeCheckpoint, deriveSeed, maximizeActivations, restoreWeights } from '../engine';
import { DATASET_CATALOG } from '../engine/catalog';
import { NotFoundError, SpecError } from '../errors';
import { amUnitsDone, getCell, getSweepOrThrow, loadCheckpoint, setCellPhase, upsertAmResult } from '../db';
import { findAmArm, type CellParams, type ParsedSpec } from '../spec';
import { amImagePng } from './am-image';
import { buildCellModel } from './cell-model';
import { maybeInjectFault } from './fault';
import type { CellDeps, RunnerHooks } from './train-cell';

/** Which AM run of a cell: one arm (protocol key; none for runs from before arms existed) and one slope. */
export interface AmRunRef {
  cellId: number;
  amBackwardSlope: number;
  protocol?: string;
}

/**
 * Runs batched activation maximization for one (cell, AM arm, AM backward slope) on the cell's trained weights
 * and upserts one row per unit with its PNG and start-point gradient statistics. Units already stored are
 * skipped, so retries only finish the rest. Every slope and arm of a cell starts from the same image and draws
 * the same jitter (seeded by the cell's seed), so comparisons between them are paired.
 */
export async function runAmCell(deps: CellDeps, ref: AmRunRef, hooks: RunnerHooks): Promise<{ units: number }> {
  const { pool, workerId } = deps;
  const { cellId, amBackwardSlope } = ref;
  const cell = await getCell(pool, cellId);
  if (!cell) throw new NotFoundError(`cell ${cellId} does not exist`);
  const sweep = await getSweepOrThrow(pool, cell.sweep_id);
  const am = (sweep.spec as ParsedSpec).am;
  if (!am) return { units: 0 };
  const arm = findAmArm(am, ref.protocol);
  const params = cell.params as unknown as CellParams;
  maybeInjectFault('am', cell.cell_key, params);
  const checkpoint = await loadCheckpoint(pool, cellId);
  if (!checkpoint || checkpoint.epoch < params.epochs) {
    throw new NotFoundError(`cell ${cell.cell_key} has no final checkpoint (training must finish before AM)`);
  }
  await setCellPhase(pool, cellId, 'am', workerId);
  // AM needs only the dataset's shape and classes: no data is loaded.
  const dataset = DATASET_CATALOG[params.dataset];
  if (!dataset) throw new SpecError(`unknown dataset "${params.dataset}"`, 'dataset');
  const units = am.units === 'all' ? Array.from({ length: dataset.classes }, (_, i) => i) : am.units;
  const tooBig = units.find((u) => u >= dataset.classes);
  if (tooBig !== undefined)
    throw new SpecError(
      `am.units: unit ${tooBig} does not exist, dataset ${params.dataset} has ${dataset.classes} classes`,
      'am.units',
    );
  const done = new Set(await amUnitsDone(pool, cellId, arm.key, amBackwardSlope));
  const todo = units.filter((u) => !done.has(u));
  if (todo.length === 0) return { units: 0 };

  const model = buildCellModel(params, dataset);
  try {
    restoreWeights(model, decodeCheckpoint(checkpoint.data));
    const p = arm.protocol;
    const results = await maximizeActivations(model, {
      units: todo,
      backwardSlope: amBackwardSlope,
      steps: p.steps,
      learningRate: p.learningRate,
      optimizer: p.optimizer,
      momentum: p.momentum,
      normalize: p.normalize,
      init: p.init,
      initScale: p.initScale,
      jitter: p.jitter,
      blurEvery: p.blurEvery,
      blurSigma: p.blurSigma,
      seed: deriveSeed(params.seed, 'am'),
      signal: hooks.signal,
      onStep: (step) => hooks.heartbeat({ protocol: arm.key, amBackwardSlope, step }),
    });
    for (let i = 0; i < todo.length; i++) {
      const r = results[i];
      await upsertAmResult(pool, {
        cell_id: cellId,
        protocol: arm.key,
        protocol_params: { ...p },
        am_backward_slope: amBackwardSlope,
        unit: todo[i],
        value: r.value,
        initial_value: r.trace[0],
        steps: p.steps,
        trace: r.trace,
        input_shape: r.shape,
        image_png: amImagePng(r.input, r.shape),
        start_grad_zero_fraction: r.startGradient.zeroFraction,
        start_grad_l2: r.startGradient.l2Norm,
      });
    }
    return { units: todo.length };
  } finally {
    model.dispose();
  }
}
