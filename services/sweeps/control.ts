import { WorkflowNotFoundError } from '@temporalio/client';
import { UserError } from '../errors';
import { getSweepOrThrow } from '../db';
import {
  pauseSignal,
  progressQuery,
  setMaxParallelUpdate,
  unpauseSignal,
  MAX_PARALLEL_LIMIT,
} from '../../workflows/sweep';
import type { SweepProgress } from '../../workflows/types';
import type { SweepContext } from './context';
import { workflowRunning } from './launch';

async function runningHandle(ctx: SweepContext, sweepId: string, verb: string) {
  const sweep = await getSweepOrThrow(ctx.pool, sweepId);
  if (!(await workflowRunning(ctx, sweep.workflow_id))) {
    throw new UserError(
      `cannot ${verb} sweep ${sweepId}: it is not running (status ${sweep.status}); see \`proxysweep sweep status ${sweepId}\``,
    );
  }
  return ctx.client.workflow.getHandle(sweep.workflow_id);
}

/** Stops starting new cells (running cells finish). */
export async function pauseSweep(ctx: SweepContext, sweepId: string): Promise<void> {
  await (await runningHandle(ctx, sweepId, 'pause')).signal(pauseSignal);
}

export async function unpauseSweep(ctx: SweepContext, sweepId: string): Promise<void> {
  await (await runningHandle(ctx, sweepId, 'unpause')).signal(unpauseSignal);
}

/** Changes how many cells run at once; returns the new value once the workflow accepted it. */
export async function resizeSweep(ctx: SweepContext, sweepId: string, maxParallel: number): Promise<number> {
  if (!Number.isInteger(maxParallel) || maxParallel < 1 || maxParallel > MAX_PARALLEL_LIMIT) {
    throw new UserError(`--max-parallel must be an integer from 1 to ${MAX_PARALLEL_LIMIT}, got ${maxParallel}`);
  }
  const handle = await runningHandle(ctx, sweepId, 'resize');
  return handle.executeUpdate(setMaxParallelUpdate, { args: [maxParallel] });
}

/** Cancels the sweep; running cells are cancelled (their checkpoints stay, so `resume` continues them). */
export async function cancelSweep(ctx: SweepContext, sweepId: string): Promise<void> {
  await (await runningHandle(ctx, sweepId, 'cancel')).cancel();
}

/**
 * Live progress from the running workflow, or undefined when it is not running or does not answer within a
 * few seconds (a query needs a worker: a stalled sweep has none).
 */
export async function queryProgress(ctx: SweepContext, workflowId: string): Promise<SweepProgress | undefined> {
  try {
    return await ctx.client.connection.withDeadline(Date.now() + 5_000, () =>
      ctx.client.workflow.getHandle(workflowId).query(progressQuery),
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    // A closed workflow cannot answer queries without a worker replaying it: no live progress then.
    return undefined;
  }
}
