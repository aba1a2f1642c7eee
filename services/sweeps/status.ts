import {
  cellStatusCounts,
  getSweepOrThrow,
  listSweeps,
  type CellStatus,
  type Queryable,
  type StatusCounts,
  type SweepRow,
} from '../db';
import type { SweepProgress } from '../../workflows/types';
import { expandAmArms, type ParsedSpec } from '../spec';

export interface CellStatusLine {
  key: string;
  idx: number;
  status: string;
  phase: string | null;
  dataset: string;
  arch: string;
  activation: string;
  backwardSlope: number;
  seed: number;
  epochsDone: number;
  epochsTotal: number;
  attempts: number;
  worker: string | null;
  backend: string | null;
  testAccuracy: number | null;
  error: string | null;
}

export interface SweepStatusReport {
  id: string;
  name: string;
  status: SweepRow['status'];
  error: string | null;
  maxParallel: number;
  taskQueue: string;
  total: number;
  counts: StatusCounts;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Seconds until done, from the mean duration of finished cells and the parallelism; null if unknown. */
  etaSeconds: number | null;
  live?: SweepProgress;
  /** The AM protocol: its slopes and arms, with the AM results stored so far per arm (null without AM). */
  am: { slopes: number[]; arms: { key: string; results: number }[] } | null;
  /** One page of cells: running first, then failed, cancelled, pending, succeeded; each in grid order. */
  cells: CellStatusLine[];
  /** Which cells `cells` holds: the filter, the page size, and how many cells match the filter. */
  listing: { state: CellStatus | null; limit: number; matching: number };
}

export interface SweepStatusOptions {
  /** Cells listed (default 50); counts and ETA always cover every cell. */
  limit?: number;
  /** List only cells in this state. */
  state?: CellStatus;
}

export const DEFAULT_STATUS_LIMIT = 50;

/**
 * A sweep's status from Postgres (plus live workflow progress when given): counts and ETA aggregated in SQL,
 * and one page of cells, so a 100,000-cell sweep costs the same few queries as a small one.
 */
export async function sweepStatus(
  q: Queryable,
  sweepId: string,
  live?: SweepProgress,
  opts: SweepStatusOptions = {},
): Promise<SweepStatusReport> {
  const s = await getSweepOrThrow(q, sweepId);
  const counts = await cellStatusCounts(q, sweepId);
  const limit = opts.limit ?? DEFAULT_STATUS_LIMIT;
  const state = opts.state ?? null;
  const rows = await q.query(
    `SELECT cell_key, idx, status, phase, dataset, arch, activation, backward_slope, seed, epochs_done, epochs_total,
            attempts, worker, backend, test_accuracy, error
     FROM cells WHERE sweep_id = $1 AND ($2::text IS NULL OR status = $2)
     ORDER BY CASE status WHEN 'running' THEN 0 WHEN 'failed' THEN 1 WHEN 'cancelled' THEN 2 WHEN 'pending' THEN 3 ELSE 4 END, idx
     LIMIT $3`,
    [sweepId, state, limit],
  );
  const cells: CellStatusLine[] = rows.rows.map((r) => ({
    key: r.cell_key,
    idx: r.idx,
    status: r.status,
    phase: r.phase,
    dataset: r.dataset,
    arch: r.arch,
    activation: r.activation,
    backwardSlope: r.backward_slope,
    seed: r.seed,
    epochsDone: r.epochs_done,
    epochsTotal: r.epochs_total,
    attempts: r.attempts,
    worker: r.worker,
    backend: r.backend,
    testAccuracy: r.test_accuracy,
    error: r.error,
  }));
  const maxParallel = live?.maxParallel ?? s.max_parallel;
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    error: s.error,
    maxParallel,
    taskQueue: s.task_queue,
    total: s.total_cells,
    counts,
    createdAt: s.created_at.toISOString(),
    startedAt: s.started_at?.toISOString() ?? null,
    finishedAt: s.finished_at?.toISOString() ?? null,
    etaSeconds: await estimateEta(q, sweepId, counts, maxParallel),
    live,
    am: await amProgress(q, s),
    cells,
    listing: { state, limit, matching: state ? counts[state] : s.total_cells },
  };
}

async function amProgress(q: Queryable, s: SweepRow): Promise<SweepStatusReport['am']> {
  const amSpec = (s.spec as ParsedSpec | null)?.am;
  if (!amSpec) return null;
  const stored = await q.query<{ protocol: string; n: number }>(
    `SELECT a.protocol, count(*)::int AS n FROM am_results a JOIN cells c ON c.id = a.cell_id
     WHERE c.sweep_id = $1 GROUP BY a.protocol`,
    [s.id],
  );
  const byKey = new Map(stored.rows.map((r) => [r.protocol, r.n]));
  return {
    slopes: amSpec.backwardSlopes,
    arms: expandAmArms(amSpec).map((arm) => ({ key: arm.key, results: byKey.get(arm.key) ?? 0 })),
  };
}

/** Remaining cell-time (mean succeeded cell × cells left, running ones by their epochs done) over the window. */
async function estimateEta(
  q: Queryable,
  sweepId: string,
  counts: StatusCounts,
  maxParallel: number,
): Promise<number | null> {
  const r = await q.query<{ mean: number | null; progress: number | null }>(
    `SELECT avg(extract(epoch FROM finished_at - started_at))
              FILTER (WHERE status = 'succeeded' AND started_at IS NOT NULL AND finished_at IS NOT NULL) AS mean,
            sum(epochs_done::float8 / greatest(1, epochs_total)) FILTER (WHERE status = 'running') AS progress
     FROM cells WHERE sweep_id = $1`,
    [sweepId],
  );
  const mean = r.rows[0].mean === null ? null : Number(r.rows[0].mean);
  if (mean === null) return null;
  const runningLeft = counts.running - Number(r.rows[0].progress ?? 0);
  const remaining = mean * (counts.pending + runningLeft);
  return Math.round(remaining / Math.max(1, Math.min(maxParallel, counts.pending + counts.running)));
}

export interface SweepListLine {
  id: string;
  name: string;
  status: SweepRow['status'];
  total: number;
  succeeded: number;
  failed: number;
  createdAt: string;
}

export async function sweepList(q: Queryable): Promise<SweepListLine[]> {
  const sweeps = await listSweeps(q);
  const counts = await q.query<{ sweep_id: string; succeeded: number; failed: number }>(
    `SELECT sweep_id, count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded, count(*) FILTER (WHERE status = 'failed')::int AS failed
     FROM cells GROUP BY sweep_id`,
  );
  const by = new Map(counts.rows.map((r) => [r.sweep_id, r]));
  return sweeps.map((s) => ({
    id: s.id,
    name: s.name,
    status: s.status,
    total: s.total_cells,
    succeeded: by.get(s.id)?.succeeded ?? 0,
    failed: by.get(s.id)?.failed ?? 0,
    createdAt: s.created_at.toISOString(),
  }));
}
