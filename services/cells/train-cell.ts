import { decodeCheckpoint, trainModel, type EpochMetrics } from '../engine';
import { NotFoundError } from '../errors';
import {
  getCell,
  getSweepOrThrow,
  lastEpochMetric,
  loadCheckpoint,
  markCellStarted,
  setCellEpochsDone,
  setWorkerCell,
  type CheckpointRow,
  type Pool,
} from '../db';
import type { Logger } from '../log';
import type { CellParams } from '../spec';
import { DEFAULT_CHECKPOINT_EVERY_MS } from '../spec/schema';
import type { TrainCellResult } from '../../workflows/types';
import type { DatasetCache } from './dataset-cache';
import { buildCellModel } from './cell-model';
import { maybeInjectFault, testStepDelayMs } from './fault';
import {
  unlessAborted,
  writeCancelCheckpoint,
  writeEpoch,
  writeStepCheckpoint,
  type AttemptRef,
} from './attempt-writes';

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
 * and, on the sweep's `execution.checkpointEvery` cadence and after the last epoch, its checkpoint. On cancellation it stores a step-exact checkpoint so any node can go on.
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
  const attempt = await markCellStarted(pool, cellId, workerId, backend);
  if (attempt === 0) {
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
  deps.log?.info(
    `cell ${cellId} attempt ${attempt} on worker ${workerId} starts from epoch ${checkpoint?.epoch ?? 0} step ${checkpoint?.step ?? 0}`,
  );
  await setWorkerCell(pool, workerId, cellId);
  try {
    maybeInjectFault('train', cell.cell_key, params);
    const every = await checkpointEveryMs(pool, cell.sweep_id);
    return await train(deps, { cellId, attempt }, params, checkpoint, hooks, every);
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
  everyMs: number,
): Promise<TrainCellResult> {
  // Checkpoints on a time cadence (and after the last epoch, and at shutdown): many small epochs never write a
  // checkpoint each, and a long epoch still gets one every `everyMs` (0: after every epoch).
  let lastSaved = performance.now();
  const due = () => everyMs === 0 || performance.now() - lastSaved >= everyMs;
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
      onStep: async (s, ctx) => {
        hooks.heartbeat({ epoch: s.epoch - 1, step: s.step } satisfies TrainProgress);
        if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
        if (everyMs > 0 && s.step < s.stepsPerEpoch && due()) {
          const position = { epoch: s.epoch - 1, step: s.step };
          const write = writeStepCheckpoint(deps, ref, position, await ctx.checkpoint());
          await unlessAborted(write, hooks.signal, `saving epoch ${s.epoch} step ${s.step}`, deps);
          lastSaved = performance.now();
        }
      },
      onEpoch: async (m, ctx) => {
        const final = m.epoch >= params.epochs;
        const data = final || due() ? await ctx.checkpoint() : undefined;
        await unlessAborted(writeEpoch(deps, ref, m, data), hooks.signal, `writing epoch ${m.epoch}`, deps);
        if (data) lastSaved = performance.now();
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

/** The sweep's checkpoint cadence (specs from before it existed: the default). */
async function checkpointEveryMs(pool: Pool, sweepId: string): Promise<number> {
  const spec = (await getSweepOrThrow(pool, sweepId)).spec as { execution?: { checkpointEvery?: number } } | null;
  return spec?.execution?.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY_MS;
}
