import * as common from '@grafana/grafana-foundation-sdk/common';
import { RowBuilder, ThresholdsConfigBuilder, ThresholdsMode } from '@grafana/grafana-foundation-sdk/dashboard';
import { proxysweepDashboard } from './base';
import { finalizeDashboard, type GeneratedDashboard } from './finalize';
import {
  cellOptions,
  columnWidth,
  fixedColor,
  STATUS_COLORS,
  statPanel,
  statusMapping,
  tablePanel,
  timeseriesPanel,
  unit,
  WORKER_STATUS_COLORS,
} from './panels';
import { tableQuery, timeSeriesQuery } from './pg-query';
import { trainingArm } from './sql';
import { SWEEP, sweepVariable } from './variables';

export const OVERVIEW_UID = 'proxysweep-overview';

const sweepStatus = () =>
  statPanel('Sweep')
    .description('Status of the sweep and the share of its cells that succeeded.')
    .span(6)
    .height(4)
    .textMode(common.BigValueTextMode.ValueAndName)
    // Strings are left out of stats unless a field regexp names them.
    .reduceOptions(
      new common.ReduceDataOptionsBuilder().values(false).calcs(['lastNotNull']).fields('/^(status|done)$/'),
    )
    .overrideByName('status', [{ id: 'mappings', value: [statusMapping()] }])
    .overrideByName('done', [unit('percentunit'), fixedColor('green')])
    .withTarget(
      tableQuery(`
        SELECT s.status,
               count(c.id) FILTER (WHERE c.status = 'succeeded')::float / greatest(s.total_cells, 1) AS done
        FROM sweeps s LEFT JOIN cells c ON c.sweep_id = s.id
        WHERE s.id = ${SWEEP}
        GROUP BY s.id
      `),
    );

const statuses = ['succeeded', 'running', 'pending', 'failed', 'cancelled', 'pruned'] as const;
const cellCounts = () =>
  statuses.reduce(
    (panel, status) => panel.overrideByName(status, [fixedColor(STATUS_COLORS[status])]),
    statPanel('Cells')
      .description('Cells of the sweep by status (one cell = one grid point).')
      .span(18)
      .height(4)
      .overrideByName('total', [fixedColor('text')])
      .withTarget(
        tableQuery(`
          SELECT count(*) AS total,
                 count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
                 count(*) FILTER (WHERE status = 'running') AS running,
                 count(*) FILTER (WHERE status = 'pending') AS pending,
                 count(*) FILTER (WHERE status = 'failed') AS failed,
                 count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
                 count(*) FILTER (WHERE status = 'pruned') AS pruned
          FROM cells
          WHERE sweep_id = ${SWEEP}
        `),
      ),
  );

const earlyStopping = () =>
  statPanel('Early stopping')
    .description(
      'Cells the ASHA pruner stopped, the rung (epoch) the furthest-trained pruned cell reached, and the cell-epochs ' +
        'the pruned cells did not train against training every cell to its last epoch (0 without a pruner).',
    )
    .span(24)
    .height(4)
    .withTarget(
      tableQuery(`
        SELECT count(*) FILTER (WHERE status = 'pruned') AS "pruned cells",
               coalesce(max(rung) FILTER (WHERE status = 'pruned'), 0) AS "highest rung pruned",
               coalesce(sum(epochs_done), 0) AS "cell-epochs trained",
               coalesce(sum(epochs_total - epochs_done) FILTER (WHERE status = 'pruned'), 0) AS "cell-epochs saved"
        FROM cells
        WHERE sweep_id = ${SWEEP}
      `),
    );

