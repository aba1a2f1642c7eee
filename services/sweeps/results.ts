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
  const am = await q.query(
    `WITH r AS (
       SELECT a.cell_id, a.protocol, a.am_backward_slope AS slope, a.unit, a.value, a.start_grad_zero_fraction AS zf,
              a.start_grad_l2 AS l2, c.dataset, c.arch, c.activation, c.forward_slope, c.backward_slope,
              min(a.am_backward_slope) OVER (PARTITION BY a.protocol) AS ref_slope
       FROM am_results a JOIN cells c ON c.id = a.cell_id WHERE c.sweep_id = $1
     ), paired AS (
       SELECT r.*, ref.value AS ref_value
       FROM r LEFT JOIN am_results ref
         ON ref.cell_id = r.cell_id AND ref.protocol = r.protocol AND ref.unit = r.unit AND ref.am_backward_slope = r.ref_slope
     ), per_cell AS (
       SELECT dataset, arch, activation, forward_slope, backward_slope, protocol, slope, cell_id,
              CASE WHEN avg(ref_value) > 0 THEN avg(value) FILTER (WHERE ref_value IS NOT NULL) / avg(ref_value) END AS gain
       FROM paired GROUP BY dataset, arch, activation, forward_slope, backward_slope, protocol, slope, cell_id
     ), gains AS (
       SELECT dataset, arch, activation, forward_slope, backward_slope, protocol, slope,
              avg(gain) AS gain_mean, stddev_samp(gain) AS gain_std, count(gain)::int AS gain_cells
       FROM per_cell GROUP BY dataset, arch, activation, forward_slope, backward_slope, protocol, slope
     )
     SELECT p.dataset, p.arch, p.activation, p.forward_slope, p.backward_slope, p.protocol, p.slope,
            min(p.ref_slope) AS ref_slope, count(*)::int AS n, avg(p.value) AS mean,
            coalesce(stddev_samp(p.value), 0) AS std, max(p.value) AS max,
            count(*) FILTER (WHERE p.value > p.ref_value)::int AS wins, count(p.ref_value)::int AS pairs,
            avg(p.zf) AS zf, avg(p.l2) AS l2, min(g.gain_mean) AS gain_mean, min(g.gain_std) AS gain_std,
            min(g.gain_cells)::int AS gain_cells
     FROM paired p JOIN gains g USING (dataset, arch, activation, forward_slope, backward_slope, protocol, slope)
     GROUP BY p.dataset, p.arch, p.activation, p.forward_slope, p.backward_slope, p.protocol, p.slope
     ORDER BY p.dataset, p.arch, p.activation, p.backward_slope, p.forward_slope, p.protocol, p.slope`,
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
