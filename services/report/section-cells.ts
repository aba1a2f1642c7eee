import { markup, type SafeHtml } from './html-escape';
import { fmtNum, fmtParam, fmtPct } from './format';
import type { CellRow } from '../db';
import type { ReportData } from './data';

const HEADERS = ['#', 'key', 'dataset', 'arch', 'activation', 'fwd slope', 'b.slope', 'seed', 'status', 'epochs'];
const HEADERS_RUN = ['attempts', 'worker', 'backend', 'test acc', 'test loss', 'error'];

function row(c: CellRow): SafeHtml {
  const phase = c.phase ? markup` <small>${c.phase}</small>` : '';
  return markup`<tr class="cell-row status-${c.status}" data-cell-key="${c.cell_key}"><td>${c.idx}</td><td><code>${c.cell_key}</code></td><td>${c.dataset}</td><td>${c.arch}</td><td>${c.activation}</td><td>${fmtParam(c.forward_slope)}</td><td>${fmtParam(c.backward_slope)}</td><td>${fmtParam(c.seed)}</td><td><span class="badge status-${c.status}">${c.status}</span>${phase}</td><td>${c.epochs_done}/${c.epochs_total}</td><td>${c.attempts}</td><td>${c.worker}</td><td>${c.backend}</td><td class="num">${fmtPct(c.test_accuracy)}</td><td class="num">${fmtNum(c.test_loss)}</td><td class="error">${c.error}</td></tr>`;
}

/**
 * The cells in grid order (the first MAX_LISTED_CELLS): parameters, how each ran (status, attempts, worker,
 * backend), its result or error.
 */
export function cellsSection(d: ReportData): SafeHtml {
  const head = [...HEADERS, ...HEADERS_RUN].map((h) => markup`<th>${h}</th>`);
  return markup`<section id="cells"><h2>Cells</h2>
<div class="scroll"><table class="cells">
<thead><tr>${head}</tr></thead>
<tbody>
${d.cells.map((c) => markup`${row(c)}\n`)}</tbody>
</table></div>
${d.cells.length < d.totals.cells ? markup`<p class="note">The first ${d.cells.length} of ${d.totals.cells} cells in grid order; cells.csv lists every one.</p>` : ''}
</section>`;
}
