import * as common from '@grafana/grafana-foundation-sdk/common';
import { AM_GAINS_CTE } from './paired-gain';
import { cellOptions, tablePanel, trendPanel, unit } from './panels';
import { tableQuery } from './pg-query';
import { AM_ARMS_CTE, CHOSEN_AM_ROWS, TRAINING_ARM_ORDER, trainedNet, trainingArm, withCtes } from './sql';
import { DATASETS, SWEEP } from './variable-refs';

/**
 * The Results dashboard's activation-maximization panels: per trained net (dataset · arch · training arm), AM arm
 * (protocol) and AM backward slope, the maxima, the paired gain over the reference slope, and the start point's
 * input gradient (the sparsity a backward slope removes, the paper's mechanism).
 */

// One line per trained-net family and AM arm; the AM slope is the x axis.
const SERIES = `${trainedNet()} || ' · ' || m.arm`;
const AM_GROUP = `c.dataset, c.arch, c.activation, c.forward_slope, c.backward_slope, a.protocol, m.arm, a.am_backward_slope`;
const AM_ORDER = `c.dataset, c.arch, ${TRAINING_ARM_ORDER()}, a.protocol, a.am_backward_slope`;
const GAIN_ORDER = `g.dataset, g.arch, ${TRAINING_ARM_ORDER('g')}, g.protocol, g.slope`;
const ZERO_SHARE = [unit('percentunit'), { id: 'decimals', value: 1 }];

/** Mean of the AM column `column` per line (trained net · AM arm) and AM slope, over the rows that record it. */
const meanPerAmSlope = (column: string, label: string) =>
  tableQuery(
    withCtes(
      [AM_ARMS_CTE],
      `
        SELECT ${SERIES} AS series, a.am_backward_slope AS "AM backward slope", avg(a.${column}) AS "${label}"
        FROM am_results a JOIN cells c ON c.id = a.cell_id JOIN am_arms m ON m.protocol = a.protocol
        WHERE ${CHOSEN_AM_ROWS} AND a.${column} IS NOT NULL
        GROUP BY ${AM_GROUP}
        ORDER BY ${AM_ORDER}
      `,
    ),
  );

export const amBySlope = () =>
  trendPanel('AM maximum vs AM backward slope', { x: 'AM backward slope', y: 'AM maximum', series: 'series' })
    .description(
      'Activation maximization: the highest true forward logit reached (mean over classes and seeds), by the ' +
        'backward slope of the proxy gradient AM ascended. One line per dataset · architecture · training arm · ' +
        'AM arm (variable "AM arm").',
    )
    .span(12)
    .height(9)
    .withTarget(meanPerAmSlope('value', 'AM maximum'));

export const gainBySlope = () =>
  trendPanel('Paired AM gain vs AM backward slope (1 = reference slope)', {
    x: 'AM backward slope',
    y: 'gain vs reference',
    series: 'series',
  })
    .description(
      'Ratio of the mean best true logit at this AM slope to the mean at the AM arm’s reference slope (its ' +
        'smallest AM slope, normally 0) on the same trained net and classes, mean over cells. Above 1: the ' +
        'backward slope found higher maxima on the same network.',
    )
    .span(12)
    .height(9)
    .withTarget(
      tableQuery(
        withCtes(
          [AM_ARMS_CTE, AM_GAINS_CTE],
          `
            SELECT ${trainedNet('g')} || ' · ' || m.arm AS series, g.slope AS "AM backward slope",
                   g.gain_mean AS "gain vs reference"
            FROM am_gains g JOIN am_arms m ON m.protocol = g.protocol
            ORDER BY ${GAIN_ORDER}
          `,
        ),
      ),
    );

export const zeroGradientBySlope = () =>
  trendPanel('Start-point input gradient: share of exact zeros vs AM backward slope', {
    x: 'AM backward slope',
    y: 'zero grad at start',
    series: 'series',
    yConfig: [unit('percentunit'), { id: 'min', value: 0 }, { id: 'max', value: 1 }],
  })
    .description(
      'The paper’s mechanism: the share of exactly-zero entries of the proxy input gradient at the AM start point ' +
        '(mean over cells and classes). Dead ReLUs give zeros at slope 0; a backward slope makes the gradient ' +
        'dense. Rows recorded before this was measured are left out.',
    )
    .span(12)
    .height(9)
    .withTarget(meanPerAmSlope('start_grad_zero_fraction', 'zero grad at start'));

