import type { Queryable } from './pool';

export interface CheckpointRow {
  cell_id: number;
  epoch: number;
  step: number;
  data: Buffer;
  worker: string | null;
}

/**
 * Stores the latest checkpoint of a cell (one row per cell). A write from a stale attempt that is behind the
 * stored position is ignored, so a zombie activity can never roll a cell back.
 */
export async function saveCheckpoint(q: Queryable, c: CheckpointRow): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO checkpoints (cell_id, epoch, step, data, size_bytes, worker) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (cell_id) DO UPDATE SET epoch = excluded.epoch, step = excluded.step, data = excluded.data,
       size_bytes = excluded.size_bytes, worker = excluded.worker, created_at = now()
     WHERE (excluded.epoch, excluded.step) >= (checkpoints.epoch, checkpoints.step)`,
    [c.cell_id, c.epoch, c.step, c.data, c.data.length, c.worker],
  );
  return r.rowCount === 1;
}

export async function loadCheckpoint(q: Queryable, cellId: number): Promise<CheckpointRow | undefined> {
  const r = await q.query<CheckpointRow>(
    'SELECT cell_id, epoch, step, data, worker FROM checkpoints WHERE cell_id = $1',
    [cellId],
  );
  return r.rows[0];
}

/** Deletes a cell's checkpoint; returns the bytes of checkpoint data it held (0 when there was none). */
export async function deleteCheckpoint(q: Queryable, cellId: number): Promise<number> {
  const r = await q.query<{ size_bytes: number }>('DELETE FROM checkpoints WHERE cell_id = $1 RETURNING size_bytes', [
    cellId,
  ]);
  return r.rows[0]?.size_bytes ?? 0;
}
