import { WorkflowUpdateFailedError } from '@temporalio/client';
import { UserError } from '../errors';
import { getSweepOrThrow, insertCells, withTransaction } from '../db';
import { canonicalJson, type ParsedSpec, type SweepSpec } from '../spec';
import { cellsAddedUpdate } from '../../workflows/sweep';
import type { SweepContext } from './context';
import { cellRow, resumeSweep, workflowRunning } from './launch';

export interface ExtendResult {
  sweepId: string;
  /** Cells the spec has that the sweep did not. */
  added: number;
  total: number;
  /** How the added cells run: told to the running workflow, a new run of a finished sweep, or nothing to add. */
  how: 'running sweep' | 'new run' | 'nothing added';
}

/**
 * Grows a sweep with the cells of `spec` it does not have (more grid points, a larger budget): they get the next
 * grid indices after the existing ones, existing cells are never duplicated or changed, and the stored spec becomes
 * `spec`. A running sweep is told by a Temporal update (its validator refuses once the sweep is finishing, and a
 * new run takes the cells then); a finished one gets a new run, as `resume` would start.
 */
export async function extendSweep(ctx: SweepContext, sweepId: string, spec: SweepSpec): Promise<ExtendResult> {
  const sweep = await getSweepOrThrow(ctx.pool, sweepId);
  assertSameExperiment(sweep.spec as ParsedSpec, spec, sweepId);
  const existing = await ctx.pool.query<{ cell_key: string }>('SELECT cell_key FROM cells WHERE sweep_id = $1', [
    sweepId,
  ]);
  const have = new Set(existing.rows.map((r) => r.cell_key));
  const missing = [...have].filter((k) => !spec.cells.some((c) => c.key === k));
  if (missing.length) {
    throw new UserError(
      `the spec drops ${missing.length} cell(s) of sweep ${sweepId} (e.g. ${missing[0]}): extend only adds grid points or raises search.budget; keep every value the sweep has`,
    );
  }
  const fresh = spec.cells.filter((c) => !have.has(c.key));
  if (fresh.length === 0) return { sweepId, added: 0, total: have.size, how: 'nothing added' };
  const total = have.size + fresh.length;
  await withTransaction(ctx.pool, async (tx) => {
    const next = (
      await tx.query<{ n: number }>('SELECT coalesce(max(idx), -1)::int + 1 AS n FROM cells WHERE sweep_id = $1', [
        sweepId,
      ])
    ).rows[0].n;
    await insertCells(
      tx,
      sweepId,
      fresh.map((c, i) => cellRow({ ...c, idx: next + i })),
    );
    await tx.query('UPDATE sweeps SET spec = $2, total_cells = $3, updated_at = now() WHERE id = $1', [
      sweepId,
      spec.spec,
      total,
    ]);
  });
  if (await workflowRunning(ctx, sweep.workflow_id)) {
    try {
      await ctx.client.workflow.getHandle(sweep.workflow_id).executeUpdate(cellsAddedUpdate, { args: [fresh.length] });
      return { sweepId, added: fresh.length, total, how: 'running sweep' };
    } catch (err) {
      if (!(err instanceof WorkflowUpdateFailedError)) throw err;
      // Refused: it is finishing. Let it close, then start the new run below.
      await ctx.client.workflow
        .getHandle(sweep.workflow_id)
        .result()
        .catch(() => undefined);
    }
  }
  const resumed = await resumeSweep(ctx, sweepId);
  if (!resumed.started)
    throw new UserError(
      `added ${fresh.length} cells to sweep ${sweepId} but could not start them: ${resumed.reason}; run \`proxysweep sweep resume ${sweepId}\``,
    );
  return { sweepId, added: fresh.length, total, how: 'new run' };
}

/** Only the cells may change: the protocol (am), the pruner and the search seed are the experiment's. */
function assertSameExperiment(stored: ParsedSpec, spec: SweepSpec, sweepId: string): void {
  const fixed = (s: ParsedSpec) => ({
    am: s.am ?? null,
    pruner: s.pruner ?? null,
    seed: s.search?.seed ?? null,
    strategy: s.search?.strategy ?? 'grid',
  });
  const [a, b] = [fixed(stored), fixed(spec.spec)];
  for (const field of ['am', 'pruner', 'seed', 'strategy'] as const) {
    if (canonicalJson(a[field]) !== canonicalJson(b[field])) {
      const name = field === 'seed' || field === 'strategy' ? `search.${field}` : field;
      throw new UserError(
        `the spec changes ${name} of sweep ${sweepId}: extend only adds cells; start a new sweep for a different ${name}`,
      );
    }
  }
}
