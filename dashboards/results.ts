import * as common from '@grafana/grafana-foundation-sdk/common';
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { noTimePicker, proxysweepDashboard } from './base';
import { finalizeDashboard, type GeneratedDashboard } from './finalize';
import { accuracyAxis, accuracyThresholds, cellOptions, tablePanel, trendPanel, unit } from './panels';
import { tableQuery } from './pg-query';
import { groupingToMatrix } from './transformations';
import { CELLS, DATASETS, SWEEP, cellsVariable, datasetVariable, sweepVariable } from './variables';

export const RESULTS_UID = 'proxysweep-results';

const SUCCEEDED_CELLS = `c.sweep_id = ${SWEEP} AND c.dataset IN (${DATASETS}) AND c.status = 'succeeded'`;
// One series per model family: cells that differ only in their seed are averaged together.
const FAMILY = `c.dataset || ' · ' || c.arch`;

const accuracyMatrix = () =>
  tablePanel('Test accuracy: training backward slope × dataset (mean and std over seeds)')
    .description(
      'Rows: the backward slope the network was trained with (ProxyGrad; 0 = plain ReLU gradient). ' +
        'Columns: dataset · architecture, mean test accuracy (coloured) and its standard deviation over seeds.',
    )
    .span(24)
    .height(9)
    // Columns depend on the datasets in the sweep, so SQL returns long rows and Grafana pivots them.
    .withTransformation(groupingToMatrix('training backward slope', 'column', 'value'))
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
        SELECT c.backward_slope AS "training backward slope",
               ${FAMILY} || ' ' || k.stat AS "column",
               CASE k.stat WHEN 'mean' THEN avg(c.test_accuracy) ELSE stddev_samp(c.test_accuracy) END AS value
        FROM cells c CROSS JOIN (VALUES (1, 'mean'), (2, 'std')) AS k(ord, stat)
        WHERE ${SUCCEEDED_CELLS}
        GROUP BY c.dataset, c.arch, k.ord, k.stat, c.backward_slope
        ORDER BY c.dataset, c.arch, k.ord, c.backward_slope
      `),
    );

const accuracyBySlope = () =>
  trendPanel('Test accuracy vs training backward slope', {
    x: 'training backward slope',
    y: 'test accuracy',
    series: 'series',
    yConfig: accuracyAxis(),
  })
    .description('Mean final test accuracy over seeds, one line per dataset · architecture.')
    .span(10)
    .height(9)
    .withTarget(
      tableQuery(`
        SELECT ${FAMILY} AS series, c.backward_slope AS "training backward slope",
               avg(c.test_accuracy) AS "test accuracy"
        FROM cells c
        WHERE ${SUCCEEDED_CELLS}
        GROUP BY c.dataset, c.arch, c.backward_slope
        ORDER BY c.dataset, c.arch, c.backward_slope
      `),
    );

const accuracyTable = () =>
  tablePanel('Test accuracy per configuration')
    .description('Every trained configuration, its seeds pooled: mean, spread and range of the final test accuracy.')
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
        SELECT c.dataset, c.arch, c.activation, c.forward_slope AS "forward slope",
               c.backward_slope AS "backward slope", count(*) AS seeds,
               avg(c.test_accuracy) AS mean, stddev_samp(c.test_accuracy) AS std,
               min(c.test_accuracy) AS min, max(c.test_accuracy) AS max, avg(c.test_loss) AS "test loss"
        FROM cells c
        WHERE ${SUCCEEDED_CELLS}
        GROUP BY 1, 2, 3, 4, 5
        ORDER BY 1, 2, 3, 4, 5
      `),
    );

const AM_CELLS = `c.sweep_id = ${SWEEP} AND c.dataset IN (${DATASETS})`;

