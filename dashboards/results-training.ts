import * as common from '@grafana/grafana-foundation-sdk/common';
import { accuracyAxis, accuracyThresholds, cellOptions, tablePanel, trendPanel, unit } from './panels';
import { tableQuery } from './pg-query';
import { TRAINING_ARM_ORDER, trainedNet, trainingArm, trainingArmFamily } from './sql';
import { groupingToMatrix } from './transformations';
import { CELLS, DATASETS, SWEEP } from './variable-refs';

/** The Results dashboard's training panels: test accuracy per training arm (relu, leaky, proxy), curves. */

const SUCCEEDED_CELLS = `c.sweep_id = ${SWEEP} AND c.dataset IN (${DATASETS}) AND c.status = 'succeeded'`;
// One column group per model family: cells that differ only in their seed are averaged together.
const FAMILY = `c.dataset || ' · ' || c.arch`;

export const accuracyMatrix = () =>
  tablePanel('Test accuracy: training arm × dataset (mean and std over seeds)')
    .description(
      'Rows: how the network was trained. relu = plain ReLU; leaky s = Leaky ReLU with slope s in both passes; ' +
        'proxy f→b = ProxyGrad, forward slope f (the network that is evaluated) and backward slope b (the ' +
        'gradient it was trained with). Columns: dataset · architecture, mean final test accuracy (coloured) ' +
        'and its sample standard deviation over seeds.',
    )
    .span(24)
    .height(9)
    // Columns depend on the datasets in the sweep, so SQL returns long rows and Grafana pivots them.
    .withTransformation(groupingToMatrix('training arm', 'column', 'value'))
    .overrideByRegexp('.* mean$', [
      unit('percentunit'),
      { id: 'decimals', value: 1 },
      { id: 'min', value: 0 },
      { id: 'max', value: 1 },
      { id: 'thresholds', value: accuracyThresholds().build() },
      cellOptions({
        type: common.TableCellDisplayMode.ColorBackground,
        mode: common.TableCellBackgroundDisplayMode.Gradient,
      }),
    ])
    .overrideByRegexp('.* std$', [unit('percentunit'), { id: 'decimals', value: 1 }])
    .withTarget(
      tableQuery(`
        SELECT ${trainingArm()} AS "training arm",
               ${FAMILY} || ' ' || k.stat AS "column",
               CASE k.stat WHEN 'mean' THEN avg(c.test_accuracy) ELSE stddev_samp(c.test_accuracy) END AS value
        FROM cells c CROSS JOIN (VALUES (1, 'mean'), (2, 'std')) AS k(ord, stat)
        WHERE ${SUCCEEDED_CELLS}
        GROUP BY c.dataset, c.arch, k.ord, k.stat, c.activation, c.forward_slope, c.backward_slope
        ORDER BY c.dataset, c.arch, k.ord, ${TRAINING_ARM_ORDER()}
      `),
    );

export const accuracyBySlope = () =>
  trendPanel('Test accuracy vs training backward slope, per training arm', {
    x: 'training backward slope',
    y: 'test accuracy',
    series: 'series',
    yConfig: accuracyAxis(),
  })
    .description(
      'Mean final test accuracy over seeds, one line per dataset · architecture · arm: leaky (slope b in both ' +
        'passes) and proxy f→b (ProxyGrad) against b; relu is the single point at 0.',
    )
    .span(10)
    .height(9)
    .withTarget(
      tableQuery(`
        SELECT ${FAMILY} || ' · ' || ${trainingArmFamily()} AS series,
               c.backward_slope AS "training backward slope", avg(c.test_accuracy) AS "test accuracy"
        FROM cells c
        WHERE ${SUCCEEDED_CELLS}
        GROUP BY c.dataset, c.arch, c.activation, c.forward_slope, c.backward_slope
        ORDER BY c.dataset, c.arch, c.activation, c.forward_slope, c.backward_slope
      `),
    );

export const accuracyTable = () =>
  tablePanel('Test accuracy per training arm')
    .description(
      'Every trained configuration, its seeds pooled: mean, sample standard deviation and range of the final ' +
        'test accuracy over seeds.',
    )
    .span(14)
    .height(9)
    .overrideByRegexp('^(mean|std|min|max)$', [unit('percentunit'), { id: 'decimals', value: 1 }])
    .overrideByName('mean', [
      { id: 'thresholds', value: accuracyThresholds().build() },
      cellOptions({
        type: common.TableCellDisplayMode.ColorBackground,
        mode: common.TableCellBackgroundDisplayMode.Basic,
      }),
    ])
    .withTarget(
      tableQuery(`
        SELECT c.dataset, c.arch, ${trainingArm()} AS "training arm", count(*) AS seeds,
               avg(c.test_accuracy) AS mean, stddev_samp(c.test_accuracy) AS std,
               min(c.test_accuracy) AS min, max(c.test_accuracy) AS max, avg(c.test_loss) AS "test loss"
        FROM cells c
        WHERE ${SUCCEEDED_CELLS}
        GROUP BY c.dataset, c.arch, c.activation, c.forward_slope, c.backward_slope
        ORDER BY c.dataset, c.arch, ${TRAINING_ARM_ORDER()}
      `),
    );

/** One curve per selected cell of `column` over epochs (x = epoch, never time). */
export const cellCurve = (title: string, column: string, label: string, accuracy: boolean) =>
  trendPanel(title, {
    x: 'epoch',
    y: label,
    series: 'cell',
    yConfig: accuracy ? accuracyAxis() : [{ id: 'min', value: 0 }],
  })
    .description(`${label} after each epoch, one line per selected cell (variable "Cell").`)
    .span(12)
    .height(9)
    .withTarget(
      tableQuery(`
        SELECT c.cell_key AS cell, m.epoch, m.${column} AS "${label}"
        FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id
        WHERE c.sweep_id = ${SWEEP} AND c.dataset IN (${DATASETS}) AND c.id IN (${CELLS})
        ORDER BY c.idx, m.epoch
      `),
    );

export const meanCurve = () =>
  trendPanel('Test accuracy over epochs per training arm (mean over seeds)', {
    x: 'epoch',
    y: 'mean test accuracy',
    series: 'series',
    yConfig: accuracyAxis(),
  })
    .description(
      'Each line averages the cells of one dataset · architecture · training arm (all cells, not only selected ones).',
    )
    .span(12)
    .height(9)
    .withTarget(
      tableQuery(`
        SELECT ${trainedNet()} AS series, m.epoch, avg(m.test_accuracy) AS "mean test accuracy"
        FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id
        WHERE c.sweep_id = ${SWEEP} AND c.dataset IN (${DATASETS})
        GROUP BY c.dataset, c.arch, c.activation, c.forward_slope, c.backward_slope, m.epoch
        ORDER BY c.dataset, c.arch, ${TRAINING_ARM_ORDER()}, m.epoch
      `),
    );
