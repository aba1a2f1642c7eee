import * as common from '@grafana/grafana-foundation-sdk/common';
import { FieldColorBuilder, FieldColorModeId } from '@grafana/grafana-foundation-sdk/dashboard';
import { noTimePicker, proxysweepDashboard } from './base';
import { finalizeDashboard, type GeneratedDashboard } from './finalize';
import { cellOptions, columnWidth, tablePanel, unit } from './panels';
import { tableQuery } from './pg-query';
import { groupingToMatrix } from './transformations';
import { CELL, amCellVariable, datasetVariable, sweepVariable } from './variables';

export const AM_GALLERY_UID = 'proxysweep-am-gallery';

// Matrix columns are the distinct `class` values, named like this, so overrides can find them.
const CLASS_COLUMNS = '^class [0-9]+$';

const gallery = () =>
  tablePanel('Maximizing inputs: AM backward slope × class')
    .description(
      'For the chosen training cell, the input that maximized each class logit, found by gradient ascent with ' +
        'the proxy gradient of the row’s AM backward slope. Images come from PostgreSQL (am_results.image_png).',
    )
    .span(24)
    .height(14)
    .cellHeight(common.TableCellHeight.Lg)
    // The class count varies by dataset: SQL returns one row per image, Grafana pivots them.
    .withTransformation(groupingToMatrix('AM backward slope', 'class', 'image'))
    .overrideByRegexp(CLASS_COLUMNS, [
      cellOptions({ type: common.TableCellDisplayMode.Image, alt: 'AM input' }),
      columnWidth(80),
    ])
    .withTarget(
      // PostgreSQL wraps base64 at 76 characters; a data URI must be one line.
      tableQuery(`
        SELECT a.am_backward_slope AS "AM backward slope", 'class ' || a.unit AS class,
               'data:image/png;base64,' || replace(encode(a.image_png, 'base64'), E'\\n', '') AS image
        FROM am_results a
        WHERE a.cell_id = ${CELL}
        ORDER BY a.unit, a.am_backward_slope
      `),
    );

const values = () =>
  tablePanel('AM maximum (true forward logit) per class')
    .description('The activation each image above reaches, same rows and columns; darker = higher.')
    .span(14)
    .height(8)
    .withTransformation(groupingToMatrix('AM backward slope', 'class', 'value'))
    .overrideByRegexp(CLASS_COLUMNS, [
      { id: 'decimals', value: 2 },
      { id: 'color', value: new FieldColorBuilder().mode(FieldColorModeId.ContinuousBlues).build() },
      cellOptions({
        type: common.TableCellDisplayMode.ColorBackground,
        mode: common.TableCellBackgroundDisplayMode.Gradient,
      }),
    ])
    .withTarget(
      tableQuery(`
        SELECT a.am_backward_slope AS "AM backward slope", 'class ' || a.unit AS class, a.value
        FROM am_results a
        WHERE a.cell_id = ${CELL}
        ORDER BY a.unit, a.am_backward_slope
      `),
    );

const cell = () =>
  tablePanel('Training cell')
    .description('The trained network whose inputs are shown.')
    .span(10)
    .height(8)
    .overrideByName('test accuracy', [unit('percentunit'), { id: 'decimals', value: 1 }])
    .withTarget(
      tableQuery(`
        SELECT c.cell_key AS cell, c.dataset, c.arch, c.activation, c.forward_slope AS "forward slope",
               c.backward_slope AS "backward slope", c.seed, c.status, c.test_accuracy AS "test accuracy"
        FROM cells c
        WHERE c.id = ${CELL}
      `),
    );

/** The images activation maximization produced for one trained cell, by AM backward slope and class. */
export function amGalleryDashboard(): GeneratedDashboard {
  const d = proxysweepDashboard(
    AM_GALLERY_UID,
    'ProxySweep · AM gallery',
    'Activation-maximization images of one trained cell: rows are AM backward slopes, columns are classes.',
  )
    .time({ from: 'now-30d', to: 'now' })
    .timepicker(noTimePicker())
    .withVariable(sweepVariable())
    .withVariable(datasetVariable())
    .withVariable(amCellVariable())
    .withPanel(gallery())
    .withPanel(values())
    .withPanel(cell());
  return finalizeDashboard(d.build());
}
