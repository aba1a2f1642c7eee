import { markup, type SafeHtml } from './html-escape';
import { DASH, fmtNum, fmtParam, fmtPct, sortedDistinct } from './format';
import { groupBy } from './groups';
import { imageKey, type ReportData } from './data';
import { shortArmLabels } from '../spec/am-arms';
import { trainingArmLabel } from '../sweeps/labels';

/** Longest displayed side in CSS pixels; images scale up by a whole factor so every pixel stays square and sharp. */
const DISPLAY_PX = 64;

export function displaySize(shape: number[]): { width: number; height: number } {
  const [h, w] = [shape[0] || 1, shape[1] || 1];
  const scale = Math.max(1, Math.floor(DISPLAY_PX / Math.max(h, w)));
  return { width: w * scale, height: h * scale };
}

/**
 * The AM inputs of the selected cells: rows = AM arm × AM backward slope, columns = classes (units), each PNG
 * inline as a data URI at native resolution, upscaled without smoothing, with the true activation it reaches
 * underneath.
 */
export function amGridSection(d: ReportData): SafeHtml {
  const rowsByCell = groupBy(d.am, (a) => String(a.cell_id));
  const labels = shortArmLabels([...new Set(d.am.map((a) => a.protocol))]);
  const manyArms = labels.size > 1;
  // Axes per dataset, so every shown cell of a dataset has the same rows and columns (gaps show as a dash).
  const axes = new Map<string, { rows: [string, number][]; units: number[] }>();
  for (const [dataset, rows] of groupBy(d.am, (a) => d.cellById.get(a.cell_id)!.dataset)) {
    const protocols = [...labels.keys()].filter((p) => rows.some((a) => a.protocol === p));
    axes.set(dataset, {
      rows: protocols.flatMap((p) =>
        sortedDistinct(rows.filter((a) => a.protocol === p).map((a) => a.am_backward_slope)).map(
          (slope) => [p, slope] as [string, number],
        ),
      ),
      units: sortedDistinct(rows.map((a) => a.unit)),
    });
  }

  const blocks = d.amSelection.cellIds.map((id) => {
    const cell = d.cellById.get(id)!;
    const { rows, units } = axes.get(cell.dataset) ?? { rows: [], units: [] };
    const results = new Map(
      (rowsByCell.get(String(id)) ?? []).map((a) => [`${a.protocol}|${a.am_backward_slope}|${a.unit}`, a]),
    );
    const image = (protocol: string, slope: number, unit: number) => {
      const a = results.get(`${protocol}|${slope}|${unit}`);
      const png = a && d.images.get(imageKey(id, protocol, slope, unit));
      if (!a || !png) return markup`<td class="am-missing">${DASH}</td>`;
      const { width, height } = displaySize(a.input_shape);
      const info = `class ${unit}, ${labels.get(protocol)}, AM b.slope ${fmtParam(slope)}: ${fmtNum(a.value)} (from ${fmtNum(a.initial_value)} in ${a.steps} steps)`;
      return markup`<td><img class="am-img" src="data:image/png;base64,${png.toString('base64')}" width="${width}" height="${height}" alt="${info}" title="${info}"><div class="am-value">${fmtNum(a.value)}</div></td>`;
    };
    const body = rows.map(
      ([protocol, slope]) =>
        markup`<tr><th scope="row">${manyArms ? `${labels.get(protocol)} · ` : ''}AM b.slope ${fmtParam(slope)}</th>${units.map((unit) => image(protocol, slope, unit))}</tr>`,
    );
    return markup`<div class="am-cell" data-cell-key="${cell.cell_key}" data-slopes="${rows.length}" data-classes="${units.length}">
<h3>cell ${cell.idx}: ${cell.dataset}, ${cell.arch} / ${trainingArmLabel({ activation: cell.activation, forwardSlope: cell.forward_slope, backwardSlope: cell.backward_slope })}, seed ${fmtParam(cell.seed)}</h3>
<p class="muted">test acc ${fmtPct(cell.test_accuracy)} · <code>${cell.cell_key}</code></p>
<div class="scroll"><table class="am-grid"><thead><tr><th></th>${units.map((u) => markup`<th scope="col">class ${u}</th>`)}</tr></thead><tbody>${body}</tbody></table></div>
</div>`;
  });
  return markup`<section id="am-images"><h2>AM images</h2>
<p class="note">Inputs that maximize each class logit, at native resolution scaled up by a whole factor without smoothing (input range [-1, 1] shown black to white); the number is the true activation reached. ${d.amSelection.note}</p>
${blocks.length ? markup`<div class="am-cells">${blocks}</div>` : markup`<p class="empty">No AM results yet.</p>`}
</section>`;
}
