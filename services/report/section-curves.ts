import { markup, type SafeHtml } from './html-escape';
import { fmtParam, sortedDistinct } from './format';
import { configLabel, groupBy, seriesStyles } from './groups';
import { DASH_PATTERNS } from './palette';
import { lineChart, type LegendEntry, type Series } from './svg';
import type { EpochMetricRow } from '../db';
import type { ReportData } from './data';

/**
 * Per dataset × arch / activation: test accuracy and train loss against epoch, one line per cell that has
 * metrics. Colour is the training backward slope, the dash pattern the seed (the same in every plot).
 */
export function curvesSection(d: ReportData): SafeHtml {
  const styles = seriesStyles(d.cells);
  const epochsByCell = groupBy(d.epochs, (m) => String(m.cell_id));
  const groups = groupBy(
    d.cells.filter((c) => epochsByCell.has(String(c.id))),
    (c) => `${c.dataset} · ${configLabel(c)}`,
  );
  const maxEpoch = d.cells.reduce((m, c) => Math.max(m, c.epochs_total), 1);
  // Every epoch gets a tick while they fit; beyond that, round numbers.
  const xTicks = maxEpoch <= 12 ? Array.from({ length: maxEpoch }, (_, i) => i + 1) : undefined;
  const figures = [...groups].map(([label, cells], gi) => {
    const seeds = sortedDistinct(cells.map((c) => c.seed));
    const legend: LegendEntry[] = [
      ...sortedDistinct(cells.map((c) => c.backward_slope)).map((s) => ({
        label: `b.slope ${fmtParam(s)}`,
        color: styles.slopeColor(s),
      })),
      // Seeds in the legend only while each has its own dash pattern.
      ...(seeds.length > 1 && seeds.length <= DASH_PATTERNS
        ? seeds.map((s) => ({ label: `seed ${fmtParam(s)}`, color: '#555555', dash: styles.seedDash(s) }))
        : []),
    ];
    const series = (metric: (m: EpochMetricRow) => number | null): Series[] =>
      cells.map((c) => ({
        label: `cell ${c.idx}: b.slope ${fmtParam(c.backward_slope)}, seed ${fmtParam(c.seed)}`,
        color: styles.slopeColor(c.backward_slope),
        dash: styles.seedDash(c.seed),
        points: (epochsByCell.get(String(c.id)) ?? []).map((m) => ({ x: m.epoch, y: metric(m) ?? NaN })),
      }));
    const common = { xLabel: 'epoch', legend, xTicks, xInteger: true };
    const acc = lineChart({
      ...common,
      id: `curves-acc-${gi}`,
      title: `${label}: test accuracy`,
      yLabel: 'test accuracy',
      series: series((m) => m.test_accuracy),
      yDomain: [0, 1],
    });
    const loss = lineChart({
      ...common,
      id: `curves-loss-${gi}`,
      title: `${label}: train loss`,
      yLabel: 'train loss',
      series: series((m) => m.train_loss),
    });
    return markup`<figure class="curves" data-group="${label}">${acc}${loss}<figcaption>${label}: ${cells.length} cells</figcaption></figure>`;
  });
  return markup`<section id="curves"><h2>Training curves</h2>
<p class="note">One line per cell. Colour: training backward slope; dash pattern: seed. Hover a point for its value.</p>
${figures.length ? figures : markup`<p class="empty">No epoch metrics yet.</p>`}
</section>`;
}
