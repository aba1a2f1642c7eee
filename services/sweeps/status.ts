import { cellStatusCounts, getSweepOrThrow, listSweeps, type Queryable, type StatusCounts, type SweepRow } from '../db';
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
  cells: CellStatusLine[];
}

/** A sweep's status from Postgres (plus live workflow progress when given). */
export async function sweepStatus(q: Queryable, sweepId: string, live?: SweepProgress): Promise<SweepStatusReport> {
  const s = await getSweepOrThrow(q, sweepId);
  const counts = await cellStatusCounts(q, sweepId);
  const rows = await q.query(
    `SELECT cell_key, idx, status, phase, dataset, arch, activation, backward_slope, seed, epochs_done, epochs_total, attempts,
            worker, backend, test_accuracy, error, started_at, finished_at
     FROM cells WHERE sweep_id = $1 ORDER BY idx`,
    [sweepId],
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
  const amSpec = (s.spec as ParsedSpec | null)?.am;
  let am: SweepStatusReport['am'] = null;
  if (amSpec) {
    const stored = await q.query<{ protocol: string; n: number }>(
      `SELECT a.protocol, count(*)::int AS n FROM am_results a JOIN cells c ON c.id = a.cell_id
       WHERE c.sweep_id = $1 GROUP BY a.protocol`,
      [sweepId],
    );
    const byKey = new Map(stored.rows.map((r) => [r.protocol, r.n]));
    am = {
      slopes: amSpec.backwardSlopes,
      arms: expandAmArms(amSpec).map((arm) => ({ key: arm.key, results: byKey.get(arm.key) ?? 0 })),
    };
  }
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    error: s.error,
    maxParallel: live?.maxParallel ?? s.max_parallel,
    taskQueue: s.task_queue,
    total: s.total_cells,
    counts,
    createdAt: s.created_at.toISOString(),
    startedAt: s.started_at?.toISOString() ?? null,
    finishedAt: s.finished_at?.toISOString() ?? null,
    etaSeconds: estimateEta(rows.rows, counts, live?.maxParallel ?? s.max_parallel),
    live,
    am,
    cells,
  };
}

function estimateEta(
  rows: {
    status: string;
    started_at: Date | null;
    finished_at: Date | null;
    epochs_done: number;
    epochs_total: number;
  }[],
  counts: StatusCounts,
  maxParallel: number,
): number | null {
  const done = rows.filter((r) => r.status === 'succeeded' && r.started_at && r.finished_at);
  if (done.length === 0) return null;
  const meanCell =
    done.reduce((t, r) => t + (r.finished_at!.getTime() - r.started_at!.getTime()), 0) / done.length / 1000;
  const running = rows.filter((r) => r.status === 'running');
  const runningLeft = running.reduce((t, r) => t + meanCell * (1 - r.epochs_done / Math.max(1, r.epochs_total)), 0);
  const remaining = counts.pending * meanCell + runningLeft;
  return Math.round(remaining / Math.max(1, Math.min(maxParallel, counts.pending + running.length)));
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