const cumulative = () =>
  timeseriesPanel('Cells finished (cumulative)')
    .description('How many cells had succeeded or failed by each moment: the slope is the sweep’s pace.')
    .span(12)
    .height(8)
    .lineInterpolation(common.LineInterpolation.StepAfter)
    .fillOpacity(10)
    .min(0)
    .decimals(0)
    .overrideByName('succeeded', [fixedColor(STATUS_COLORS.succeeded)])
    .overrideByName('failed', [fixedColor(STATUS_COLORS.failed)])
    .withTarget(
      // Running totals are computed over the whole sweep first, then cut to the time range, so they start right.
      timeSeriesQuery(`
        SELECT $__time(finished_at), succeeded, failed
        FROM (
          SELECT finished_at,
                 count(*) FILTER (WHERE status = 'succeeded') OVER w AS succeeded,
                 count(*) FILTER (WHERE status = 'failed') OVER w AS failed
          FROM cells
          WHERE sweep_id = ${SWEEP} AND finished_at IS NOT NULL AND status IN ('succeeded', 'failed')
          WINDOW w AS (ORDER BY finished_at, id)
        ) t
        WHERE $__timeFilter(finished_at)
        ORDER BY 1
      `),
    );

const perHour = () =>
  timeseriesPanel('Cells finished per hour')
    .description('Cells that ended in each hour, by outcome.')
    .span(12)
    .height(8)
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(80)
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
    .min(0)
    .decimals(0)
    .overrideByName('succeeded', [fixedColor(STATUS_COLORS.succeeded)])
    .overrideByName('failed', [fixedColor(STATUS_COLORS.failed)])
    .withTarget(
      timeSeriesQuery(`
        SELECT $__timeGroupAlias(finished_at, '1h'),
               count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
               count(*) FILTER (WHERE status = 'failed') AS failed
        FROM cells
        WHERE sweep_id = ${SWEEP} AND finished_at IS NOT NULL AND $__timeFilter(finished_at)
        GROUP BY 1
        ORDER BY 1
      `),
    );

const throughput = () =>
  timeseriesPanel('Training throughput per worker')
    .description('Mean training images per second of the epochs each worker finished, per time bucket.')
    .span(12)
    .height(8)
    .unit('short')
    .axisLabel('images/s')
    .min(0)
    .withTarget(
      // Three columns, one a string named `metric`: Grafana names each series after the worker.
      timeSeriesQuery(`
        SELECT $__timeGroupAlias(m.recorded_at, $__interval),
               coalesce(m.worker, 'unknown') AS metric,
               avg(m.images_per_sec) AS images_per_sec
        FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id
        WHERE c.sweep_id = ${SWEEP} AND $__timeFilter(m.recorded_at)
        GROUP BY 1, 2
        ORDER BY 1, 2
      `),
    );

const epochRate = () =>
  timeseriesPanel('Epochs finished per minute')
    .description('Training epochs recorded per minute over all workers (activity at a glance).')
    .span(12)
    .height(8)
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(60)
    .min(0)
    .withTarget(
      timeSeriesQuery(`
        SELECT $__timeGroupAlias(m.recorded_at, $__interval),
               count(*) * 60000.0 / $__interval_ms AS epochs_per_minute
        FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id
        WHERE c.sweep_id = ${SWEEP} AND $__timeFilter(m.recorded_at)
        GROUP BY 1
        ORDER BY 1
      `),
    );

const running = () =>
  tablePanel('Running cells')
    .description('Cells being trained or maximized now, with their epoch and worker.')
    .span(24)
    .height(8)
    .overrideByName('progress', [
      unit('percentunit'),
      { id: 'min', value: 0 },
      { id: 'max', value: 1 },
      cellOptions({ type: common.TableCellDisplayMode.Gauge, mode: common.BarGaugeDisplayMode.Basic }),
    ])
    .overrideByName('phase', [columnWidth(90)])
    .withTarget(
      tableQuery(`
        SELECT c.cell_key AS cell, c.dataset, c.arch, ${trainingArm()} AS "training arm", c.seed, c.phase,
               c.epochs_done || '/' || c.epochs_total AS epoch,
               c.epochs_done::float / greatest(c.epochs_total, 1) AS progress,
               c.attempts, c.worker, c.started_at AS started
        FROM cells c
        WHERE c.sweep_id = ${SWEEP} AND c.status = 'running'
        ORDER BY c.idx
      `),
    );