export const amArms = () =>
  tablePanel('AM arms (protocols) of this sweep')
    .description(
      'What each short AM-arm label stands for: the full protocol key stored with every AM result, its ' +
        'parameters, the AM backward slopes it ran and on how many trained cells (all arms of the chosen datasets).',
    )
    .span(12)
    .height(9)
    .overrideByName('protocol', [cellOptions({ type: common.TableCellDisplayMode.Auto, wrapText: true })])
    .overrideByName('parameters', [{ id: 'custom.inspect', value: true }])
    .withTarget(
      tableQuery(
        withCtes(
          [AM_ARMS_CTE],
          `
            SELECT m.arm AS "AM arm", a.protocol, min(a.protocol_params::text) AS parameters,
                   array_to_string(array_agg(DISTINCT a.am_backward_slope ORDER BY a.am_backward_slope), ', ')
                     AS "AM backward slopes",
                   count(DISTINCT a.cell_id) AS cells, count(*) AS maximizations
            FROM am_results a JOIN cells c ON c.id = a.cell_id JOIN am_arms m ON m.protocol = a.protocol
            WHERE c.sweep_id = ${SWEEP} AND c.dataset IN (${DATASETS})
            GROUP BY a.protocol, m.arm
            ORDER BY a.protocol
          `,
        ),
      ),
    );

export const amTable = () =>
  tablePanel('AM maximum and start-point gradient per trained net, AM arm and AM slope')
    .description(
      'Maxima are true forward activations (class logits): mean, sample std and best over cells and classes; ' +
        'rise = maximum − activation at the start point. Zero grad and |grad|: share of exactly-zero entries ' +
        'and L2 norm of the proxy input gradient at the start point (mean over cells and classes; empty for ' +
        'rows recorded before they were measured).',
    )
    .span(24)
    .height(9)
    .overrideByRegexp('^(mean maximum|std|best maximum|mean rise from start)$', [{ id: 'decimals', value: 2 }])
    .overrideByName('zero grad at start', ZERO_SHARE)
    .overrideByName('|grad| at start', [{ id: 'decimals', value: 3 }])
    .withTarget(
      tableQuery(
        withCtes(
          [AM_ARMS_CTE],
          `
            SELECT c.dataset, c.arch, ${trainingArm()} AS "training arm", m.arm AS "AM arm",
                   a.am_backward_slope AS "AM backward slope", count(DISTINCT a.cell_id) AS cells,
                   count(*) AS maximizations, avg(a.value) AS "mean maximum", coalesce(stddev_samp(a.value), 0) AS std,
                   max(a.value) AS "best maximum", avg(a.value - a.initial_value) AS "mean rise from start",
                   avg(a.start_grad_zero_fraction) AS "zero grad at start", avg(a.start_grad_l2) AS "|grad| at start"
            FROM am_results a JOIN cells c ON c.id = a.cell_id JOIN am_arms m ON m.protocol = a.protocol
            WHERE ${CHOSEN_AM_ROWS}
            GROUP BY ${AM_GROUP}
            ORDER BY ${AM_ORDER}
          `,
        ),
      ),
    );

export const PAIRED_GAIN_TITLE = 'Paired AM gain over the reference AM slope (same trained net, same class)';

export const pairedGainTable = () =>
  tablePanel(PAIRED_GAIN_TITLE)
    .description(
      'gain vs reference: ratio of the mean best true logit at this AM slope to the mean at the AM arm’s ' +
        'reference slope (its smallest, normally 0) on the same trained net and classes, mean ± sample std over ' +
        'cells (cells whose reference mean is not positive are left out; "cells compared" counts the rest). ' +
        'beat reference: how many (cell, class) pairs reached a higher maximum than at the reference slope.',
    )
    .span(24)
    .height(9)
    .overrideByRegexp('^(gain vs reference|gain std)$', [{ id: 'decimals', value: 3 }])
    .withTarget(
      tableQuery(
        withCtes(
          [AM_ARMS_CTE, AM_GAINS_CTE],
          `
            SELECT g.dataset, g.arch, ${trainingArm('g')} AS "training arm", m.arm AS "AM arm",
                   g.slope AS "AM backward slope", g.gain_mean AS "gain vs reference", g.gain_std AS "gain std",
                   g.gain_cells AS "cells compared",
                   CASE WHEN g.slope = g.ref_slope THEN 'reference'
                        ELSE g.slope || ' beat ' || g.ref_slope || ' on ' || g.wins || ' of ' || g.pairs END
                     AS "beat reference"
            FROM am_gains g JOIN am_arms m ON m.protocol = g.protocol
            ORDER BY ${GAIN_ORDER}
          `,
        ),
      ),
    );
