import { deleteCheckpoint, markCellSucceeded, type Queryable } from '../db';

/**
 * Records a cell's success (idempotent) and, unless its sweep keeps checkpoints (`execution.keepCheckpoints`),
 * deletes its checkpoint: training and AM are done, so nothing reads it any more. Returns the bytes freed.
 */
export async function completeCell(
  q: Queryable,
  cellId: number,
  testAccuracy: number | null,
  testLoss: number | null,
): Promise<number> {
  await markCellSucceeded(q, cellId, testAccuracy, testLoss);
  const keep = await q.query<{ keep: boolean | null }>(
    `SELECT (s.spec->'execution'->>'keepCheckpoints')::boolean AS keep
     FROM cells c JOIN sweeps s ON s.id = c.sweep_id WHERE c.id = $1`,
    [cellId],
  );
  return keep.rows[0]?.keep ? 0 : deleteCheckpoint(q, cellId);
}
