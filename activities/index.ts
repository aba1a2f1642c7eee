import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { CancelledError, DatasetError, NotFoundError, ServiceError, isUserError } from '../services/errors';
import {
  getCell,
  listCellsByKeys,
  type CellStatus,
  listCellsToRun,
  setSweepMaxParallel,
  setSweepStatus,
  type Pool,
  type SweepStatus,
  markCellEnded,
  markCellWaiting,
  recordWorkerProblem,
} from '../services/db';
import {
  InjectedFault,
  completeCell,
  finalizeSweep,
  maybeInjectSweepFault,
  runAmCell,
  runTrainCell,
  type AmRunRef,
  type CellDeps,
  type RunnerHooks,
} from '../services/cells';
import type { CellRef, SweepSummary, TrainCellResult } from '../workflows/types';
import { NODE_PROBLEM } from '../workflows/ids';

export interface ActivityDeps extends CellDeps {
  pool: Pool;
  /** Where a worker says what it lacks (a missing dataset, an unreachable database). */
  logProblem?: (problem: string) => void;
}

/**
 * The activities a worker registers: thin adapters from Temporal to services/ (unpack input, call one
 * function, heartbeat, map errors). User errors become non-retryable failures typed by class name.
 */
export function createActivities(deps: ActivityDeps) {
  const { pool } = deps;
  const mapErrors = <T>(fn: () => Promise<T>) => mapActivityErrors(fn, deps);
  return {
    async listCellsToRun(sweepId: string, afterIdx: number, limit: number): Promise<CellRef[]> {
      const rows = await listCellsToRun(pool, sweepId, afterIdx, limit);
      return rows.map((r) => ({ cellId: r.id, cellKey: r.cell_key, idx: r.idx }));
    },

    async setSweepStatus(sweepId: string, status: SweepStatus, error: string | null): Promise<void> {
      maybeInjectSweepFault(status);
      await setSweepStatus(pool, sweepId, status, error);
    },

    /** References of the given cells that have not succeeded (cells the sweep starts again). */
    async cellRefs(sweepId: string, cellKeys: string[]): Promise<CellRef[]> {
      const rows = await listCellsByKeys(pool, sweepId, cellKeys);
      return rows
        .filter((r) => r.status !== 'succeeded')
        .map((r) => ({ cellId: r.id, cellKey: r.cell_key, idx: r.idx }));
    },

    /** A cell's status in Postgres (the sweep asks when a child's id is taken). */
    async cellStatus(cellId: number): Promise<CellStatus> {
      const cell = await getCell(pool, cellId);
      if (!cell) throw new NotFoundError(`cell ${cellId} does not exist`);
      return cell.status;
    },

    async setSweepMaxParallel(sweepId: string, maxParallel: number): Promise<void> {
      await setSweepMaxParallel(pool, sweepId, maxParallel);
    },

    async finalizeSweep(sweepId: string): Promise<SweepSummary> {
      return mapErrors(() => finalizeSweep(pool, sweepId));
    },

    /** Trains a cell (resuming from its checkpoint); heartbeats every step. */
    async trainCell(input: { cellId: number }): Promise<TrainCellResult> {
      return mapErrors(() => runTrainCell(deps, input.cellId, hooks()));
    },

    /** AM for one (arm, backward slope) on a trained cell; heartbeats every ascent step. */
    async maximizeCell(input: AmRunRef): Promise<{ units: number }> {
      return mapErrors(() => runAmCell(deps, input, hooks()));
    },

    async recordCellSucceeded(input: {
      cellId: number;
      testAccuracy: number | null;
      testLoss: number | null;
    }): Promise<void> {
      await completeCell(pool, input.cellId, input.testAccuracy, input.testLoss);
    },

    /** The cell waits for a node that can run it (every attempt so far met a node problem). */
    async recordCellWaiting(input: { cellId: number; problem: string }): Promise<void> {
      await markCellWaiting(pool, input.cellId, input.problem);
    },

    async recordCellEnded(input: {
      cellId: number;
      status: 'failed' | 'cancelled';
      error: string | null;
    }): Promise<void> {
      await markCellEnded(pool, input.cellId, input.status, input.error);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

function hooks(): RunnerHooks {
  const ctx = Context.current();
  return { heartbeat: (details) => ctx.heartbeat(details), signal: ctx.cancellationSignal };
}

/**
 * Maps our errors onto Temporal's: user errors and injected faults fail the activity for good; a problem of this
 * node (dataset files missing or corrupt here, a service unreachable from here) fails it as a NodeProblem, which
 * the cell workflow retries on any node without spending the spec's retries, after this worker has said what it
 * lacks in its log and in the workers table; a stop caused by a cancel request reports cancellation; a stop
 * caused by worker shutdown is retryable, so the cell continues on another worker from its checkpoint.
 */
async function mapActivityErrors<T>(fn: () => Promise<T>, deps: ActivityDeps): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DatasetError || err instanceof ServiceError) {
      const problem = `worker ${deps.workerId} cannot run this cell: ${err.message}`;
      deps.logProblem?.(problem);
      await recordWorkerProblem(deps.pool, deps.workerId, err.message).catch(() => undefined);
      throw ApplicationFailure.create({ message: problem, type: NODE_PROBLEM, nonRetryable: true });
    }
    if (isUserError(err) || err instanceof InjectedFault) {
      throw ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: true });
    }
    if (err instanceof CancelledError) {
      const details = Context.current().cancellationDetails;
      if (details?.cancelRequested) throw new CancelledFailure(err.message);
      throw ApplicationFailure.create({
        message: `${err.message} (worker shutting down)`,
        type: 'WorkerShutdown',
        nonRetryable: false,
      });
    }
    throw err;
  }
}
