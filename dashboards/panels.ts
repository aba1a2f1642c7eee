import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  FieldColorBuilder,
  FieldColorModeId,
  MappingType,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type DynamicConfigValue,
  type ValueMap,
} from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as trend from '@grafana/grafana-foundation-sdk/trend';
import { PG } from './datasource';
import { partitionByValues } from './transformations';

/** Panel builders with the settings every proxysweep panel shares (datasource, legends the SDK hides, tooltips). */

const legend = () =>
  new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(common.LegendDisplayMode.List)
    .placement(common.LegendPlacement.Bottom);

const tooltip = () =>
  new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending);

export const statPanel = (title: string) =>
  new stat.PanelBuilder()
    .title(title)
    .datasource(PG)
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Value)
    .textMode(common.BigValueTextMode.ValueAndName)
    .justifyMode(common.BigValueJustifyMode.Auto)
    .orientation(common.VizOrientation.Auto)
    .reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(['lastNotNull']).fields(''));

export const tablePanel = (title: string) =>
  new table.PanelBuilder().title(title).datasource(PG).showHeader(true).cellHeight(common.TableCellHeight.Sm);

export const timeseriesPanel = (title: string) =>
  new timeseries.PanelBuilder().title(title).datasource(PG).legend(legend()).tooltip(tooltip());

/** How a trend panel draws one long-format result: x and y columns, and the column that splits it into lines. */
export interface TrendFields {
  x: string;
  y: string;
  /** One line per distinct value of this column; its value names the line. */
  series: string;
  /** Settings for the y field only (unit, min, max): panel-wide ones would also bend the x axis. */
  yConfig?: DynamicConfigValue[];
}

/** A line chart over a numeric x field (epoch, slope) instead of time: Grafana reads a numeric `time` as ms. */
export const trendPanel = (title: string, f: TrendFields) =>
  new trend.PanelBuilder()
    .title(title)
    .datasource(PG)
    .xField(f.x)
    .legend(legend())
    .tooltip(tooltip())
    .showPoints(common.VisibilityMode.Always)
    .pointSize(5)
    .lineWidth(2)
    .withTransformation(partitionByValues(f.series))
    // byName matches the raw field name even after partitioning has added the series label.
    .overrideByName(f.y, [
      { id: 'displayName', value: `\${__field.labels.${f.series}}` },
      { id: 'custom.axisLabel', value: f.y },
      ...(f.yConfig ?? []),
    ])
    .overrideByName(f.x, [{ id: 'custom.axisLabel', value: f.x }]);

// Field override values, typed once.
export const cellOptions = (options: common.TableCellOptions): DynamicConfigValue => ({
  id: 'custom.cellOptions',
  value: options,
});
export const unit = (value: string): DynamicConfigValue => ({ id: 'unit', value });
export const fixedColor = (color: string): DynamicConfigValue => ({
  id: 'color',
  value: new FieldColorBuilder().mode(FieldColorModeId.Fixed).fixedColor(color).build(),
});
export const columnWidth = (value: number): DynamicConfigValue => ({ id: 'custom.width', value });

/** y settings of an accuracy in [0, 1]. */
export const accuracyAxis = (): DynamicConfigValue[] => [
  unit('percentunit'),
  { id: 'min', value: 0 },
  { id: 'max', value: 1 },
];

/** Accuracy in [0, 1]: red at chance-ish levels, green when high (the matrix colours). */
export const accuracyThresholds = () =>
  new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null, color: 'red' },
    { value: 0.5, color: 'orange' },
    { value: 0.7, color: 'yellow' },
    { value: 0.9, color: 'green' },
  ]);

/** Colours of cell and sweep statuses, the same everywhere. */
export const STATUS_COLORS: Record<string, string> = {
  pending: 'text',
  running: 'blue',
  paused: 'purple',
  succeeded: 'green',
  failed: 'red',
  cancelled: 'orange',
  pruned: 'dark-purple',
};

/** Colours of worker states: alive, draining, gone. */
export const WORKER_STATUS_COLORS: Record<string, string> = {
  running: 'green',
  stopping: 'orange',
  stopped: 'text',
};

export const statusMapping = (colors: Record<string, string> = STATUS_COLORS): ValueMap => ({
  type: MappingType.ValueToText,
  options: Object.fromEntries(Object.entries(colors).map(([status, color], index) => [status, { color, index }])),
});
