import { markup, type SafeHtml } from './html-escape';
import { fmtParam, sortedDistinct } from './format';
import { configLabel, groupBy, seriesStyles } from './groups';
import { DASH_PATTERNS, seriesColor } from './palette';
import { lineChart, type LegendEntry, type Series } from './svg';
import type { CellRow, EpochMetricRow } from '../db';
import type { CurveMean, ReportData } from './data';

const NOTE_CELLS =
  'One line per cell. Colour: training backward slope; dash pattern: seed. Hover a point for its value.';

// Every epoch gets a tick while they fit; beyond that, round numbers.
const epochTicks = (maxEpoch: number) =>
  maxEpoch <= 12 ? Array.from({ length: maxEpoch }, (_, i) => i + 1) : undefined;

/**
 * Per dataset × arch / activation: test accuracy and train loss against epoch. With few enough cells one line per
 * cell (colour: training backward slope, dash: seed, the same in every plot); in bigger sweeps one mean line per
 * training slope over its cells.
 */
export function curvesSection(d: ReportData): SafeHtml {
  const figures = d.curves.mode === 'cells' ? perCell(d.curves.cells, d.curves.epochs) : means(d.curves.points);
  const note =
    d.curves.mode === 'cells'
      ? NOTE_CELLS
      : `${d.curves.cellsWithMetrics} cells have metrics, too many for a line each: one line per training backward slope, the mean over its cells (epochs.csv has every cell).`;
  return markup`<section id="curves"><h2>Training curves</h2>
<p class="note">${note}</p>
${figures.length ? figures : markup`<p class="empty">No epoch metrics yet.</p>`}
</section>`;
}

function pair(
  gi: number,
  label: string,
  legend: LegendEntry[],
  xTicks: number[] | undefined,
  series: (metric: 'test_accuracy' | 'train_loss') => Series[],
  caption: string,
): SafeHtml {
  const common = { xLabel: 'epoch', legend, xTicks, xInteger: true };
  const acc = lineChart({
    ...common,
    id: `curves-acc-${gi}`,
    title: `${label}: test accuracy`,
    yLabel: 'test accuracy',
    series: series('test_accuracy'),
    yDomain: [0, 1],
  });
  const loss = lineChart({
    ...common,
    id: `curves-loss-${gi}`,
    title: `${label}: train loss`,
    yLabel: 'train loss',
    series: series('train_loss'),
  });
  return markup`<figure class="curves" data-group="${label}">${acc}${loss}<figcaption>${label}: ${caption}</figcaption></figure>`;
}

function perCell(cells: CellRow[], epochs: EpochMetricRow[]): SafeHtml[] {
  const styles = seriesStyles(cells);
  const epochsByCell = groupBy(epochs, (m) => String(m.cell_id));
  const groups = groupBy(cells, (c) => `${c.dataset} · ${configLabel(c)}`);
  const xTicks = epochTicks(cells.reduce((m, c) => Math.max(m, c.epochs_total), 1));
  return [...groups].map(([label, group], gi) => {
    const seeds = sortedDistinct(group.map((c) => c.seed));
    const legend: LegendEntry[] = [
      ...sortedDistinct(group.map((c) => c.backward_slope)).map((s) => ({
        label: `b.slope ${fmtParam(s)}`,
        color: styles.slopeColor(s),
      })),
      // Seeds in the legend only while each has its own dash pattern.
      ...(seeds.length > 1 && seeds.length <= DASH_PATTERNS
        ? seeds.map((s) => ({ label: `seed ${fmtParam(s)}`, color: '#555555', dash: styles.seedDash(s) }))
        : []),
    ];
    const series = (metric: 'test_accuracy' | 'train_loss'): Series[] =>
      group.map((c) => ({
        label: `cell ${c.idx}: b.slope ${fmtParam(c.backward_slope)}, seed ${fmtParam(c.seed)}`,
        color: styles.slopeColor(c.backward_slope),
        dash: styles.seedDash(c.seed),
        points: (epochsByCell.get(String(c.id)) ?? []).map((m) => ({ x: m.epoch, y: m[metric] ?? NaN })),
      }));
    return pair(gi, label, legend, xTicks, series, `${group.length} cells`);
  });
}

function means(points: CurveMean[]): SafeHtml[] {
  const slopes = sortedDistinct(points.map((p) => p.backward_slope));
  const color = (s: number) => seriesColor(slopes.indexOf(s));
  const groups = groupBy(points, (p) => `${p.dataset} · ${configLabel(p)}`);
  const xTicks = epochTicks(points.reduce((m, p) => Math.max(m, p.epoch), 1));
  return [...groups].map(([label, group], gi) => {
    const bySlope = groupBy(group, (p) => String(p.backward_slope));
    const legend = [...bySlope.keys()].map((s) => ({ label: `b.slope ${s} (mean)`, color: color(Number(s)) }));
    const series = (metric: 'test_accuracy' | 'train_loss'): Series[] =>
      [...bySlope].map(([s, list]) => ({
        label: `b.slope ${s}: mean of ${Math.max(...list.map((p) => p.cells))} cells`,
        color: color(Number(s)),
        dash: '',
        points: list.map((p) => ({ x: p.epoch, y: p[metric] ?? NaN })),
      }));
    return pair(gi, label, legend, xTicks, series, `means over cells, one line per training slope`);
  });
}
