import type { Queryable } from './pool';

export interface WorkerRow {
  id: string;
  hostname: string;
  pid: number;
  task_queue: string;
  backend: string | null;
  device: string | null;
  slots: number;
  status: 'running' | 'stopping' | 'stopped';
  current_cell_id: number | null;
  started_at: Date;
  last_heartbeat_at: Date;
  stopped_at: Date | null;
  /** What this worker lacked the last time a cell could not run on it (null: nothing so far). */
  problem: string | null;
  problem_at: Date | null;
}

export async function registerWorker(
  q: Queryable,
  w: Pick<WorkerRow, 'id' | 'hostname' | 'pid' | 'task_queue' | 'backend' | 'device' | 'slots'>,
): Promise<void> {
  await q.query(
    `INSERT INTO workers (id, hostname, pid, task_queue, backend, device, slots, status) VALUES ($1, $2, $3, $4, $5, $6, $7, 'running')
     ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid, task_queue = excluded.task_queue,
       backend = excluded.backend, device = excluded.device, slots = excluded.slots, status = 'running',
       started_at = now(), last_heartbeat_at = now(), stopped_at = NULL`,
    [w.id, w.hostname, w.pid, w.task_queue, w.backend, w.device, w.slots],
  );
}

export async function heartbeatWorker(q: Queryable, id: string): Promise<void> {
  await q.query(`UPDATE workers SET last_heartbeat_at = now() WHERE id = $1`, [id]);
}

export async function setWorkerCell(q: Queryable, id: string, cellId: number | null): Promise<void> {
  await q.query(`UPDATE workers SET current_cell_id = $2, last_heartbeat_at = now() WHERE id = $1`, [id, cellId]);
}

export async function setWorkerStatus(q: Queryable, id: string, status: WorkerRow['status']): Promise<void> {
  await q.query(
    `UPDATE workers SET status = $2, last_heartbeat_at = now(), stopped_at = CASE WHEN $2 = 'stopped' THEN now() ELSE NULL END,
       current_cell_id = CASE WHEN $2 = 'stopped' THEN NULL ELSE current_cell_id END WHERE id = $1`,
    [id, status],
  );
}

/** Workers on `taskQueue` that heartbeated within `withinSeconds` (a worker heartbeats every 10 s). */
export async function liveWorkerCount(q: Queryable, taskQueue: string, withinSeconds = 60): Promise<number> {
  const r = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM workers
     WHERE task_queue = $1 AND status = 'running' AND last_heartbeat_at > now() - make_interval(secs => $2)`,
    [taskQueue, withinSeconds],
  );
  return r.rows[0].n;
}

/** A workers row with the cell it is running (if any) and its heartbeat age by the database's clock. */
export interface WorkerWithCell extends WorkerRow {
  sweep_id: string | null;
  cell_key: string | null;
  cell_phase: string | null;
  epochs_done: number | null;
  epochs_total: number | null;
  heartbeat_age_s: number;
}

/** Workers (not stopped unless `includeStopped`), optionally of one task queue, by queue, host and pid. */
export async function listWorkersWithCells(
  q: Queryable,
  opts: { taskQueue?: string; includeStopped?: boolean } = {},
): Promise<WorkerWithCell[]> {
  const r = await q.query<WorkerWithCell>(
    `SELECT w.*, c.sweep_id, c.cell_key, c.phase AS cell_phase, c.epochs_done, c.epochs_total,
            extract(epoch FROM now() - w.last_heartbeat_at)::float8 AS heartbeat_age_s
     FROM workers w LEFT JOIN cells c ON c.id = w.current_cell_id
     WHERE ($1::text IS NULL OR w.task_queue = $1) AND ($2 OR w.status <> 'stopped')
     ORDER BY w.task_queue, w.hostname, w.pid`,
    [opts.taskQueue ?? null, opts.includeStopped ?? false],
  );
  return r.rows;
}

export async function listWorkers(q: Queryable): Promise<WorkerRow[]> {
  return (await q.query<WorkerRow>('SELECT * FROM workers ORDER BY last_heartbeat_at DESC')).rows;
}

/** Records what this worker lacks (a missing dataset, an unreachable service), shown by `workers` and status. */
export async function recordWorkerProblem(q: Queryable, id: string, problem: string): Promise<void> {
  await q.query(`UPDATE workers SET problem = $2, problem_at = now() WHERE id = $1`, [id, problem]);
}
