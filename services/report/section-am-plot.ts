import { markup, type SafeHtml } from './html-escape';
import { DASH, fmtNum, fmtParam, fmtPct, sortedDistinct } from './format';
import { groupBy } from './groups';
import { seriesColor } from './palette';
import { lineChart, type Series } from './svg';
import { shortArmLabels } from '../spec/am-arms';
import { trainingArmLabel } from '../sweeps/labels';
import type { AmCell } from '../sweeps/results';
import type { ReportData } from './data';

const netLabel = (a: AmCell) => `${a.arch} ${trainingArmLabel(a)}`;

function gain(a: AmCell): string {
  if (a.amBackwardSlope === a.referenceSlope) return 'reference';
  if (a.gainMean === null) return DASH;
  return `×${a.gainMean.toFixed(3)} ± ${(a.gainStd ?? 0).toFixed(3)}`;
}

function summaryTable(rows: AmCell[]): SafeHtml {
  const body = rows.map(
    (a) =>
      markup`<tr data-net="${netLabel(a)}" data-slope="${a.amBackwardSlope}"><td>${netLabel(a)}</td><td>${fmtParam(a.amBackwardSlope)}</td><td>${fmtNum(a.mean)} ± ${fmtNum(a.std)}</td><td>${fmtNum(a.max)}</td><td class="gain">${gain(a)}</td><td class="wins">${a.amBackwardSlope === a.referenceSlope ? DASH : `${a.wins} of ${a.pairs}`}</td><td>${fmtPct(a.startZeroFraction)}</td><td>${fmtNum(a.startGradL2)}</td><td>${a.n}</td></tr>`,
  );
  return markup`<table class="am-summary"><thead><tr><th>trained net</th><th>AM b.slope</th><th>best ± std</th><th>max</th><th>gain vs ref</th><th>beat ref</th><th>zero grad</th><th>|grad|</th><th>n</th></tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * Per dataset and AM arm: the best true activation AM reached (mean ± std over cells and classes) against the
 * AM backward slope, one series per trained net (arch × training arm); beside it the paired comparison with the
 * reference slope on the same net and class, and the start point's gradient sparsity and norm (the numbers of
 * sweepResults).
 */
export function amPlotSection(d: ReportData): SafeHtml {
  const labels = shortArmLabels([...new Set(d.results.am.map((a) => a.protocol))]);
  const nets = [...new Set(d.results.am.map(netLabel))];
  const groups = groupBy(d.results.am, (a) => `${a.dataset}\u0000${a.protocol}`);
  const figures = [...groups].map(([key, rows], gi) => {
    const [dataset, protocol] = key.split('\u0000');
    const amSlopes = sortedDistinct(rows.map((a) => a.amBackwardSlope));
    const series: Series[] = [...groupBy(rows, netLabel)].map(([net, list]) => ({
      label: net,
      color: seriesColor(nets.indexOf(net)),
      dash: '',
      points: list.map((a) => ({ x: a.amBackwardSlope, y: a.mean, err: a.std })),
    }));
    const title = `${dataset}: AM maximum${labels.size > 1 ? `, ${labels.get(protocol)}` : ''}`;
    const chart = lineChart({
      id: `am-${gi}`,
      title,
      xLabel: 'AM backward slope',
      yLabel: 'best true activation',
      series,
      legend: series.map((s) => ({ label: s.label, color: s.color, dash: s.dash })),
      xTicks: amSlopes,
      yFormat: fmtNum,
      plotWidth: 300,
    });
    return markup`<figure class="am-plot" data-dataset="${dataset}" data-protocol="${protocol}">${chart}<div><p class="muted"><code>${protocol}</code></p>${summaryTable(rows)}</div></figure>`;
  });
  const ref = [...new Set(d.results.am.map((a) => a.referenceSlope))].map(fmtParam).join('/');
  return markup`<section id="am-plot"><h2>AM maximum vs AM backward slope</h2>
<p class="note">Best true (forward-slope) class logit that activation maximization reached, mean ± sample std over cells and classes, one line per trained net. Gain vs ref: per cell, the mean best value at this AM slope over the mean at the reference slope ${ref} on the same net (mean ± std over cells); beat ref: (cell, class) pairs that reached a higher value than at the reference slope. Zero grad and |grad|: the share of exactly-zero entries and the L2 norm of the proxy input gradient at the start point, the sparsity a backward slope removes.</p>
${figures.length ? figures : markup`<p class="empty">No AM results yet.</p>`}
</section>`;
}
