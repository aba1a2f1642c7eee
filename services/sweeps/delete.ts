import { UserError } from '../errors';
import { getSweepOrThrow } from '../db';
import type { SweepContext } from './context';
import { workflowRunning } from './launch';
import { settleOpenCells } from './settle';

/** What deleting a sweep removes (or would remove). */
export interface DeletePlan {
  sweepId: string;
  cells: number;
  epochMetrics: number;
  amResults: number;
  checkpoints: number;
  checkpointBytes: number;
  deleted: boolean;
}

/**
 * Deletes a sweep and everything recorded for it (cells, metrics, AM results, checkpoints) in one transaction,
 * only with `confirm`; without it, returns what would go. A sweep whose workflow still runs is refused: cancel it
 * first. Its Temporal histories stay until the namespace's retention removes them.
 */
export async function deleteSweep(ctx: SweepContext, sweepId: string, confirm: boolean): Promise<DeletePlan> {
  const sweep = await getSweepOrThrow(ctx.pool, sweepId);
  if (await workflowRunning(ctx, sweep.workflow_id)) {
    throw new UserError(
      `sweep ${sweepId} is still running; cancel it first with \`proxysweep sweep cancel ${sweepId}\``,
    );
  }
  const counts = await ctx.pool.query<Omit<DeletePlan, 'sweepId' | 'deleted'>>(
    `SELECT (SELECT count(*) FROM cells WHERE sweep_id = $1)::int AS cells,
            (SELECT count(*) FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id WHERE c.sweep_id = $1)::int AS "epochMetrics",
            (SELECT count(*) FROM am_results a JOIN cells c ON c.id = a.cell_id WHERE c.sweep_id = $1)::int AS "amResults",
            (SELECT count(*) FROM checkpoints k JOIN cells c ON c.id = k.cell_id WHERE c.sweep_id = $1)::int AS checkpoints,
            (SELECT coalesce(sum(k.size_bytes), 0) FROM checkpoints k JOIN cells c ON c.id = k.cell_id
             WHERE c.sweep_id = $1)::bigint AS "checkpointBytes"`,
    [sweepId],
  );
  const plan = { sweepId, ...counts.rows[0], checkpointBytes: Number(counts.rows[0].checkpointBytes), deleted: false };
  if (!confirm) return plan;
  await settleOpenCells(ctx, sweepId); // cells of an earlier run that are still stopping would write on
  // Cells, metrics, AM results and checkpoints go with the sweep (ON DELETE CASCADE).
  await ctx.pool.query('DELETE FROM sweeps WHERE id = $1', [sweepId]);
  return { ...plan, deleted: true };
}