const failures = () =>
  tablePanel('Failed cells')
    .description('Cells that failed, newest first, with the error they ended with.')
    .span(24)
    .height(8)
    .overrideByName('error', [
      cellOptions({ type: common.TableCellDisplayMode.Auto, wrapText: true }),
      { id: 'custom.inspect', value: true },
    ])
    .withTarget(
      tableQuery(`
        SELECT c.cell_key AS cell, c.dataset, c.arch, ${trainingArm()} AS "training arm", c.seed, c.attempts,
               c.worker, c.finished_at AS failed, c.error
        FROM cells c
        WHERE c.sweep_id = ${SWEEP} AND c.status = 'failed'
        ORDER BY c.finished_at DESC NULLS LAST, c.idx
      `),
    );

const pruned = () =>
  tablePanel('Pruned cells')
    .description(
      'Cells the ASHA pruner stopped, with the rung (epoch) each reached, the metric it reported there and the ' +
        'epochs it did not train; `proxysweep sweep continue <id> <cell>` trains one on.',
    )
    .span(24)
    .height(8)
    .withTarget(
      tableQuery(`
        SELECT c.cell_key AS cell, c.dataset, c.arch, ${trainingArm()} AS "training arm", c.seed,
               (c.params->>'learningRate')::float8 AS "learning rate", c.rung, r.value AS "metric at rung",
               c.epochs_total - c.epochs_done AS "epochs saved", c.finished_at AS pruned
        FROM cells c LEFT JOIN rung_results r ON r.cell_id = c.id AND r.rung = c.rung
        WHERE c.sweep_id = ${SWEEP} AND c.status = 'pruned'
        ORDER BY c.rung, c.idx
      `),
    );

const workers = () =>
  tablePanel('Workers on this sweep’s task queue')
    .description('Worker processes polling the sweep’s task queue, running ones first, with their last heartbeat.')
    .span(24)
    .height(7)
    .overrideByName('status', [
      { id: 'mappings', value: [statusMapping(WORKER_STATUS_COLORS)] },
      cellOptions({ type: common.TableCellDisplayMode.ColorText }),
    ])
    .overrideByName('heartbeat age', [
      unit('s'),
      { id: 'decimals', value: 0 },
      // A live worker beats every few seconds; minutes of silence mean it is gone or stuck.
      {
        id: 'thresholds',
        value: new ThresholdsConfigBuilder()
          .mode(ThresholdsMode.Absolute)
          .steps([
            { value: null, color: 'green' },
            { value: 60, color: 'orange' },
            { value: 300, color: 'red' },
          ])
          .build(),
      },
      cellOptions({ type: common.TableCellDisplayMode.ColorText }),
    ])
    .withTarget(
      tableQuery(`
        SELECT w.id AS worker, w.hostname, w.backend, w.device, w.slots, w.status, c.cell_key AS "current cell",
               w.last_heartbeat_at AS "last heartbeat",
               extract(epoch FROM now() - w.last_heartbeat_at) AS "heartbeat age"
        FROM workers w LEFT JOIN cells c ON c.id = w.current_cell_id
        WHERE w.task_queue = (SELECT task_queue FROM sweeps WHERE id = ${SWEEP})
        ORDER BY w.status = 'stopped', w.last_heartbeat_at DESC
        LIMIT 200
      `),
    );

/** Live state of one sweep: counts, pace, throughput, what runs where, what failed and why. */
export function sweepOverviewDashboard(): GeneratedDashboard {
  const d = proxysweepDashboard(
    OVERVIEW_UID,
    'ProxySweep · Sweep overview',
    'Progress of a ProxyGrad sweep: cell status, pace, worker throughput, running and failed cells, workers.',
  )
    .time({ from: 'now-24h', to: 'now' })
    .refresh('30s')
    .withVariable(sweepVariable())
    .withPanel(sweepStatus())
    .withPanel(cellCounts())
    .withPanel(earlyStopping())
    .withRow(new RowBuilder('Progress'))
    .withPanel(cumulative())
    .withPanel(perHour())
    .withPanel(throughput())
    .withPanel(epochRate())
    .withRow(new RowBuilder('Cells'))
    .withPanel(running())
    .withPanel(failures())
    .withPanel(pruned())
    .withRow(new RowBuilder('Workers'))
    .withPanel(workers());
  return finalizeDashboard(d.build());
}
