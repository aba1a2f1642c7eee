import { WorkflowIdReusePolicy } from '@temporalio/client';
import { NotFoundError, UserError } from '../errors';
import { getCellByKey, getSweepOrThrow } from '../db';
import type { ParsedSpec } from '../spec';
import { cellWorkflowId, sweepWorkflowId } from '../../workflows/ids';
import type { CellWorkflowInput } from '../../workflows/types';
import type { SweepContext } from './context';
import { sweepWorkflowInput } from './launch';

export interface ContinueResult {
  sweepId: string;
  cellKey: string;
  workflowId: string;
  /** The epoch its checkpoint holds: training goes on from there. */
  fromEpoch: number;
}

/**
 * Trains a pruned cell to its last epoch by hand: a new run of its cell workflow without the pruner, from the
 * checkpoint it stopped at, then AM and its results as for any cell. The sweep's decisions stay as recorded.
 */
export async function continueCell(ctx: SweepContext, sweepId: string, cellKey: string): Promise<ContinueResult> {
  const sweep = await getSweepOrThrow(ctx.pool, sweepId);
  const cell = await getCellByKey(ctx.pool, sweepId, cellKey);
  if (!cell)
    throw new NotFoundError(`sweep ${sweepId} has no cell ${cellKey}; see \`proxysweep sweep status ${sweepId}\``);
  if (cell.status !== 'pruned') {
    throw new UserError(
      `cell ${cellKey} is ${cell.status}, not pruned: only a pruned cell is continued (\`proxysweep sweep resume ${sweepId}\` runs failed and cancelled ones)`,
    );
  }
  const { cell: settings } = sweepWorkflowInput(sweep.spec as ParsedSpec, sweepId, sweep.max_parallel);
  const input: CellWorkflowInput = {
    cellId: cell.id,
    cellKey,
    idx: cell.idx,
    sweepId,
    parentWorkflowId: sweepWorkflowId(sweepId),
    settings: { ...settings, pruning: undefined },
  };
  const workflowId = cellWorkflowId(sweepId, cellKey);
  await ctx.client.workflow.start('cellWorkflow', {
    taskQueue: settings.taskQueue,
    workflowId,
    args: [input],
    // The pruned run completed; this is the cell's next run under the same id.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
  });
  return { sweepId, cellKey, workflowId, fromEpoch: cell.epochs_done };
}
