import { markup, type SafeHtml } from './html-escape';
import { fmtNum, fmtParam, meanStd, sortedDistinct } from './format';
import { configLabel, groupBy, seriesStyles } from './groups';
import { seriesDash } from './palette';
import { lineChart, type Series } from './svg';
import type { AmCell } from '../sweeps/results';
import type { ReportData } from './data';

function summaryTable(overall: AmCell[]): SafeHtml {
  const rows = overall.map(
    (a) =>
      markup`<tr><td>${fmtParam(a.amBackwardSlope)}</td><td>${fmtNum(a.mean)} ± ${fmtNum(a.std)}</td><td>${fmtNum(a.max)}</td><td>${a.n}</td></tr>`,
  );
  return markup`<table class="am-summary"><thead><tr><th>AM b.slope</th><th>mean ± std</th><th>max</th><th>n</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/**
 * Per dataset: the best true activation AM reached (mean ± std over cells and units) against the AM backward
 * slope. One series per training configuration, plus all cells together (the numbers of sweepResults).
 */
export function amPlotSection(d: ReportData): SafeHtml {
  const styles = seriesStyles(d.cells);
  const datasets = [...new Set(d.cells.map((c) => c.dataset))];
  const figures = datasets.flatMap((dataset, di) => {
    const overall = d.results.am.filter((a) => a.dataset === dataset);
    if (overall.length === 0) return [];
    const rows = d.am.filter((a) => d.cellById.get(a.cell_id)!.dataset === dataset);
    const amSlopes = sortedDistinct(rows.map((a) => a.am_backward_slope));
    const configs = [...new Set(rows.map((a) => configLabel(d.cellById.get(a.cell_id)!)))];
    const byTraining = groupBy(rows, (a) => {
      const c = d.cellById.get(a.cell_id)!;
      return JSON.stringify([configs.indexOf(configLabel(c)), c.backward_slope]);
    });
    const keys = [...byTraining.keys()]
      .map((k) => JSON.parse(k) as [number, number])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const series: Series[] = keys.map(([config, slope]) => {
      const list = byTraining.get(JSON.stringify([config, slope]))!;
      return {
        label: `${configs.length > 1 ? `${configs[config]}, ` : ''}trained b.slope ${fmtParam(slope)}`,
        color: styles.slopeColor(slope),
        dash: configs.length > 1 ? seriesDash(config) : '',
        points: amSlopes.map((x) => {
          const { mean, std } = meanStd(list.filter((a) => a.am_backward_slope === x).map((a) => a.value));
          return { x, y: mean, err: std };
        }),
      };
    });
    series.push({
      label: 'all cells',
      color: '#111111',
      dash: '4 2',
      points: overall.map((a) => ({ x: a.amBackwardSlope, y: a.mean, err: a.std })),
    });
    const chart = lineChart({
      id: `am-${di}`,
      title: `${dataset}: AM maximum`,
      xLabel: 'AM backward slope',
      yLabel: 'best true activation',
      series,
      legend: series.map((s) => ({ label: s.label, color: s.color, dash: s.dash })),
      xTicks: amSlopes,
      yFormat: fmtNum,
      plotWidth: 300,
    });
    return [markup`<figure class="am-plot" data-dataset="${dataset}">${chart}${summaryTable(overall)}</figure>`];
  });
  return markup`<section id="am-plot"><h2>AM maximum vs AM backward slope</h2>
<p class="note">Best true (forward-slope) class logit that activation maximization reached, mean ± sample std over cells and classes. Colour: the training backward slope of the cells; dashed black: all cells of the dataset (table: its numbers).</p>
${figures.length ? figures : markup`<p class="empty">No AM results yet.</p>`}
</section>`;
}
