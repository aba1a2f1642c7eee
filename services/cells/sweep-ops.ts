import { cellStatusCounts, getSweepOrThrow, setSweepStatus, type Queryable } from '../db';
import type { SweepSummary } from '../../workflows/types';

/** Decides a finished sweep's status from its cells: succeeded only when every cell did. */
export async function finalizeSweep(q: Queryable, sweepId: string): Promise<SweepSummary> {
  const sweep = await getSweepOrThrow(q, sweepId);
  const counts = await cellStatusCounts(q, sweepId);
  const unfinished = counts.failed + counts.cancelled + counts.pending + counts.running;
  let error: string | undefined;
  if (unfinished > 0) {
    const first = await q.query<{ cell_key: string; error: string | null }>(
      `SELECT cell_key, error FROM cells WHERE sweep_id = $1 AND status NOT IN ('succeeded', 'pruned') ORDER BY idx LIMIT 1`,
      [sweepId],
    );
    const example = first.rows[0];
    error = `${unfinished} of ${sweep.total_cells} cells did not succeed (first: cell ${example?.cell_key}: ${example?.error ?? 'no error recorded'}); run \`proxysweep sweep resume ${sweepId}\``;
  }
  const status = unfinished > 0 ? 'failed' : 'succeeded';
  await setSweepStatus(q, sweepId, status, error ?? null);
  return {
    sweepId,
    status,
    succeeded: counts.succeeded,
    pruned: counts.pruned,
    failed: counts.failed,
    cancelled: counts.cancelled,
    total: sweep.total_cells,
    error,
  };
}
