import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { UserError } from '../errors';
import {
  getSweep,
  getSweepOrThrow,
  insertCells,
  insertSweep,
  setSweepStatus,
  withTransaction,
  type SweepRow,
} from '../db';
import { expandAmArms, type ParsedSpec, type SweepSpec } from '../spec';
import { sweepWorkflowId } from '../../workflows/ids';
import type { SweepWorkflowInput } from '../../workflows/types';
import type { SweepContext } from './context';
import { settleOpenCells } from './settle';

export interface LaunchResult {
  sweepId: string;
  /** false: a sweep with this spec existed and nothing new was started. */
  created: boolean;
  status: SweepRow['status'];
  cells: number;
  workflowId: string;
}

/** The workflow input for a sweep spec: ids and run settings only. */
export function sweepWorkflowInput(
  spec: ParsedSpec,
  sweepId: string,
  maxParallel = spec.execution.maxParallel,
): SweepWorkflowInput {
  const ex = spec.execution;
  return {
    sweepId,
    maxParallel,
    cell: {
      taskQueue: ex.taskQueue,
      retries: {
        maximumAttempts: ex.retries.maximumAttempts,
        initialIntervalMs: ex.retries.initialInterval,
        backoffCoefficient: ex.retries.backoffCoefficient,
        maximumIntervalMs: ex.retries.maximumInterval,
      },
      trainTimeoutMs: ex.timeouts.train,
      amTimeoutMs: ex.timeouts.am,
      heartbeatTimeoutMs: ex.timeouts.heartbeat,
      amSlopes: spec.am?.backwardSlopes ?? [],
      amProtocols: spec.am ? expandAmArms(spec.am).map((arm) => arm.key) : [],
    },
  };
}

/**
 * Launches a validated sweep: rows for the sweep and its cells, then the sweep workflow, in one transaction
 * (a failed start leaves nothing behind). The sweep id derives from the spec, so launching the same spec
 * again returns the existing sweep and starts nothing, unless `forceNew` asks for a fresh copy.
 */
export async function launchSweep(
  ctx: SweepContext,
  spec: SweepSpec,
  opts: { forceNew?: boolean } = {},
): Promise<LaunchResult> {
  let sweepId = spec.sweepId;
  const existing = await getSweep(ctx.pool, sweepId);
  if (existing && !opts.forceNew) {
    return {
      sweepId,
      created: false,
      status: existing.status,
      cells: existing.total_cells,
      workflowId: existing.workflow_id,
    };
  }
  if (existing) {
    const taken = await ctx.pool.query<{ id: string }>(`SELECT id FROM sweeps WHERE id LIKE $1`, [`${sweepId}-r%`]);
    sweepId = `${sweepId}-r${taken.rowCount! + 2}`;
  }
  const workflowId = sweepWorkflowId(sweepId);
  const input = sweepWorkflowInput(spec.spec, sweepId);
  await withTransaction(ctx.pool, async (tx) => {
    const inserted = await insertSweep(tx, {
      id: sweepId,
      name: spec.name,
      spec: spec.spec,
      spec_hash: spec.specHash,
      max_parallel: input.maxParallel,
      task_queue: input.cell.taskQueue,
      total_cells: spec.cells.length,
      workflow_id: workflowId,
    });
    if (!inserted)
      throw new UserError(`sweep ${sweepId} was created concurrently; run \`proxysweep sweep status ${sweepId}\``);
    await insertCells(
      tx,
      sweepId,
      spec.cells.map((c) => ({
        cell_key: c.key,
        idx: c.idx,
        params: c.params as unknown as Record<string, unknown>,
        dataset: c.params.dataset,
        arch: c.params.arch,
        activation: c.params.activation,
        forward_slope: c.params.forwardSlope,
        backward_slope: c.params.backwardSlope,
        seed: c.params.seed,
        epochs_total: c.params.epochs,
      })),
    );
    await setSweepStatus(tx, sweepId, 'running');
    await ctx.client.workflow.start('sweepWorkflow', { taskQueue: input.cell.taskQueue, workflowId, args: [input] });
  });
  return { sweepId, created: true, status: 'running', cells: spec.cells.length, workflowId };
}

export interface ResumeResult {
  sweepId: string;
  /** Cells that will run again (everything not succeeded). */
  cellsToRun: number;
  started: boolean;
  reason?: string;
}

/**
 * Finishes a sweep: starts a new run of its workflow (same id) that runs every cell not succeeded (failed,
 * cancelled, lost); succeeded cells are never re-run, and training continues from checkpoints. Cell workflows
 * of an earlier run that are still open are cancelled and waited for first. A sweep whose workflow is still
 * running is left alone.
 */
export async function resumeSweep(
  ctx: SweepContext,
  sweepId: string,
  opts: { log?: (line: string) => void } = {},
): Promise<ResumeResult> {
  const sweep = await getSweepOrThrow(ctx.pool, sweepId);
  const todo = await ctx.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM cells WHERE sweep_id = $1 AND status <> 'succeeded'`,
    [sweepId],
  );
  const cellsToRun = todo.rows[0].n;
  if (await workflowRunning(ctx, sweep.workflow_id)) {
    return { sweepId, cellsToRun, started: false, reason: 'its workflow is still running' };
  }
  if (cellsToRun === 0) {
    if (sweep.status !== 'succeeded') await setSweepStatus(ctx.pool, sweepId, 'succeeded');
    return { sweepId, cellsToRun, started: false, reason: 'every cell has succeeded' };
  }
  // Cells of an earlier run may still be open (cancelling, or orphaned by a terminated sweep): let them close
  // first, so the new run can start every cell that has not succeeded.
  await settleOpenCells(ctx, sweepId, { log: opts.log });
  const input = sweepWorkflowInput(sweep.spec as ParsedSpec, sweepId, sweep.max_parallel);
  await setSweepStatus(ctx.pool, sweepId, 'running');
  try {
    await ctx.client.workflow.start('sweepWorkflow', {
      taskQueue: input.cell.taskQueue,
      workflowId: sweep.workflow_id,
      args: [input],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      return { sweepId, cellsToRun, started: false, reason: 'its workflow is still running' };
    await setSweepStatus(ctx.pool, sweepId, sweep.status, sweep.error);
    throw err;
  }
  return { sweepId, cellsToRun, started: true };
}

export async function workflowRunning(ctx: SweepContext, workflowId: string): Promise<boolean> {
  try {
    const d = await ctx.client.workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
