import * as common from '@grafana/grafana-foundation-sdk/common';
import { FieldColorBuilder, FieldColorModeId } from '@grafana/grafana-foundation-sdk/dashboard';
import { noTimePicker, proxysweepDashboard } from './base';
import { finalizeDashboard, type GeneratedDashboard } from './finalize';
import { cellOptions, columnWidth, tablePanel, unit } from './panels';
import { tableQuery } from './pg-query';
import { AM_ARMS_CTE, CHOSEN_PROTOCOLS, trainingArm, withCtes } from './sql';
import { groupingToMatrix } from './transformations';
import { CELL, amCellVariable, datasetVariable, protocolVariable, sweepVariable } from './variables';

export const AM_GALLERY_UID = 'proxysweep-am-gallery';

// Matrix columns are the distinct `class` values, named like this, so overrides can find them.
const CLASS_COLUMNS = '^class [0-9]+$';
// Matrix rows: one per AM arm and AM backward slope, e.g. `ascent lr=0.1 · AM slope 0.3`.
const ARM_AND_SLOPE = 'AM arm · AM backward slope';

/** One row per (chosen AM arm, AM slope, class) of the chosen cell, `value` being an expression over `a`. */
const perClass = (value: string) =>
  tableQuery(
    withCtes(
      [AM_ARMS_CTE],
      `
        SELECT m.arm || ' · AM slope ' || a.am_backward_slope AS "${ARM_AND_SLOPE}", 'class ' || a.unit AS class,
               ${value}
        FROM am_results a JOIN am_arms m ON m.protocol = a.protocol
        WHERE a.cell_id = ${CELL} AND a.protocol = ANY (${CHOSEN_PROTOCOLS})
        ORDER BY a.unit, a.protocol, a.am_backward_slope
      `,
    ),
  );

const gallery = () =>
  tablePanel('Maximizing inputs: AM arm × AM backward slope × class')
    .description(
      'For the chosen training cell, the input that maximized each class logit, found by the row’s AM arm ' +
        '(protocol; variable "AM arm") with the proxy gradient of the row’s AM backward slope. Images come from ' +
        'PostgreSQL (am_results.image_png).',
    )
    .span(24)
    .height(14)
    .cellHeight(common.TableCellHeight.Lg)
    // The class count varies by dataset: SQL returns one row per image, Grafana pivots them.
    .withTransformation(groupingToMatrix(ARM_AND_SLOPE, 'class', 'image'))
    .overrideByRegexp(CLASS_COLUMNS, [
      cellOptions({ type: common.TableCellDisplayMode.Image, alt: 'AM input' }),
      columnWidth(80),
    ])
    // PostgreSQL wraps base64 at 76 characters; a data URI must be one line.
    .withTarget(perClass(`'data:image/png;base64,' || replace(encode(a.image_png, 'base64'), E'\\n', '') AS image`));

const values = () =>
  tablePanel('AM maximum (true forward logit) per class')
    .description('The activation each image above reaches, same rows and columns; darker = higher.')
    .span(14)
    .height(8)
    .withTransformation(groupingToMatrix(ARM_AND_SLOPE, 'class', 'value'))
    .overrideByRegexp(CLASS_COLUMNS, [
      { id: 'decimals', value: 2 },
      { id: 'color', value: new FieldColorBuilder().mode(FieldColorModeId.ContinuousBlues).build() },
      cellOptions({
        type: common.TableCellDisplayMode.ColorBackground,
        mode: common.TableCellBackgroundDisplayMode.Gradient,
      }),
    ])
    .withTarget(perClass('a.value'));

const startGradient = () =>
  tablePanel('Start-point input gradient of this cell')
    .description(
      'Per AM arm and AM backward slope, over the classes: the mean maximum reached, and the share of ' +
        'exactly-zero entries and the L2 norm of the proxy input gradient at the start point (empty for rows ' +
        'recorded before they were measured). A backward slope makes the gradient dense.',
    )
    .span(10)
    .height(8)
    .overrideByName('mean maximum', [{ id: 'decimals', value: 2 }])
    .overrideByName('zero grad at start', [unit('percentunit'), { id: 'decimals', value: 1 }])
    .overrideByName('|grad| at start', [{ id: 'decimals', value: 3 }])
    .withTarget(
      tableQuery(
        withCtes(
          [AM_ARMS_CTE],
          `
            SELECT m.arm AS "AM arm", a.am_backward_slope AS "AM backward slope", avg(a.value) AS "mean maximum",
                   avg(a.start_grad_zero_fraction) AS "zero grad at start", avg(a.start_grad_l2) AS "|grad| at start"
            FROM am_results a JOIN am_arms m ON m.protocol = a.protocol
            WHERE a.cell_id = ${CELL} AND a.protocol = ANY (${CHOSEN_PROTOCOLS})
            GROUP BY a.protocol, m.arm, a.am_backward_slope
            ORDER BY a.protocol, a.am_backward_slope
          `,
        ),
      ),
    );

const cell = () =>
  tablePanel('Training cell')
    .description('The trained network whose inputs are shown.')
    .span(24)
    .height(4)
    .overrideByName('test accuracy', [unit('percentunit'), { id: 'decimals', value: 1 }])
    .withTarget(
      tableQuery(`
        SELECT c.cell_key AS cell, c.dataset, c.arch, ${trainingArm()} AS "training arm",
               c.forward_slope AS "forward slope", c.backward_slope AS "backward slope", c.seed, c.status,
               c.test_accuracy AS "test accuracy"
        FROM cells c
        WHERE c.id = ${CELL}
      `),
    );

/** The images activation maximization produced for one trained cell, by AM arm, AM backward slope and class. */
export function amGalleryDashboard(): GeneratedDashboard {
  const d = proxysweepDashboard(
    AM_GALLERY_UID,
    'ProxySweep · AM gallery',
    'Activation-maximization images of one trained cell: rows are AM arms × AM backward slopes, columns are classes.',
  )
    .time({ from: 'now-30d', to: 'now' })
    .timepicker(noTimePicker())
    .withVariable(sweepVariable())
    .withVariable(datasetVariable())
    .withVariable(protocolVariable())
    .withVariable(amCellVariable())
    .withPanel(gallery())
    .withPanel(values())
    .withPanel(startGradient())
    .withPanel(cell());
  return finalizeDashboard(d.build());
}
