import { NotFoundError } from '../errors';
import type { Queryable } from './pool';

export type SweepStatus = 'pending' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';

export interface SweepRow {
  id: string;
  name: string;
  spec: unknown;
  spec_hash: string;
  status: SweepStatus;
  max_parallel: number;
  task_queue: string;
  total_cells: number;
  workflow_id: string;
  error: string | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export type NewSweep = Pick<
  SweepRow,
  'id' | 'name' | 'spec' | 'spec_hash' | 'max_parallel' | 'task_queue' | 'total_cells' | 'workflow_id'
>;

/** Inserts a sweep; returns false (and changes nothing) when the id exists already. */
export async function insertSweep(q: Queryable, s: NewSweep): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO sweeps (id, name, spec, spec_hash, max_parallel, task_queue, total_cells, workflow_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
    [s.id, s.name, JSON.stringify(s.spec), s.spec_hash, s.max_parallel, s.task_queue, s.total_cells, s.workflow_id],
  );
  return r.rowCount === 1;
}

export async function getSweep(q: Queryable, id: string): Promise<SweepRow | undefined> {
  const r = await q.query<SweepRow>('SELECT * FROM sweeps WHERE id = $1', [id]);
  return r.rows[0];
}

/** Like {@link getSweep} but a NotFoundError naming the listing command when absent. */
export async function getSweepOrThrow(q: Queryable, id: string): Promise<SweepRow> {
  const s = await getSweep(q, id);
  if (!s) throw new NotFoundError(`no sweep with id "${id}"; list sweeps with \`proxysweep sweep list\``);
  return s;
}

export async function listSweeps(q: Queryable, limit = 50): Promise<SweepRow[]> {
  const r = await q.query<SweepRow>('SELECT * FROM sweeps ORDER BY created_at DESC LIMIT $1', [limit]);
  return r.rows;
}

/** Sets the status (and error); stamps started_at on first run and finished_at on terminal states. */
export async function setSweepStatus(
  q: Queryable,
  id: string,
  status: SweepStatus,
  error: string | null = null,
): Promise<void> {
  await q.query(
    `UPDATE sweeps SET status = $2, error = $3, updated_at = now(),
       started_at = CASE WHEN $2 = 'running' THEN coalesce(started_at, now()) ELSE started_at END,
       finished_at = CASE WHEN $2 IN ('succeeded','failed','cancelled') THEN coalesce(finished_at, now()) WHEN $2 = 'running' THEN NULL ELSE finished_at END
     WHERE id = $1`,
    [id, status, error],
  );
}

export async function setSweepMaxParallel(q: Queryable, id: string, maxParallel: number): Promise<void> {
  await q.query('UPDATE sweeps SET max_parallel = $2, updated_at = now() WHERE id = $1', [id, maxParallel]);
}
