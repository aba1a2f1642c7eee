import type { Queryable } from '../db';

export interface AccuracyCell {
  dataset: string;
  arch: string;
  /** The training arm: relu, leaky or proxy. */
  activation: string;
  forwardSlope: number;
  backwardSlope: number;
  /** Seeds with a final test accuracy. */
  n: number;
  mean: number;
  std: number;
}

/** AM on one group of trained nets (dataset × arch × training arm) with one AM arm and one AM backward slope. */
export interface AmCell {
  dataset: string;
  arch: string;
  /** Training arm and slopes of the nets AM ran on. */
  activation: string;
  forwardSlope: number;
  backwardSlope: number;
  /** The AM arm's protocol key. */
  protocol: string;
  amBackwardSlope: number;
  /** Mean over trained cells and units of the best true activation reached. */
  mean: number;
  std: number;
  max: number;
  /** (cell, unit) results. */
  n: number;
  /** The slope every other slope is compared with: the arm's smallest AM slope (normally 0). */
  referenceSlope: number;
  /**
   * Gain over the reference slope on the same nets: per cell, mean best value at this slope / at the reference
   * slope (cells whose reference mean is not positive are left out), then mean and sample std over cells.
   */
  gainMean: number | null;
  gainStd: number | null;
  gainCells: number;
  /** (cell, unit) pairs that reached a higher value than at the reference slope, of `pairs` compared. */
  wins: number;
  pairs: number;
  /** Mean fraction of exactly-zero entries of the proxy input gradient at the start point, and its mean L2 norm. */
  startZeroFraction: number | null;
  startGradL2: number | null;
}

export interface SweepResults {
  accuracy: AccuracyCell[];
  am: AmCell[];
}

/**
 * The sweep's headline numbers, aggregated in SQL: test accuracy mean ± sample std over seeds for each
 * dataset × arch × training arm × slopes, and for AM, per group of trained nets × AM arm × AM slope, the
 * maxima with their paired gain over the reference slope (same cell, same class) and the start gradient's
 * sparsity and norm.
 */
export async function sweepResults(q: Queryable, sweepId: string): Promise<SweepResults> {
  const acc = await q.query(
    `SELECT dataset, arch, activation, forward_slope, backward_slope, count(test_accuracy)::int AS n,
            avg(test_accuracy) AS mean, coalesce(stddev_samp(test_accuracy), 0) AS std
     FROM cells WHERE sweep_id = $1 AND status = 'succeeded'
     GROUP BY dataset, arch, activation, forward_slope, backward_slope
     ORDER BY dataset, arch, activation, backward_slope, forward_slope`,
    [sweepId],
  );
  // One pass over the AM rows, down to per-cell sums (a cell's gain needs its own means), then per group: keeps a
  // sweep with a million AM rows to about a second.
  const am = await q.query(
    `WITH refs AS MATERIALIZED (
       SELECT a.protocol, min(a.am_backward_slope) AS ref_slope
       FROM am_results a JOIN cells c ON c.id = a.cell_id WHERE c.sweep_id = $1 GROUP BY a.protocol
     ), per_cell AS (
       -- Grouped in the primary key's order (cell, protocol, slope): no sort of the AM rows.
       SELECT a.cell_id, a.protocol, a.am_backward_slope AS slope, min(refs.ref_slope) AS ref_slope, count(*) AS n,
              sum(a.value) AS sum_v, sum(a.value * a.value) AS sum_v2, max(a.value) AS max_v,
              count(ref.value) AS pairs, count(*) FILTER (WHERE a.value > ref.value) AS wins,
              avg(a.value) FILTER (WHERE ref.value IS NOT NULL) AS mean_paired, avg(ref.value) AS mean_ref,
              sum(a.start_grad_zero_fraction) AS sum_zf, count(a.start_grad_zero_fraction) AS n_zf,
              sum(a.start_grad_l2) AS sum_l2, count(a.start_grad_l2) AS n_l2
       FROM am_results a
       JOIN refs ON refs.protocol = a.protocol
       LEFT JOIN am_results ref ON ref.cell_id = a.cell_id AND ref.protocol = a.protocol
                                AND ref.am_backward_slope = refs.ref_slope AND ref.unit = a.unit
       WHERE a.cell_id IN (SELECT id FROM cells WHERE sweep_id = $1)
       GROUP BY a.cell_id, a.protocol, a.am_backward_slope
     )
     SELECT c.dataset, c.arch, c.activation, c.forward_slope, c.backward_slope, p.protocol, p.slope,
            min(p.ref_slope) AS ref_slope, sum(p.n)::int AS n, sum(p.sum_v) / sum(p.n) AS mean,
            CASE WHEN sum(p.n) > 1
                 THEN sqrt(greatest(0, (sum(p.sum_v2) - sum(p.sum_v) ^ 2 / sum(p.n)) / (sum(p.n) - 1))) ELSE 0 END AS std,
            max(p.max_v) AS max, sum(p.wins)::int AS wins, sum(p.pairs)::int AS pairs,
            sum(p.sum_zf) / nullif(sum(p.n_zf), 0) AS zf, sum(p.sum_l2) / nullif(sum(p.n_l2), 0) AS l2,
            avg(p.mean_paired / p.mean_ref) FILTER (WHERE p.mean_ref > 0) AS gain_mean,
            stddev_samp(p.mean_paired / p.mean_ref) FILTER (WHERE p.mean_ref > 0) AS gain_std,
            count(*) FILTER (WHERE p.mean_ref > 0)::int AS gain_cells
     FROM per_cell p JOIN cells c ON c.id = p.cell_id
     GROUP BY c.dataset, c.arch, c.activation, c.forward_slope, c.backward_slope, p.protocol, p.slope
     ORDER BY c.dataset, c.arch, c.activation, c.backward_slope, c.forward_slope, p.protocol, p.slope`,
    [sweepId],
  );
  return {
    accuracy: acc.rows.map((r) => ({
      dataset: r.dataset,
      arch: r.arch,
      activation: r.activation,
      forwardSlope: r.forward_slope,
      backwardSlope: r.backward_slope,
      n: r.n,
      mean: r.mean,
      std: r.std,
    })),
    am: am.rows.map((r) => ({
      dataset: r.dataset,
      arch: r.arch,
      activation: r.activation,
      forwardSlope: r.forward_slope,
      backwardSlope: r.backward_slope,
      protocol: r.protocol,
      amBackwardSlope: r.slope,
      mean: r.mean,
      std: r.std,
      max: r.max,
      n: r.n,
      referenceSlope: r.ref_slope,
      gainMean: r.gain_mean,
      gainStd: r.gain_std,
      gainCells: r.gain_cells,
      wins: r.wins,
      pairs: r.pairs,
      startZeroFraction: r.zf,
      startGradL2: r.l2,
    })),
  };
}