const amBySlope = () =>
  trendPanel('AM maximum vs AM backward slope', { x: 'AM backward slope', y: 'AM maximum', series: 'series' })
    .description(
      'Activation maximization: mean over classes and seeds of the highest true forward logit reached, by the ' +
        'backward slope used for the input gradient. One line per dataset and training backward slope b.',
    )
    .span(10)
    .height(9)
    .withTarget(
      tableQuery(`
        SELECT c.dataset || ' · b=' || c.backward_slope AS series, a.am_backward_slope AS "AM backward slope",
               avg(a.value) AS "AM maximum"
        FROM am_results a JOIN cells c ON c.id = a.cell_id
        WHERE ${AM_CELLS}
        GROUP BY c.dataset, c.backward_slope, a.am_backward_slope
        ORDER BY c.dataset, c.backward_slope, a.am_backward_slope
      `),
    );

const amTable = () =>
  tablePanel('AM maximum per dataset, training slope and AM slope')
    .description('Maxima are true forward activations (class logits); gain = maximum − activation at the start.')
    .span(14)
    .height(9)
    .overrideByRegexp('^(mean maximum|best maximum|mean gain)$', [{ id: 'decimals', value: 2 }])
    .withTarget(
      tableQuery(`
        SELECT c.dataset, c.backward_slope AS "training backward slope", a.am_backward_slope AS "AM backward slope",
               count(DISTINCT a.cell_id) AS cells, count(*) AS maximizations,
               avg(a.value) AS "mean maximum", max(a.value) AS "best maximum",
               avg(a.value - a.initial_value) AS "mean gain"
        FROM am_results a JOIN cells c ON c.id = a.cell_id
        WHERE ${AM_CELLS}
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
      `),
    );

/** One curve per selected cell of `column` over epochs (x = epoch, never time). */
const cellCurve = (title: string, column: string, label: string, accuracy: boolean) =>
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

const meanCurve = () =>
  trendPanel('Test accuracy over epochs by training backward slope (mean over seeds)', {
    x: 'epoch',
    y: 'mean test accuracy',
    series: 'series',
    yConfig: accuracyAxis(),
  })
    .description(
      'Each line averages the cells of one dataset and training backward slope b (all cells, not only selected ones).',
    )
    .span(12)
    .height(9)
    .withTarget(
      tableQuery(`
        SELECT c.dataset || ' · b=' || c.backward_slope AS series, m.epoch, avg(m.test_accuracy) AS "mean test accuracy"
        FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id
        WHERE c.sweep_id = ${SWEEP} AND c.dataset IN (${DATASETS})
        GROUP BY c.dataset, c.backward_slope, m.epoch
        ORDER BY c.dataset, c.backward_slope, m.epoch
      `),
    );

/** What a sweep found: accuracy by training slope and dataset, AM maxima by AM slope, learning curves. */
export function resultsDashboard(): GeneratedDashboard {
  const d = proxysweepDashboard(
    RESULTS_UID,
    'ProxySweep · Results',
    'ProxyGrad results of a sweep: test accuracy by training backward slope and dataset, activation ' +
      'maximization by AM backward slope, and training curves over epochs.',
  )
    .time({ from: 'now-30d', to: 'now' })
    .timepicker(noTimePicker())
    .withVariable(sweepVariable())
    .withVariable(datasetVariable())
    .withVariable(cellsVariable())
    .withRow(new RowBuilder('Training: test accuracy'))
    .withPanel(accuracyMatrix())
    .withPanel(accuracyBySlope())
    .withPanel(accuracyTable())
    .withRow(new RowBuilder('Activation maximization'))
    .withPanel(amBySlope())
    .withPanel(amTable())
    .withRow(new RowBuilder('Training curves (x = epoch)'))
    .withPanel(cellCurve('Test accuracy per cell', 'test_accuracy', 'test accuracy', true))
    .withPanel(cellCurve('Training loss per cell', 'train_loss', 'train loss', false))
    .withPanel(cellCurve('Test loss per cell', 'test_loss', 'test loss', false))
    .withPanel(meanCurve());
  return finalizeDashboard(d.build());
}
