import type { Queryable } from '../db';
import { storedPruner, type ParsedSpec, type ResolvedPruner } from '../spec';

/** What early stopping did to a sweep: cells pruned per rung, and cell-epochs trained against the full grid. */
export interface PruningSummary {
  pruner: ResolvedPruner;
  pruned: number;
  /** Rung (epoch) → cells pruned there. */
  prunedAt: Record<string, number>;
  /** Σ epochs trained over the sweep's cells so far. */
  cellEpochsTrained: number;
  /** Σ epochs of every cell trained to its last epoch (what the full grid costs). */
  cellEpochsFull: number;
  /** Epochs the pruned cells did not train: the full grid's cost less what pruning left to train. */
  cellEpochsSaved: number;
}

/** The pruning summary of a sweep (null without a pruner): one aggregate query. */
export async function pruningSummary(
  q: Queryable,
  sweepId: string,
  spec: ParsedSpec | null,
): Promise<PruningSummary | null> {
  const pruner = spec ? storedPruner(spec) : undefined;
  if (!pruner) return null;
  const r = await q.query<{ trained: number; full: number; saved: number; rung: number | null; n: number }>(
    `SELECT sum(epochs_done)::int AS trained, sum(epochs_total)::int AS full,
            sum(epochs_total - epochs_done) FILTER (WHERE status = 'pruned')::int AS saved, NULL::int AS rung, 0 AS n
     FROM cells WHERE sweep_id = $1
     UNION ALL
     SELECT NULL, NULL, NULL, rung, count(*)::int FROM cells WHERE sweep_id = $1 AND status = 'pruned' GROUP BY rung`,
    [sweepId],
  );
  const [totals, ...rungs] = r.rows;
  const prunedAt: Record<string, number> = {};
  for (const row of rungs) prunedAt[String(row.rung)] = row.n;
  return {
    pruner,
    pruned: rungs.reduce((n, row) => n + row.n, 0),
    prunedAt,
    cellEpochsTrained: totals?.trained ?? 0,
    cellEpochsFull: totals?.full ?? 0,
    cellEpochsSaved: totals?.saved ?? 0,
  };
}

/** One line for the status, the results table and the report. */
export function describePruning(p: PruningSummary): string {
  const where = Object.entries(p.prunedAt)
    .map(([rung, n]) => `${n} at epoch ${rung}`)
    .join(', ');
  const share = p.cellEpochsFull ? ` (${((100 * p.cellEpochsSaved) / p.cellEpochsFull).toFixed(0)}% saved)` : '';
  return (
    `ASHA on ${p.pruner.metric} (${p.pruner.mode}, η=${p.pruner.reductionFactor}, rungs ${p.pruner.rungs.join(', ')}): ` +
    `${p.pruned} cells pruned${where ? ` (${where})` : ''}; ${p.cellEpochsTrained} cell-epochs trained, ` +
    `${p.cellEpochsSaved} of the full grid's ${p.cellEpochsFull} not needed${share}`
  );
}
