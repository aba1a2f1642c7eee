import type pg from 'pg';

/** What `db gc` removed and how big the checkpoint table is before and after. */
export interface GcReport {
  /** Checkpoints of succeeded cells whose sweep does not keep them (left by older versions or a crash). */
  checkpointsDeleted: number;
  /** Checkpoint data deleted, in bytes. */
  bytesFreed: number;
  /** On-disk size of the checkpoints table with its TOAST data and indexes. */
  tableBytesBefore: number;
  tableBytesAfter: number;
}

const TABLE_BYTES = `SELECT pg_total_relation_size('checkpoints')::bigint AS n`;

/**
 * Deletes checkpoints nothing needs any more: those of succeeded cells in sweeps without
 * `execution.keepCheckpoints` (a running, failed or cancelled cell keeps its checkpoint: resume continues from
 * it). Then VACUUMs the table so PostgreSQL reuses the space, and reports what was freed.
 */
export async function collectGarbage(pool: pg.Pool): Promise<GcReport> {
  const before = Number((await pool.query(TABLE_BYTES)).rows[0].n);
  const r = await pool.query<{ n: number; bytes: string | null }>(
    `WITH gone AS (
       DELETE FROM checkpoints k USING cells c, sweeps s
       WHERE k.cell_id = c.id AND c.sweep_id = s.id AND c.status = 'succeeded'
         AND coalesce((s.spec->'execution'->>'keepCheckpoints')::boolean, false) = false
       RETURNING k.size_bytes)
     SELECT count(*)::int AS n, sum(size_bytes)::bigint AS bytes FROM gone`,
  );
  // VACUUM cannot run inside a transaction; a pool query is its own.
  await pool.query('VACUUM (ANALYZE) checkpoints');
  const after = Number((await pool.query(TABLE_BYTES)).rows[0].n);
  return {
    checkpointsDeleted: r.rows[0].n,
    bytesFreed: Number(r.rows[0].bytes ?? 0),
    tableBytesBefore: before,
    tableBytesAfter: after,
  };
}
