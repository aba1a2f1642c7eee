import { currentAttemptSql } from './attempt-fence';
import type { Queryable } from './pool';

export interface CheckpointRow {
  cell_id: number;
  epoch: number;
  step: number;
  data: Buffer;
  worker: string | null;
}

/**
 * Stores the latest checkpoint of a cell (one row per cell). A write behind the stored position is ignored,
 * and so is any write from an `attempt` that is not the cell's latest (a zombie activity), so a late write
 * can never roll a cell back or replace a newer attempt's checkpoint. Returns whether it was stored.
 */
export async function saveCheckpoint(q: Queryable, c: CheckpointRow, attempt?: number): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO checkpoints (cell_id, epoch, step, data, size_bytes, worker)
     SELECT $1::bigint, $2::int, $3::int, $4::bytea, $5::int, $6::text WHERE ${currentAttemptSql('$1', '$7')}
     ON CONFLICT (cell_id) DO UPDATE SET epoch = excluded.epoch, step = excluded.step, data = excluded.data,
       size_bytes = excluded.size_bytes, worker = excluded.worker, created_at = now()
     WHERE (excluded.epoch, excluded.step) >= (checkpoints.epoch, checkpoints.step)`,
    [c.cell_id, c.epoch, c.step, c.data, c.data.length, c.worker, attempt ?? null],
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
