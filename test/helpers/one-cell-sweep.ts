import { insertCells, insertSweep, type Pool } from '../../services/db';
import { cellRow } from '../../services/sweeps/launch';
import type { SweepSpec } from '../../services/spec';

/**
 * Rows for a one-cell sweep written straight into PostgreSQL (no workflow), for code that runs the cell
 * in-process; returns the cell's id.
 */
export async function insertOneCellSweep(pool: Pool, spec: SweepSpec): Promise<number> {
  await insertSweep(pool, {
    id: spec.sweepId,
    name: spec.name,
    spec: spec.spec,
    spec_hash: spec.specHash,
    max_parallel: 1,
    task_queue: 'q',
    total_cells: 1,
    workflow_id: `sweep-${spec.sweepId}`,
  });
  await insertCells(pool, spec.sweepId, [cellRow(spec.cells[0])]);
  const r = await pool.query<{ id: number }>('SELECT id FROM cells WHERE sweep_id = $1', [spec.sweepId]);
  return r.rows[0].id;
}
