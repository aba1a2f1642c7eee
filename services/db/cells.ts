import type { Queryable } from './pool';

export type CellStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';
/** What a running cell is doing. */
export type CellPhase = 'training' | 'am' | 'waiting' | null;

export interface CellRow {
  id: number;
  sweep_id: string;
  cell_key: string;
  idx: number;
  params: Record<string, unknown>;
  dataset: string;
  arch: string;
  activation: string;
  forward_slope: number;
  backward_slope: number;
  seed: number;
  status: CellStatus;
  phase: CellPhase;
  attempts: number;
  worker: string | null;
  backend: string | null;
  epochs_total: number;
  epochs_done: number;
  test_accuracy: number | null;
  test_loss: number | null;
  error: string | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface NewCell {
  cell_key: string;
  idx: number;
  params: Record<string, unknown>;
  dataset: string;
  arch: string;
  activation: string;
  forward_slope: number;
  backward_slope: number;
  seed: number;
  epochs_total: number;
}

/** Inserts a sweep's cells in chunks (one statement per 500), skipping keys that exist. */
export async function insertCells(q: Queryable, sweepId: string, cells: NewCell[]): Promise<void> {
  for (let start = 0; start < cells.length; start += 500) {
    const chunk = cells.slice(start, start + 500);
    await q.query(
      `INSERT INTO cells (sweep_id, cell_key, idx, params, dataset, arch, activation, forward_slope, backward_slope, seed, epochs_total)
       SELECT $1, c.cell_key, c.idx, c.params, c.dataset, c.arch, c.activation, c.forward_slope, c.backward_slope, c.seed, c.epochs_total
       FROM jsonb_to_recordset($2::jsonb) AS c(cell_key text, idx int, params jsonb, dataset text, arch text, activation text,
            forward_slope float8, backward_slope float8, seed int, epochs_total int)
       ON CONFLICT (sweep_id, cell_key) DO NOTHING`,
      [sweepId, JSON.stringify(chunk)],
    );
  }
}

export async function getCell(q: Queryable, id: number): Promise<CellRow | undefined> {
  return (await q.query<CellRow>('SELECT * FROM cells WHERE id = $1', [id])).rows[0];
}

export async function getCellByKey(q: Queryable, sweepId: string, cellKey: string): Promise<CellRow | undefined> {
  return (await q.query<CellRow>('SELECT * FROM cells WHERE sweep_id = $1 AND cell_key = $2', [sweepId, cellKey]))
    .rows[0];
}

export async function listCells(q: Queryable, sweepId: string): Promise<CellRow[]> {
  return (await q.query<CellRow>('SELECT * FROM cells WHERE sweep_id = $1 ORDER BY idx', [sweepId])).rows;
}

/** The given cells of a sweep (unknown keys are skipped), in grid order. */
export async function listCellsByKeys(
  q: Queryable,
  sweepId: string,
  cellKeys: string[],
): Promise<Pick<CellRow, 'id' | 'cell_key' | 'idx' | 'status'>[]> {
  const r = await q.query<Pick<CellRow, 'id' | 'cell_key' | 'idx' | 'status'>>(
    `SELECT id, cell_key, idx, status FROM cells WHERE sweep_id = $1 AND cell_key = ANY($2::text[]) ORDER BY idx`,
    [sweepId, cellKeys],
  );
  return r.rows;
}

/** A page of cells that still need work (anything not succeeded), in grid order after `afterIdx`. */
export async function listCellsToRun(
  q: Queryable,
  sweepId: string,
  afterIdx: number,
  limit: number,
): Promise<Pick<CellRow, 'id' | 'cell_key' | 'idx'>[]> {
  const r = await q.query<Pick<CellRow, 'id' | 'cell_key' | 'idx'>>(
    `SELECT id, cell_key, idx FROM cells WHERE sweep_id = $1 AND idx > $2 AND status <> 'succeeded' ORDER BY idx LIMIT $3`,
    [sweepId, afterIdx, limit],
  );
  return r.rows;
}

/**
 * Marks the start of one training attempt: status running, attempts + 1, who runs it. Returns the attempt's
 * number, which fences its writes (see attempt-fence.ts), or 0 when the cell has succeeded: a succeeded cell is
 * left as it is (a late duplicate never turns it back to running).
 */
export async function markCellStarted(q: Queryable, id: number, worker: string, backend: string): Promise<number> {
  const r = await q.query<{ attempts: number }>(
    `UPDATE cells SET status = 'running', phase = 'training', attempts = attempts + 1, worker = $2, backend = $3,
       error = NULL, started_at = coalesce(started_at, now()), finished_at = NULL, updated_at = now()
     WHERE id = $1 AND status <> 'succeeded'
     RETURNING attempts`,
    [id, worker, backend],
  );
  return r.rows[0]?.attempts ?? 0;
}

/** The number of the cell's latest training attempt (0 before the first). */
export async function cellAttempts(q: Queryable, id: number): Promise<number> {
  const r = await q.query<{ attempts: number }>('SELECT attempts FROM cells WHERE id = $1', [id]);
  return r.rows[0]?.attempts ?? 0;
}

/** What a running cell is doing now (never touches a succeeded cell). */
export async function setCellPhase(q: Queryable, id: number, phase: CellPhase, worker?: string): Promise<void> {
  await q.query(
    `UPDATE cells SET phase = $2, worker = coalesce($3, worker), status = 'running', updated_at = now()
     WHERE id = $1 AND status <> 'succeeded'`,
    [id, phase, worker ?? null],
  );
}

/** Raises the cell's epoch count; refused (false) when `attempt` is not the cell's latest. */
export async function setCellEpochsDone(
  q: Queryable,
  id: number,
  epochsDone: number,
  attempt?: number,
): Promise<boolean> {
  const r = await q.query(
    `UPDATE cells SET epochs_done = greatest(epochs_done, $2), updated_at = now()
     WHERE id = $1 AND ($3::int IS NULL OR attempts = $3::int)`,
    [id, epochsDone, attempt ?? null],
  );
  return r.rowCount === 1;
}

/** The cell waits for a node that can run it; `problem` says what the last node lacked. */
export async function markCellWaiting(q: Queryable, id: number, problem: string): Promise<void> {
  await q.query(
    `UPDATE cells SET status = 'running', phase = 'waiting', error = $2, updated_at = now()
     WHERE id = $1 AND status <> 'succeeded'`,
    [id, problem],
  );
}

/** Terminal success with the final test metrics. Idempotent. */
export async function markCellSucceeded(
  q: Queryable,
  id: number,
  testAccuracy: number | null,
  testLoss: number | null,
): Promise<void> {
  await q.query(
    `UPDATE cells SET status = 'succeeded', phase = NULL, test_accuracy = $2, test_loss = $3, error = NULL,
       finished_at = coalesce(finished_at, now()), updated_at = now() WHERE id = $1`,
    [id, testAccuracy, testLoss],
  );
}

/** Terminal failure or cancellation with the error text (never overwrites a success). */
export async function markCellEnded(
  q: Queryable,
  id: number,
  status: 'failed' | 'cancelled',
  error: string | null,
): Promise<void> {
  await q.query(
    `UPDATE cells SET status = $2, phase = NULL, error = $3, finished_at = now(), updated_at = now()
     WHERE id = $1 AND status <> 'succeeded'`,
    [id, status, error],
  );
}

export type StatusCounts = Record<CellStatus, number>;

export async function cellStatusCounts(q: Queryable, sweepId: string): Promise<StatusCounts> {
  const counts: StatusCounts = { pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
  const r = await q.query<{ status: CellStatus; n: number }>(
    'SELECT status, count(*)::int AS n FROM cells WHERE sweep_id = $1 GROUP BY status',
    [sweepId],
  );
  for (const row of r.rows) counts[row.status] = row.n;
  return counts;
}
