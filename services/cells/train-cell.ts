import { decodeCheckpoint, trainModel, type EpochMetrics } from '../engine';
import { NotFoundError } from '../errors';
import {
  getCell,
  lastEpochMetric,
  loadCheckpoint,
  markCellStarted,
  setWorkerCell,
  type CheckpointRow,
  type Pool,
} from '../db';
import type { Logger } from '../log';
import type { CellParams } from '../spec';
import type { TrainCellResult } from '../../workflows/types';
import type { DatasetCache } from './dataset-cache';
import { buildCellModel } from './cell-model';
import { maybeInjectFault, testStepDelayMs } from './fault';
import { unlessAborted, writeCancelCheckpoint, writeEpoch, type AttemptRef } from './attempt-writes';

/** What a worker process gives the cell runners. */
export interface CellDeps {
  pool: Pool;
  workerId: string;
  /** The compute backend in use, recorded with every cell and metric. */
  backend: string;
  datasets: DatasetCache;
  /** Where attempts say where they start and how abandoned writes ended. */
  log?: Logger;
}

/** How a runner talks back to whoever runs it (a Temporal activity, or a test). */
export interface RunnerHooks {
  heartbeat(details: unknown): void;
  signal: AbortSignal;
}

export interface TrainProgress {
  epoch: number;
  step: number;
}

/**
 * Trains one cell, resuming from its checkpoint in Postgres, writing each epoch's metrics (idempotent upsert)
 * and checkpoint before reporting it. On cancellation it stores a step-exact checkpoint so any node can go on.
 * A cell whose final checkpoint exists is not trained again.
 */
export async function runTrainCell(deps: CellDeps, cellId: number, hooks: RunnerHooks): Promise<TrainCellResult> {
  const { pool, workerId, backend } = deps;
  const cell = await getCell(pool, cellId);
  if (!cell) throw new NotFoundError(`cell ${cellId} does not exist`);
  const params = cell.params as unknown as CellParams;
  const checkpoint = await loadCheckpoint(pool, cellId);
  if (checkpoint && checkpoint.epoch >= params.epochs) {
    const last = await lastEpochMetric(pool, cellId);
    return {
      epochs: params.epochs,
      testAccuracy: last?.test_accuracy ?? null,
      testLoss: last?.test_loss ?? null,
      alreadyTrained: true,
    };
  }
  const attempt = await markCellStarted(pool, cellId, workerId, backend);
  deps.log?.info(
    `cell ${cellId} attempt ${attempt} on worker ${workerId} starts from epoch ${checkpoint?.epoch ?? 0} step ${checkpoint?.step ?? 0}`,
  );
  await setWorkerCell(pool, workerId, cellId);
  try {
    maybeInjectFault('train', cell.cell_key, params);
    return await train(deps, { cellId, attempt }, params, checkpoint, hooks);
  } finally {
    const cleared = setWorkerCell(pool, workerId, null).catch(() => undefined);
    // A stopping attempt does not wait on a database it may not reach.
    if (!hooks.signal.aborted) await cleared;
  }
}

async function train(
  deps: CellDeps,
  ref: AttemptRef,
  params: CellParams,
  checkpoint: CheckpointRow | undefined,
  hooks: RunnerHooks,
): Promise<TrainCellResult> {
  const dataset = await deps.datasets.get(params.dataset, params.trainLimit, params.testLimit);
  const model = buildCellModel(params, dataset);
  const delay = testStepDelayMs();
  let last: EpochMetrics | undefined;
  hooks.heartbeat({ epoch: checkpoint?.epoch ?? 0, step: checkpoint?.step ?? 0 } satisfies TrainProgress);
  try {
    await trainModel(model, dataset, {
      epochs: params.epochs,
      batchSize: params.batchSize,
      learningRate: params.learningRate,
      optimizer: params.optimizer,
      momentum: params.momentum,
      schedule: params.schedule,
      augment: params.augment,
      seed: params.seed,
      signal: hooks.signal,
      resumeFrom: checkpoint?.data,
      onStep: async (s) => {
        hooks.heartbeat({ epoch: s.epoch - 1, step: s.step } satisfies TrainProgress);
        if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
      },
      onEpoch: async (m, ctx) => {
        const data = await ctx.checkpoint();
        await unlessAborted(writeEpoch(deps, ref, m, data), hooks.signal, `writing epoch ${m.epoch}`, deps);
        hooks.heartbeat({ epoch: m.epoch, step: 0 } satisfies TrainProgress);
        last = m;
      },
      onCancel: async (ctx) => {
        const data = await ctx.checkpoint();
        const { epoch, partial } = decodeCheckpoint(data);
        await writeCancelCheckpoint(deps, ref, { epoch, step: partial.step }, data);
      },
    });
  } finally {
    model.dispose();
  }
  const final = last ?? { testAccuracy: null, testLoss: null };
  return {
    epochs: params.epochs,
    testAccuracy: final.testAccuracy ?? null,
    testLoss: final.testLoss ?? null,
    alreadyTrained: false,
  };
}
