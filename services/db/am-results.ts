import type { Queryable } from './pool';

export interface AmResultRow {
  cell_id: number;
  am_backward_slope: number;
  unit: number;
  value: number;
  initial_value: number;
  steps: number;
  trace: number[];
  input_shape: number[];
  image_png: Buffer;
}

/** Idempotent upsert keyed by (cell_id, am_backward_slope, unit). */
export async function upsertAmResult(q: Queryable, r: AmResultRow): Promise<void> {
  await q.query(
    `INSERT INTO am_results (cell_id, am_backward_slope, unit, value, initial_value, steps, trace, input_shape, image_png)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (cell_id, am_backward_slope, unit) DO UPDATE SET value = excluded.value, initial_value = excluded.initial_value,
       steps = excluded.steps, trace = excluded.trace, input_shape = excluded.input_shape, image_png = excluded.image_png, recorded_at = now()`,
    [r.cell_id, r.am_backward_slope, r.unit, r.value, r.initial_value, r.steps, r.trace, r.input_shape, r.image_png],
  );
}

/** Units already stored for (cell, slope): lets a retried AM activity skip finished work. */
export async function amUnitsDone(q: Queryable, cellId: number, slope: number): Promise<number[]> {
  const r = await q.query<{ unit: number }>(
    'SELECT unit FROM am_results WHERE cell_id = $1 AND am_backward_slope = $2 ORDER BY unit',
    [cellId, slope],
  );
  return r.rows.map((row) => row.unit);
}

export async function listAmResults(
  q: Queryable,
  sweepId: string,
  withImages = true,
): Promise<(AmResultRow & { cell_key: string })[]> {
  const r = await q.query(
    `SELECT a.cell_id, a.am_backward_slope, a.unit, a.value, a.initial_value, a.steps, a.trace, a.input_shape,
            ${withImages ? 'a.image_png' : 'NULL::bytea AS image_png'}, c.cell_key
     FROM am_results a JOIN cells c ON c.id = a.cell_id WHERE c.sweep_id = $1 ORDER BY c.idx, a.am_backward_slope, a.unit`,
    [sweepId],
  );
  return r.rows;
}
