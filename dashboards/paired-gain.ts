import { DATASETS, SWEEP } from './variable-refs';
import { CHOSEN_PROTOCOLS } from './sql';

/**
 * CTE `am_gains`: the paired comparison of `sweepResults` (services/sweeps/results.ts), computed the same way so
 * Grafana, the CLI's results table and the report agree. One row per dataset × arch × training arm (activation,
 * forward_slope, backward_slope) × AM protocol × AM slope:
 * - ref_slope: the protocol's smallest AM slope in the whole sweep (normally 0), whatever the variables select;
 * - gain_mean, gain_std, gain_cells: per cell, the mean best value at this slope over the mean at ref_slope on
 *   the same classes (cells whose reference mean is not positive are left out), then mean, sample std and count
 *   over cells;
 * - wins of pairs: (cell, class) pairs whose best value beats the same cell and class at ref_slope.
 * Protocols never mix: a row is only ever paired with a row of its own protocol.
 */
export const AM_GAINS_CTE = `
  am_rows AS (
    SELECT a.cell_id, a.protocol, a.am_backward_slope AS slope, a.unit, a.value,
           c.dataset, c.arch, c.activation, c.forward_slope, c.backward_slope
    FROM am_results a JOIN cells c ON c.id = a.cell_id
    WHERE c.sweep_id = ${SWEEP}
  ), am_reference_slopes AS (
    SELECT protocol, min(slope) AS ref_slope FROM am_rows GROUP BY protocol
  ), am_paired AS (
    -- Filtered only now: the reference slope must not depend on the chosen datasets.
    SELECT r.*, s.ref_slope, ref.value AS ref_value
    FROM am_rows r
      JOIN am_reference_slopes s ON s.protocol = r.protocol
      LEFT JOIN am_results ref ON ref.cell_id = r.cell_id AND ref.protocol = r.protocol AND ref.unit = r.unit
                               AND ref.am_backward_slope = s.ref_slope
    WHERE r.dataset IN (${DATASETS}) AND r.protocol = ANY (${CHOSEN_PROTOCOLS})
  ), am_cell_gains AS (
    SELECT dataset, arch, activation, forward_slope, backward_slope, protocol, slope, ref_slope, cell_id,
           CASE WHEN avg(ref_value) > 0
                THEN avg(value) FILTER (WHERE ref_value IS NOT NULL) / avg(ref_value) END AS gain,
           count(*) FILTER (WHERE value > ref_value) AS wins, count(ref_value) AS pairs
    FROM am_paired
    GROUP BY dataset, arch, activation, forward_slope, backward_slope, protocol, slope, ref_slope, cell_id
  ), am_gains AS (
    SELECT dataset, arch, activation, forward_slope, backward_slope, protocol, slope, ref_slope,
           avg(gain) AS gain_mean, stddev_samp(gain) AS gain_std, count(gain)::int AS gain_cells,
           sum(wins)::int AS wins, sum(pairs)::int AS pairs
    FROM am_cell_gains
    GROUP BY dataset, arch, activation, forward_slope, backward_slope, protocol, slope, ref_slope
  )`;
