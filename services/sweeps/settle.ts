import { WorkflowNotFoundError } from '@temporalio/client';
import { UserError } from '../errors';
import { cellWorkflowId } from '../../workflows/ids';
import type { SweepContext } from './context';

/** How long `resume` waits for the cells of an earlier run to finish cancelling. */
export const SETTLE_TIMEOUT_MS = 120_000;

/**
 * Cell workflows of a sweep that are still open: found by id prefix in visibility (eventually consistent) and,
 * for the cells Postgres says are running, by describing their ids (strongly consistent).
 */
export async function openCellWorkflows(ctx: SweepContext, sweepId: string): Promise<string[]> {
  const open = new Set<string>();
  const prefix = cellWorkflowId(sweepId, '');
  for await (const wf of ctx.client.workflow.list({
    query: `WorkflowId STARTS_WITH '${prefix}' AND ExecutionStatus = 'Running'`,
  })) {
    open.add(wf.workflowId);
  }
  const running = await ctx.pool.query<{ cell_key: string }>(
    `SELECT cell_key FROM cells WHERE sweep_id = $1 AND status = 'running'`,
    [sweepId],
  );
  for (const { cell_key } of running.rows) {
    const id = cellWorkflowId(sweepId, cell_key);
    if (!open.has(id) && (await isOpen(ctx, id))) open.add(id);
  }
  return [...open];
}

/**
 * Before a new run of a sweep starts: asks every still-open cell workflow of an earlier run to cancel (each
 * checkpoints at the step it reached) and waits until all have closed, so the new run can start every cell that
 * has not succeeded. Throws a UserError naming them if they do not close within `timeoutMs`.
 */
export async function settleOpenCells(
  ctx: SweepContext,
  sweepId: string,
  opts: { timeoutMs?: number; log?: (line: string) => void } = {},
): Promise<number> {
  const open = await openCellWorkflows(ctx, sweepId);
  if (open.length === 0) return 0;
  opts.log?.(`waiting for ${open.length} cell(s) of an earlier run to stop (they keep their checkpoints)`);
  await Promise.all(
    open.map((id) =>
      ctx.client.workflow
        .getHandle(id)
        .cancel()
        .catch(() => undefined),
    ),
  );
  const deadline = Date.now() + (opts.timeoutMs ?? SETTLE_TIMEOUT_MS);
  let left = open;
  for (;;) {
    const states = await Promise.all(left.map(async (id) => ((await isOpen(ctx, id)) ? id : undefined)));
    left = states.filter((id): id is string => id !== undefined);
    if (left.length === 0) return open.length;
    if (Date.now() > deadline) {
      throw new UserError(
        `sweep ${sweepId}: ${left.length} cell(s) of an earlier run are still stopping (${left.slice(0, 3).join(', ')}${left.length > 3 ? ', …' : ''}); run \`proxysweep sweep resume ${sweepId}\` again in a minute`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function isOpen(ctx: SweepContext, workflowId: string): Promise<boolean> {
  try {
    return (await ctx.client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
