import { markup, type SafeHtml } from './html-escape';
import { DASH, fmtNum, fmtParam, fmtPct, sortedDistinct } from './format';
import { groupBy } from './groups';
import { imageKey, type ReportData } from './data';

/** Longest displayed side in CSS pixels; images scale up by a whole factor so every pixel stays square and sharp. */
const DISPLAY_PX = 64;

export function displaySize(shape: number[]): { width: number; height: number } {
  const [h, w] = [shape[0] || 1, shape[1] || 1];
  const scale = Math.max(1, Math.floor(DISPLAY_PX / Math.max(h, w)));
  return { width: w * scale, height: h * scale };
}

/**
 * The AM inputs of the selected cells: rows = AM backward slopes, columns = classes (units), each PNG inline as a
 * data URI at native resolution, upscaled without smoothing, with the true activation it reaches underneath.
 */
export function amGridSection(d: ReportData): SafeHtml {
  const rowsByCell = groupBy(d.am, (a) => String(a.cell_id));
  // Axes per dataset, so every shown cell of a dataset has the same rows and columns (gaps show as a dash).
  const axes = new Map<string, { slopes: number[]; units: number[] }>();
  for (const [dataset, rows] of groupBy(d.am, (a) => d.cellById.get(a.cell_id)!.dataset)) {
    axes.set(dataset, {
      slopes: sortedDistinct(rows.map((a) => a.am_backward_slope)),
      units: sortedDistinct(rows.map((a) => a.unit)),
    });
  }

  const blocks = d.amSelection.cellIds.map((id) => {
    const cell = d.cellById.get(id)!;
    const { slopes, units } = axes.get(cell.dataset) ?? { slopes: [], units: [] };
    const results = new Map((rowsByCell.get(String(id)) ?? []).map((a) => [`${a.am_backward_slope}|${a.unit}`, a]));
    const image = (slope: number, unit: number) => {
      const a = results.get(`${slope}|${unit}`);
      const png = a && d.images.get(imageKey(id, slope, unit));
      if (!a || !png) return markup`<td class="am-missing">${DASH}</td>`;
      const { width, height } = displaySize(a.input_shape);
      const info = `class ${unit}, AM b.slope ${fmtParam(slope)}: ${fmtNum(a.value)} (from ${fmtNum(a.initial_value)} in ${a.steps} steps)`;
      return markup`<td><img class="am-img" src="data:image/png;base64,${png.toString('base64')}" width="${width}" height="${height}" alt="${info}" title="${info}"><div class="am-value">${fmtNum(a.value)}</div></td>`;
    };
    const body = slopes.map(
      (slope) =>
        markup`<tr><th scope="row">AM b.slope ${fmtParam(slope)}</th>${units.map((unit) => image(slope, unit))}</tr>`,
    );
    return markup`<div class="am-cell" data-cell-key="${cell.cell_key}" data-slopes="${slopes.length}" data-classes="${units.length}">
<h3>cell ${cell.idx}: ${cell.dataset}, ${cell.arch} / ${cell.activation}, b.slope ${fmtParam(cell.backward_slope)}, seed ${fmtParam(cell.seed)}</h3>
<p class="muted">forward slope ${fmtParam(cell.forward_slope)} · test acc ${fmtPct(cell.test_accuracy)} · <code>${cell.cell_key}</code></p>
<div class="scroll"><table class="am-grid"><thead><tr><th></th>${units.map((u) => markup`<th scope="col">class ${u}</th>`)}</tr></thead><tbody>${body}</tbody></table></div>
</div>`;
  });
  return markup`<section id="am-images"><h2>AM images</h2>
<p class="note">Inputs that maximize each class logit, at native resolution scaled up by a whole factor without smoothing (input range [-1, 1] shown black to white); the number is the true activation reached. ${d.amSelection.note}</p>
${blocks.length ? markup`<div class="am-cells">${blocks}</div>` : markup`<p class="empty">No AM results yet.</p>`}
</section>`;
}
