import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import {
  AttemptSupersededError,
  CancelledError,
  DatasetError,
  NotFoundError,
  ServiceError,
  isUserError,
} from '../services/errors';
import { describePgError, isTooManyClients } from '../services/db/pool';
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
import type { AttemptIdentity, CellRef, SweepSummary, TrainCellResult } from '../workflows/types';
import { NODE_PROBLEM } from '../workflows/ids';

export interface ActivityDeps extends CellDeps {
  pool: Pool;
}

/**
 * The activities a worker registers: thin adapters from Temporal to services/ (unpack input, call one
 * function, heartbeat, map errors). User errors become non-retryable failures typed by class name.
 */
export function createActivities(deps: ActivityDeps) {
  const { pool } = deps;
  const mapErrors = <T>(fn: () => Promise<T>) => mapActivityErrors(fn, deps);
  const hooks = () => activityHooks(deps.workerId);
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

/**
 * Heartbeats carry the worker's identity, and a retry's also the identity of the attempt before it (the
 * server hands the last heartbeat to the next attempt): `sweep status` names a silent worker from them.
 */
function activityHooks(workerId: string): RunnerHooks {
  const ctx = Context.current();
  const before = (ctx.info.heartbeatDetails as AttemptIdentity | undefined)?.worker;
  const identity: AttemptIdentity = { worker: workerId, ...(before ? { previousWorker: before } : {}) };
  return {
    heartbeat: (details) => ctx.heartbeat({ ...(details as object), ...identity }),
    signal: ctx.cancellationSignal,
  };
}

/**
 * Maps our errors onto Temporal's: user errors and injected faults fail the activity for good; a problem of this
 * node (dataset files missing or corrupt here, a service unreachable from here) fails it as a NodeProblem, which
 * the cell workflow retries on any node without spending the spec's retries, after this worker has said what it
 * lacks in its log and in the workers table; a stop caused by a cancel request reports cancellation; a stop
 * because Temporal gave the attempt up (heartbeat timeout) or because the worker shuts down is retryable, so the
 * cell continues on another worker from its last checkpoint. A refused stale write and "too many clients" are
 * retryable too, with a clear message.
 */
async function mapActivityErrors<T>(fn: () => Promise<T>, deps: ActivityDeps): Promise<T> {
  const { workerId, log } = deps;
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DatasetError || err instanceof ServiceError) {
      // Said where the operator looks: this worker's log and its row in the workers table.
      const problem = `worker ${workerId} cannot run this cell: ${err.message}`;
      log?.error(problem);
      await recordWorkerProblem(deps.pool, workerId, err.message).catch(() => undefined);
      throw ApplicationFailure.create({ message: problem, type: NODE_PROBLEM, nonRetryable: true });
    }
    if (isUserError(err) || err instanceof InjectedFault) {
      throw ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: true });
    }
    if (err instanceof AttemptSupersededError) {
      log?.warn(err.message);
      throw ApplicationFailure.create({ message: err.message, type: 'AttemptSuperseded', nonRetryable: false });
    }
    if (err instanceof CancelledError) {
      const details = Context.current().cancellationDetails;
      if (details?.cancelRequested) throw new CancelledFailure(err.message);
      const timedOut = details?.timedOut || details?.notFound;
      const message = timedOut
        ? `heartbeat timeout on worker ${workerId}: Temporal gave this attempt up and retries it (${err.message})`
        : `${err.message} (worker ${workerId} shutting down)`;
      log?.warn(message);
      throw ApplicationFailure.create({
        message,
        type: timedOut ? 'HeartbeatTimeout' : 'WorkerShutdown',
        nonRetryable: false,
      });
    }
    if (isTooManyClients(err)) {
      throw ApplicationFailure.create({ message: describePgError(err), type: 'TooManyClients', nonRetryable: false });
    }
    throw err;
  }
}
