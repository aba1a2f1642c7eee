import { currentAttemptSql } from './attempt-fence';
import type { Queryable } from './pool';

export interface EpochMetricRow {
  cell_id: number;
  epoch: number;
  train_loss: number;
  train_accuracy: number;
  test_loss: number;
  test_accuracy: number;
  images_per_sec: number;
  learning_rate: number;
  worker: string | null;
  backend: string | null;
  recorded_at?: Date;
}

/**
 * Idempotent: a retried or duplicated epoch overwrites its own row, keyed by (cell_id, epoch). A write from an
 * `attempt` that is not the cell's latest is refused (returns false), so a zombie activity adds or changes nothing.
 */
export async function upsertEpochMetric(q: Queryable, m: EpochMetricRow, attempt?: number): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO epoch_metrics (cell_id, epoch, train_loss, train_accuracy, test_loss, test_accuracy, images_per_sec, learning_rate, worker, backend)
     SELECT $1::bigint, $2::int, $3::float8, $4::float8, $5::float8, $6::float8, $7::float8, $8::float8, $9::text, $10::text
     WHERE ${currentAttemptSql('$1', '$11')}
     ON CONFLICT (cell_id, epoch) DO UPDATE SET train_loss = excluded.train_loss, train_accuracy = excluded.train_accuracy,
       test_loss = excluded.test_loss, test_accuracy = excluded.test_accuracy, images_per_sec = excluded.images_per_sec,
       learning_rate = excluded.learning_rate, worker = excluded.worker, backend = excluded.backend, recorded_at = now()`,
    [
      m.cell_id,
      m.epoch,
      nan(m.train_loss),
      nan(m.train_accuracy),
      nan(m.test_loss),
      nan(m.test_accuracy),
      nan(m.images_per_sec),
      nan(m.learning_rate),
      m.worker,
      m.backend,
      attempt ?? null,
    ],
  );
  return r.rowCount === 1;
}

/** The last recorded epoch of a cell, or undefined when none was recorded. */
export async function lastEpochMetric(q: Queryable, cellId: number): Promise<EpochMetricRow | undefined> {
  const r = await q.query<EpochMetricRow>(
    'SELECT * FROM epoch_metrics WHERE cell_id = $1 ORDER BY epoch DESC LIMIT 1',
    [cellId],
  );
  return r.rows[0];
}

export async function listEpochMetrics(
  q: Queryable,
  sweepId: string,
): Promise<(EpochMetricRow & { cell_key: string })[]> {
  const r = await q.query(
    `SELECT m.*, c.cell_key FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id WHERE c.sweep_id = $1 ORDER BY c.idx, m.epoch`,
    [sweepId],
  );
  return r.rows;
}

// NaN (e.g. an empty test split) is stored as NULL so SQL aggregates stay meaningful.
function nan(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
