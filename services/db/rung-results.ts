import type { Queryable } from './pool';

/** One decision of the sweep's pruner: a cell's metric at a rung, and whether it was pruned there. */
export interface RungResultRow {
  cell_id: number;
  cell_key: string;
  rung: number;
  value: number | null;
  /** Its place in the rung's arrival order, as the sweep workflow saw it. */
  position: number;
  pruned: boolean;
}

/** Records a decision once (a replayed or repeated one changes nothing: the first decision stands). */
export async function recordRungResult(q: Queryable, sweepId: string, r: RungResultRow): Promise<void> {
  await q.query(
    `INSERT INTO rung_results (sweep_id, cell_id, cell_key, rung, value, position, pruned)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (cell_id, rung) DO NOTHING`,
    [sweepId, r.cell_id, r.cell_key, r.rung, Number.isFinite(r.value) ? r.value : null, r.position, r.pruned],
  );
}

/** A sweep's decisions, rung by rung in arrival order (concurrent writes may commit out of that order). */
export async function listRungResults(q: Queryable, sweepId: string): Promise<RungResultRow[]> {
  const r = await q.query<RungResultRow>(
    'SELECT cell_id, cell_key, rung, value, position, pruned FROM rung_results WHERE sweep_id = $1 ORDER BY rung, position',
    [sweepId],
  );
  return r.rows;
}
