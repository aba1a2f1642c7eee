import type { Queryable } from './pool';

export interface AmResultRow {
  cell_id: number;
  /** The AM arm's key (a complete description of how the input was optimized); part of the primary key. */
  protocol: string;
  /** The same protocol as fields (optimizer, learningRate, steps, normalize, init, jitter, blurEvery, …). */
  protocol_params: Record<string, unknown>;
  am_backward_slope: number;
  unit: number;
  value: number;
  initial_value: number;
  steps: number;
  trace: number[];
  input_shape: number[];
  image_png: Buffer;
  /** Fraction of exactly-zero entries of the proxy gradient at the start point (null for rows from before it was recorded). */
  start_grad_zero_fraction: number | null;
  /** L2 norm of that gradient. */
  start_grad_l2: number | null;
}

/** Idempotent upsert keyed by (cell_id, protocol, am_backward_slope, unit). */
export async function upsertAmResult(q: Queryable, r: AmResultRow): Promise<void> {
  await q.query(
    `INSERT INTO am_results (cell_id, protocol, protocol_params, am_backward_slope, unit, value, initial_value, steps, trace,
                             input_shape, image_png, start_grad_zero_fraction, start_grad_l2)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (cell_id, protocol, am_backward_slope, unit) DO UPDATE SET protocol_params = excluded.protocol_params,
       value = excluded.value, initial_value = excluded.initial_value, steps = excluded.steps, trace = excluded.trace,
       input_shape = excluded.input_shape, image_png = excluded.image_png,
       start_grad_zero_fraction = excluded.start_grad_zero_fraction, start_grad_l2 = excluded.start_grad_l2, recorded_at = now()`,
    [
      r.cell_id,
      r.protocol,
      r.protocol_params,
      r.am_backward_slope,
      r.unit,
      r.value,
      r.initial_value,
      r.steps,
      r.trace,
      r.input_shape,
      r.image_png,
      r.start_grad_zero_fraction,
      r.start_grad_l2,
    ],
  );
}

/** Units already stored for (cell, protocol, slope): lets a retried AM activity skip finished work. */
export async function amUnitsDone(q: Queryable, cellId: number, protocol: string, slope: number): Promise<number[]> {
  const r = await q.query<{ unit: number }>(
    'SELECT unit FROM am_results WHERE cell_id = $1 AND protocol = $2 AND am_backward_slope = $3 ORDER BY unit',
    [cellId, protocol, slope],
  );
  return r.rows.map((row) => row.unit);
}

export async function listAmResults(
  q: Queryable,
  sweepId: string,
  withImages = true,
): Promise<(AmResultRow & { cell_key: string })[]> {
  const r = await q.query(
    `SELECT a.cell_id, a.protocol, a.protocol_params, a.am_backward_slope, a.unit, a.value, a.initial_value, a.steps,
            a.trace, a.input_shape, ${withImages ? 'a.image_png' : 'NULL::bytea AS image_png'},
            a.start_grad_zero_fraction, a.start_grad_l2, c.cell_key
     FROM am_results a JOIN cells c ON c.id = a.cell_id WHERE c.sweep_id = $1
     ORDER BY c.idx, a.protocol, a.am_backward_slope, a.unit`,
    [sweepId],
  );
  return r.rows;
}
