import {
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  isCancellation,
  proxyLocalActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { cellWorkflow } from './cell';
import { cellWorkflowId } from './ids';
import type { CellFinished, SweepProgress, SweepState, SweepSummary, SweepWorkflowInput } from './types';

// Messages: the CLI sends these by name.
export const pauseSignal = defineSignal('pause');
export const unpauseSignal = defineSignal('unpause');
export const cellFinishedSignal = defineSignal<[CellFinished]>('cellFinished');
export const setMaxParallelUpdate = defineUpdate<number, [number]>('setMaxParallel');
export const progressQuery = defineQuery<SweepProgress>('progress');

// Quick database calls run as local activities: inside the workflow task, no server round trips.
const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: ['NotFoundError', 'InjectedFault'],
  },
});

const PAGE_SIZE = 100;
// How often one run starts a cell again that an earlier run's cancellation stopped.
const MAX_REQUEUES = 3;
export const MAX_PARALLEL_LIMIT = 1000;

/**
 * A sweep: a sliding window of cellWorkflow children, at most `maxParallel` running, fed page by page from
 * Postgres (cells not yet succeeded), so any grid size keeps the history small; continues as new when the
 * server suggests it. Children are ABANDONed (they survive continue-as-new) and signal completion to this
 * workflow id. Pause/unpause by signal, resize by update, progress by query; cancelling it cancels the
 * running cells.
 */
export async function sweepWorkflow(input: SweepWorkflowInput | SweepState): Promise<SweepSummary> {
  const state: SweepState =
    'cursor' in input
      ? input
      : {
          ...input,
          paused: false,
          cursor: -1,
          running: [],
          queued: [],
          exhausted: false,
          finished: { succeeded: 0, failed: 0, cancelled: 0 },
          runs: 0,
        };
  const running = new Set(state.running);
  let reportedPaused = state.runs === 0 ? undefined : state.paused;

  setHandler(pauseSignal, () => void (state.paused = true));
  setHandler(unpauseSignal, () => void (state.paused = false));
  setHandler(cellFinishedSignal, ({ cellKey, outcome }) => {
    if (!running.delete(cellKey)) return;
    // This run never cancels single cells: a cancelled one was stopped by an earlier run (a quick cancel then
    // resume), so it runs again (a bounded number of times).
    const tries = (state.requeued ??= {})[cellKey] ?? 0;
    if (outcome === 'cancelled' && tries < MAX_REQUEUES) {
      state.requeued[cellKey] = tries + 1;
      (state.requeue ??= []).push(cellKey);
    } else state.finished[outcome]++;
  });
  setHandler(
    setMaxParallelUpdate,
    async (n) => {
      state.maxParallel = n;
      await db.setSweepMaxParallel(state.sweepId, n);
      return n;
    },
    {
      validator: (n) => {
        if (!Number.isInteger(n) || n < 1 || n > MAX_PARALLEL_LIMIT)
          throw new Error(`maxParallel must be an integer in 1..${MAX_PARALLEL_LIMIT}, got ${n}`);
      },
    },
  );
  setHandler(progressQuery, () => ({
    sweepId: state.sweepId,
    paused: state.paused,
    maxParallel: state.maxParallel,
    running: [...running],
    queued: state.queued.length,
    cursor: state.cursor,
    exhausted: state.exhausted,
    finished: { ...state.finished },
    runs: state.runs,
  }));

  const syncStatus = async () => {
    if (reportedPaused !== state.paused) {
      reportedPaused = state.paused;
      await db.setSweepStatus(state.sweepId, state.paused ? 'paused' : 'running', null);
    }
  };

  try {
    await syncStatus();
    for (;;) {
      if (state.requeue?.length) {
        const again = await db.cellRefs(state.sweepId, state.requeue);
        state.requeue = [];
        state.queued.unshift(...again);
      }
      if (state.queued.length === 0 && !state.exhausted) {
        const page = await db.listCellsToRun(state.sweepId, state.cursor, PAGE_SIZE);
        state.queued = page;
        if (page.length < PAGE_SIZE) state.exhausted = true;
      }
      if (state.queued.length === 0) {
        // Everything is started: wait for the window to drain (still answering pause/resize/progress).
        await condition(
          () =>
            running.size === 0 ||
            (state.requeue?.length ?? 0) > 0 ||
            workflowInfo().continueAsNewSuggested ||
            reportedPaused !== state.paused,
        );
        await syncStatus();
        if (running.size === 0 && !state.requeue?.length) break;
      } else {
        await condition(() => (!state.paused && running.size < state.maxParallel) || reportedPaused !== state.paused);
        await syncStatus();
        if (!state.paused && running.size < state.maxParallel) {
          // Start every free slot's cell at once: the starts share one workflow task.
          const batch = state.queued.splice(0, state.maxParallel - running.size);
          await Promise.all(batch.map((cell) => startCell(state, running, cell)));
          // Requeued cells sit before the cursor: it only ever moves forward.
          state.cursor = Math.max(state.cursor, ...batch.map((c) => c.idx));
        }
      }
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof sweepWorkflow>({ ...state, running: [...running], runs: state.runs + 1 });
      }
    }
    const summary = await db.finalizeSweep(state.sweepId);
    if (summary.status === 'failed') {
      throw ApplicationFailure.create({
        message: summary.error ?? 'some cells failed',
        type: 'SweepFailed',
        nonRetryable: true,
        details: [summary],
      });
    }
    return summary;
  } catch (err) {
    // Continuing as new is how a long sweep goes on (its cells keep running), and a failed sweep was recorded
    // by finalizeSweep already: neither is a failure to clean up after.
    if (err instanceof ContinueAsNew || isSweepFailed(err)) throw err;
    // Every other way out ends the sweep's row and its running cells, so nothing is left `running`.
    const cancelled = isCancellation(err);
    await CancellationScope.nonCancellable(async () => {
      await Promise.all(
        [...running].map((key) =>
          getExternalWorkflowHandle(cellWorkflowId(state.sweepId, key))
            .cancel()
            .catch(() => undefined),
        ),
      );
      await db
        .setSweepStatus(
          state.sweepId,
          cancelled ? 'cancelled' : 'failed',
          cancelled ? 'cancelled by request' : `sweep workflow failed: ${rootMessage(err)}`,
        )
        .catch(() => undefined); // e.g. the sweep's row was deleted: nothing left to record
    });
    throw err;
  }
}

function isSweepFailed(err: unknown): boolean {
  return err instanceof ApplicationFailure && err.type === 'SweepFailed';
}

/** The innermost failure message (activity failures wrap the error that caused them). */
function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return (e?.message ?? String(err)).split('\n')[0];
}

async function startCell(state: SweepState, running: Set<string>, cell: SweepState['queued'][number]): Promise<void> {
  running.add(cell.cellKey);
  try {
    await startChild(cellWorkflow, {
      workflowId: cellWorkflowId(state.sweepId, cell.cellKey),
      taskQueue: state.cell.taskQueue,
      args: [{ ...cell, sweepId: state.sweepId, parentWorkflowId: workflowInfo().workflowId, settings: state.cell }],
      // Cells outlive this run (continue-as-new) and report back by signal.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // A cell whose last run succeeded is never started again; one that failed or was cancelled may be.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    });
  } catch (err) {
    if ((err as Error).name !== 'WorkflowExecutionAlreadyStartedError') {
      running.delete(cell.cellKey);
      throw err;
    }
    // Either its last run succeeded (after this page was read), or one is still open and will signal us.
    if ((await db.cellStatus(cell.cellId)) === 'succeeded') {
      running.delete(cell.cellKey);
      state.finished.succeeded++;
    }
  }
}
