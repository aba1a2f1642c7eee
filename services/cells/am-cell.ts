import { decodeCheckpoint, deriveSeed, maximizeActivations, restoreWeights } from '../engine';
import { NotFoundError, SpecError } from '../errors';
import { amUnitsDone, getCell, getSweepOrThrow, loadCheckpoint, setCellPhase, upsertAmResult } from '../db';
import type { CellParams, ParsedSpec } from '../spec';
import { amImagePng } from './am-image';
import { buildCellModel } from './cell-model';
import { maybeInjectFault } from './fault';
import type { CellDeps, RunnerHooks } from './train-cell';

/**
 * Runs batched activation maximization for one (cell, AM backward slope) on the cell's trained weights and
 * upserts one row per unit with its PNG. Units already stored are skipped, so retries only finish the rest.
 */
export async function runAmCell(
  deps: CellDeps,
  cellId: number,
  amBackwardSlope: number,
  hooks: RunnerHooks,
): Promise<{ units: number }> {
  const { pool, workerId } = deps;
  const cell = await getCell(pool, cellId);
  if (!cell) throw new NotFoundError(`cell ${cellId} does not exist`);
  const sweep = await getSweepOrThrow(pool, cell.sweep_id);
  const am = (sweep.spec as ParsedSpec).am;
  if (!am) return { units: 0 };
  const params = cell.params as unknown as CellParams;
  maybeInjectFault('am', cell.cell_key, params);
  const checkpoint = await loadCheckpoint(pool, cellId);
  if (!checkpoint || checkpoint.epoch < params.epochs) {
    throw new NotFoundError(`cell ${cell.cell_key} has no final checkpoint (training must finish before AM)`);
  }
  await setCellPhase(pool, cellId, 'am', workerId);
  const dataset = await deps.datasets.get(params.dataset, params.trainLimit, params.testLimit);
  const units = am.units === 'all' ? Array.from({ length: dataset.classes }, (_, i) => i) : am.units;
  const tooBig = units.find((u) => u >= dataset.classes);
  if (tooBig !== undefined)
    throw new SpecError(
      `am.units: unit ${tooBig} does not exist, dataset ${params.dataset} has ${dataset.classes} classes`,
      'am.units',
    );
  const done = new Set(await amUnitsDone(pool, cellId, amBackwardSlope));
  const todo = units.filter((u) => !done.has(u));
  if (todo.length === 0) return { units: 0 };

  const model = buildCellModel(params, dataset);
  try {
    restoreWeights(model, decodeCheckpoint(checkpoint.data));
    const results = await maximizeActivations(model, {
      units: todo,
      backwardSlope: amBackwardSlope,
      steps: am.steps,
      learningRate: am.learningRate,
      init: am.init,
      seed: deriveSeed(params.seed, `am/${amBackwardSlope}`),
      signal: hooks.signal,
      onStep: (step) => hooks.heartbeat({ amBackwardSlope, step }),
    });
    for (let i = 0; i < todo.length; i++) {
      const r = results[i];
      await upsertAmResult(pool, {
        cell_id: cellId,
        am_backward_slope: amBackwardSlope,
        unit: todo[i],
        value: r.value,
        initial_value: r.trace[0],
        steps: am.steps,
        trace: r.trace,
        input_shape: r.shape,
        image_png: amImagePng(r.input, r.shape),
      });
    }
    return { units: todo.length };
  } finally {
    model.dispose();
  }
}
