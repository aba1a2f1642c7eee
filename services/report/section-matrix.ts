import { markup, type SafeHtml } from './html-escape';
import { DASH, fmtMeanStd, fmtParam } from './format';
import { heatColor } from './palette';
import { configLabel, groupBy } from './groups';
import type { ReportData } from './data';

// Grid keys the matrix lays out (or averages over, for seeds); any other swept key is pooled into each entry.
const LAID_OUT = new Set(['dataset', 'backwardSlope', 'seed', 'arch', 'activation']);

/**
 * Test accuracy per dataset (rows) × training backward slope (columns), mean ± std over seeds from
 * sweepResults; one table per arch / activation. Colour runs from the table's lowest to highest mean.
 */
export function matrixSection(d: ReportData): SafeHtml {
  const grid = (d.sweep.spec as { grid?: Record<string, unknown> } | null)?.grid ?? {};
  const pooled = Object.keys(grid).filter((k) => !LAID_OUT.has(k));
  const tables = [...groupBy(d.configs, configLabel)].map(([label, configs]) => {
    const datasets = [...new Set(configs.map((c) => c.dataset))];
    const slopes = [...new Set(configs.map((c) => c.backward_slope))].sort((a, b) => a - b);
    const acc = d.results.accuracy.filter((a) => configLabel(a) === label && a.n > 0);
    const means = acc.map((a) => a.mean);
    const [lo, hi] = [Math.min(...means), Math.max(...means)];
    const entry = (ds: string, slope: number) => {
      const a = acc.find((x) => x.dataset === ds && x.backwardSlope === slope);
      if (!a) return markup`<td class="acc missing" data-dataset="${ds}" data-slope="${slope}" data-n="0">${DASH}</td>`;
      const { background, color } = heatColor(hi > lo ? (a.mean - lo) / (hi - lo) : 0.5);
      return markup`<td class="acc" data-dataset="${ds}" data-slope="${slope}" data-n="${a.n}" style="background:${background};color:${color}"><span class="ms">${fmtMeanStd(a.mean, a.std)}</span><small>n=${a.n}</small></td>`;
    };
    const rows = datasets.map(
      (ds) => markup`<tr><th scope="row">${ds}</th>${slopes.map((slope) => entry(ds, slope))}</tr>`,
    );
    return markup`<table class="matrix" data-config="${label}">
<caption>${label}</caption>
<thead><tr><th scope="col">dataset \\ training b.slope</th>${slopes.map((s) => markup`<th scope="col">${fmtParam(s)}</th>`)}</tr></thead>
<tbody>${rows}</tbody>
</table>`;
  });
  return markup`<section id="matrix"><h2>Results matrix</h2>
<p class="note">Final test accuracy of succeeded cells, mean ± sample std over seeds (std in percentage points), n = seeds counted. Colour runs from the lowest (light) to the highest (dark) mean within each table.${pooled.length ? ` Also swept, and pooled into each entry: ${pooled.join(', ')}.` : ''}</p>
${tables.length ? tables : markup`<p class="empty">No cells.</p>`}
</section>`;
}
