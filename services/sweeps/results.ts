import type { Queryable } from '../db';

export interface AccuracyCell {
  dataset: string;
  arch: string;
  activation: string;
  backwardSlope: number;
  /** Seeds with a final test accuracy. */
  n: number;
  mean: number;
  std: number;
}

export interface AmCell {
  dataset: string;
  amBackwardSlope: number;
  /** Mean over trained cells and units of the best true activation reached. */
  mean: number;
  std: number;
  max: number;
  n: number;
}

export interface SweepResults {
  accuracy: AccuracyCell[];
  am: AmCell[];
}

/**
 * The sweep's headline numbers: test accuracy mean ± sample std over seeds for each dataset × arch ×
 * activation × training backward slope, and the AM maximum per dataset × AM backward slope.
 */
export async function sweepResults(q: Queryable, sweepId: string): Promise<SweepResults> {
  const acc = await q.query(
    `SELECT dataset, arch, activation, backward_slope, count(test_accuracy)::int AS n,
            avg(test_accuracy) AS mean, coalesce(stddev_samp(test_accuracy), 0) AS std
     FROM cells WHERE sweep_id = $1 AND status = 'succeeded'
     GROUP BY dataset, arch, activation, backward_slope ORDER BY dataset, arch, activation, backward_slope`,
    [sweepId],
  );
  const am = await q.query(
    `SELECT c.dataset, a.am_backward_slope, count(*)::int AS n, avg(a.value) AS mean, coalesce(stddev_samp(a.value), 0) AS std, max(a.value) AS max
     FROM am_results a JOIN cells c ON c.id = a.cell_id WHERE c.sweep_id = $1
     GROUP BY c.dataset, a.am_backward_slope ORDER BY c.dataset, a.am_backward_slope`,
    [sweepId],
  );
  return {
    accuracy: acc.rows.map((r) => ({
      dataset: r.dataset,
      arch: r.arch,
      activation: r.activation,
      backwardSlope: r.backward_slope,
      n: r.n,
      mean: r.mean,
      std: r.std,
    })),
    am: am.rows.map((r) => ({
      dataset: r.dataset,
      amBackwardSlope: r.am_backward_slope,
      mean: r.mean,
      std: r.std,
      max: r.max,
      n: r.n,
    })),
  };
}
