import { decodeCheckpoint, trainModel, type EpochMetrics } from '../engine';
import { NotFoundError } from '../errors';
import {
  getCell,
  lastEpochMetric,
  loadCheckpoint,
  markCellStarted,
  saveCheckpoint,
  setCellEpochsDone,
  setWorkerCell,
  upsertEpochMetric,
  type CheckpointRow,
  type Pool,
} from '../db';
import type { CellParams } from '../spec';
import type { TrainCellResult } from '../../workflows/types';
import type { DatasetCache } from './dataset-cache';
import { buildCellModel } from './cell-model';
import { maybeInjectFault, testStepDelayMs } from './fault';

/** What a worker process gives the cell runners. */
export interface CellDeps {
  pool: Pool;
  workerId: string;
  /** The compute backend in use, recorded with every cell and metric. */
  backend: string;
  datasets: DatasetCache;
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
  if (cell.status === 'succeeded') {
    return {
      epochs: params.epochs,
      testAccuracy: cell.test_accuracy,
      testLoss: cell.test_loss,
      alreadyTrained: true,
      alreadySucceeded: true,
    };
  }
  const checkpoint = await loadCheckpoint(pool, cellId);
  if (checkpoint && checkpoint.epoch >= params.epochs) {
    const last = await lastEpochMetric(pool, cellId);
    await setCellEpochsDone(pool, cellId, params.epochs);
    return {
      epochs: params.epochs,
      testAccuracy: last?.test_accuracy ?? null,
      testLoss: last?.test_loss ?? null,
      alreadyTrained: true,
    };
  }
  if (!(await markCellStarted(pool, cellId, workerId, backend))) {
    // It succeeded while this attempt was starting: leave it as it is.
    const now = await getCell(pool, cellId);
    return {
      epochs: params.epochs,
      testAccuracy: now?.test_accuracy ?? null,
      testLoss: now?.test_loss ?? null,
      alreadyTrained: true,
      alreadySucceeded: true,
    };
  }
  await setWorkerCell(pool, workerId, cellId);
  try {
    maybeInjectFault('train', cell.cell_key, params);
    return await train(deps, cellId, params, checkpoint, hooks);
  } finally {
    await setWorkerCell(pool, workerId, null).catch(() => undefined);
  }
}

async function train(
  deps: CellDeps,
  cellId: number,
  params: CellParams,
  checkpoint: CheckpointRow | undefined,
  hooks: RunnerHooks,
): Promise<TrainCellResult> {
  const { pool, workerId, backend } = deps;
  const lease = await deps.datasets.acquire(params.dataset, params.trainLimit, params.testLimit);
  const dataset = lease.dataset;
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
        // Metrics before the checkpoint: a crash in between re-runs the epoch and rewrites the same row.
        await upsertEpochMetric(pool, {
          cell_id: cellId,
          epoch: m.epoch,
          train_loss: m.trainLoss,
          train_accuracy: m.trainAccuracy,
          test_loss: m.testLoss,
          test_accuracy: m.testAccuracy,
          images_per_sec: m.imagesPerSec,
          learning_rate: m.learningRate,
          worker: workerId,
          backend,
        });
        await saveCheckpoint(pool, { cell_id: cellId, epoch: m.epoch, step: 0, data, worker: workerId });
        await setCellEpochsDone(pool, cellId, m.epoch);
        hooks.heartbeat({ epoch: m.epoch, step: 0 } satisfies TrainProgress);
        last = m;
      },
      onCancel: async (ctx) => {
        const data = await ctx.checkpoint();
        const { epoch, partial } = decodeCheckpoint(data);
        await saveCheckpoint(pool, { cell_id: cellId, epoch, step: partial.step, data, worker: workerId });
      },
    });
  } finally {
    model.dispose();
    lease.release();
  }
  const final = last ?? { testAccuracy: null, testLoss: null };
  return {
    epochs: params.epochs,
    testAccuracy: final.testAccuracy ?? null,
    testLoss: final.testLoss ?? null,
    alreadyTrained: false,
  };
}
