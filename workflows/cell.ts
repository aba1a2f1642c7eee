import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NODE_PROBLEM } from './ids';
import type { CellFinished, CellOutcome, CellWorkflowInput, TrainCellResult } from './types';

// NodeProblem is retried by the workflow (onAnyNode), not by the activity's retry policy.
const NON_RETRYABLE = ['SpecError', 'UserError', 'NotFoundError', 'InjectedFault', NODE_PROBLEM];

// Waiting for a node that can run the cell: 5 s, 10 s, … up to 2 min between tries.
const NODE_RETRY_FIRST_MS = 5_000;
const NODE_RETRY_MAX_MS = 120_000;

// Quick database calls run as local activities: inside the workflow task, no server round trips.
const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['NotFoundError'] },
});

/**
 * One grid point: train (resuming from the cell's last checkpoint on any retry) → AM for each AM arm and AM
 * backward slope → record the result; then tell the sweep. Training and AM heartbeat, so a dead worker is noticed
 * within the heartbeat timeout and the retry runs elsewhere. Fails (after recording the error) when an
 * activity exhausts its retries or hits a non-retryable error.
 */
export async function cellWorkflow(input: CellWorkflowInput): Promise<TrainCellResult> {
  const { settings } = input;
  const retry = {
    maximumAttempts: settings.retries.maximumAttempts,
    initialInterval: settings.retries.initialIntervalMs,
    backoffCoefficient: settings.retries.backoffCoefficient,
    maximumInterval: settings.retries.maximumIntervalMs,
    nonRetryableErrorTypes: NON_RETRYABLE,
  };
  const compute = proxyActivities<Activities>({
    taskQueue: settings.taskQueue,
    startToCloseTimeout: settings.trainTimeoutMs,
    heartbeatTimeout: settings.heartbeatTimeoutMs,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry,
  });
  const am = proxyActivities<Activities>({
    taskQueue: settings.taskQueue,
    startToCloseTimeout: settings.amTimeoutMs,
    heartbeatTimeout: settings.heartbeatTimeoutMs,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry,
  });

  // A node that cannot run the cell (no dataset files, no database) fails fast; another node gets the next try.
  const anyNode = <T>(what: () => Promise<T>, budgetMs: number) => onAnyNode(what, input.cellId, budgetMs);
  try {
    const trained = await anyNode(() => compute.trainCell({ cellId: input.cellId }), settings.trainTimeoutMs);
    if (trained.alreadySucceeded) {
      // A duplicate run of a cell that succeeded: its rows are complete; just tell the sweep.
      await notifySweep(input, 'succeeded');
      return trained;
    }
    for (const protocol of settings.amProtocols ?? [undefined]) {
      for (const slope of settings.amSlopes) {
        await anyNode(
          () => am.maximizeCell({ cellId: input.cellId, amBackwardSlope: slope, protocol }),
          settings.amTimeoutMs,
        );
      }
    }
    await db.recordCellSucceeded({
      cellId: input.cellId,
      testAccuracy: trained.testAccuracy,
      testLoss: trained.testLoss,
    });
    await notifySweep(input, 'succeeded');
    return trained;
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        await db.recordCellEnded({ cellId: input.cellId, status: 'cancelled', error: 'cancelled by request' });
        await notifySweep(input, 'cancelled');
      });
      throw err;
    }
    const message = rootMessage(err);
    await db.recordCellEnded({ cellId: input.cellId, status: 'failed', error: message });
    await notifySweep(input, 'failed', message);
    throw ApplicationFailure.create({ message, type: 'CellFailed', nonRetryable: true });
  }
}

/**
 * Runs an activity until it does not fail with a NodeProblem, sleeping with backoff between tries and recording
 * on the cell what the last node lacked, for at most `budgetMs` (then the last failure stands). Node problems
 * never use up the spec's retries: those are for failures of the cell itself.
 */
async function onAnyNode<T>(what: () => Promise<T>, cellId: number, budgetMs: number): Promise<T> {
  const start = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await what();
    } catch (err) {
      const problem = nodeProblem(err);
      const pause = Math.min(NODE_RETRY_MAX_MS, NODE_RETRY_FIRST_MS * 2 ** attempt);
      if (problem === undefined || Date.now() - start + pause > budgetMs) throw err;
      await db.recordCellWaiting({ cellId, problem });
      await sleep(pause);
    }
  }
}

function nodeProblem(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  return cause instanceof ApplicationFailure && cause.type === NODE_PROBLEM ? cause.message : undefined;
}

async function notifySweep(input: CellWorkflowInput, outcome: CellOutcome, error?: string): Promise<void> {
  const message: CellFinished = { cellKey: input.cellKey, outcome, error };
  // The sweep may be gone (cancelled, or a newer run took over under the same id): nothing to tell then.
  await getExternalWorkflowHandle(input.parentWorkflowId)
    .signal<[CellFinished]>('cellFinished', message)
    .catch(() => undefined);
}

/**
 * The innermost failure message (an ActivityFailure wraps the ApplicationFailure thrown by the activity); an
 * attempt Temporal timed out for lack of heartbeats reads "heartbeat timeout on worker W".
 */
function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  let worker: string | undefined;
  for (; e; e = e.cause as typeof e) {
    if (e instanceof ActivityFailure) worker = e.identity || worker;
    if (e instanceof TimeoutFailure && e.timeoutType === 'HEARTBEAT') {
      return `heartbeat timeout on worker ${worker ?? '(unknown)'}`;
    }
    if (!e.cause) break;
  }
  return (e?.message ?? String(err)).split('\n')[0];
}
