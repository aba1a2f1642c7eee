import { markup, type SafeHtml } from './html-escape';

/** Hand-drawn SVG line charts: axes, ticks, grid, series with optional ± error bars, and a legend. */

export interface Point {
  x: number;
  y: number;
  /** Half-height of the error bar (e.g. one std); none when absent or 0. */
  err?: number;
}

export interface Series {
  label: string;
  color: string;
  dash?: string;
  points: Point[];
}

export interface LegendEntry {
  label: string;
  color: string;
  dash?: string;
}

export interface ChartSpec {
  /** The data-plot attribute, so readers and tests can find a plot. */
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  legend: LegendEntry[];
  /** Explicit x tick positions (e.g. the swept slopes); otherwise nice round ticks. */
  xTicks?: number[];
  /** Ticks at whole numbers only (epochs). */
  xInteger?: boolean;
  /** A fixed y range (e.g. accuracy 0–1); otherwise from the data, error bars included. */
  yDomain?: [number, number];
  yFormat?: (v: number) => string;
  /** Size of the plotting area; the legend widens the picture to fit its longest label. */
  plotWidth?: number;
  plotHeight?: number;
}

const MARGIN = { left: 58, top: 26, bottom: 44 };
// Legend label width estimate at the 11 px font: no text measuring without a browser.
const CHAR_PX = 6.3;
// Point markers only while they stay readable; long curves are lines alone.
const MAX_MARKERS = 60;

/** Round tick values covering [lo, hi] with about `count` steps of 1, 2 or 5 × 10^k. */
export function niceTicks(lo: number, hi: number, count = 5, integer = false): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi <= lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  const rough = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(rough));
  const norm = rough / mag;
  let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** Tick label with as many decimals as the tick spacing needs. */
export function tickLabel(v: number, ticks: number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  const fixed = v.toFixed(decimals);
  return fixed === `-${(0).toFixed(decimals)}` ? fixed.slice(1) : fixed;
}

/** Short, deterministic number text for coordinates (keeps the SVG small and stable). */
const c = (v: number) => (Math.round(v * 100) / 100).toString();

/** [min, max] without spreading (a large sweep has more points than a call may take arguments). */
function extent(values: Iterable<number>): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

const dashAttr = (dash: string | undefined) => (dash ? markup` stroke-dasharray="${dash}"` : '');

export function lineChart(spec: ChartSpec): SafeHtml {
  const plotW = spec.plotWidth ?? 250;
  const plotH = spec.plotHeight ?? 220;
  const longest = spec.legend.reduce((n, e) => Math.max(n, e.label.length), 0);
  const width = Math.ceil(MARGIN.left + plotW + (longest ? 50 + longest * CHAR_PX : 16));
  const height = MARGIN.top + plotH + MARGIN.bottom;
  const finite = (p: Point) => Number.isFinite(p.x) && Number.isFinite(p.y);
  const points = spec.series.flatMap((s) => s.points).filter(finite);

  const explicitX = spec.xTicks?.length ? spec.xTicks : undefined;
  const xTicks = explicitX ?? niceTicks(...extent(points.map((p) => p.x)), 6, spec.xInteger);
  let [x0, x1] = extent([...xTicks, ...points.map((p) => p.x)]);
  if (x1 <= x0) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  // Explicit ticks sit at data positions; pad the ends a little so end points do not touch the axes.
  if (explicitX) [x0, x1] = [x0 - (x1 - x0) * 0.04, x1 + (x1 - x0) * 0.04];

  const yTicks = spec.yDomain
    ? niceTicks(spec.yDomain[0], spec.yDomain[1], 5)
    : niceTicks(extent(points.map((p) => p.y - (p.err ?? 0)))[0], extent(points.map((p) => p.y + (p.err ?? 0)))[1], 5);
  const [y0, y1] = [yTicks[0], yTicks[yTicks.length - 1]];
  const sx = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0)) * plotW;
  const sy = (y: number) => MARGIN.top + plotH - ((Math.min(y1, Math.max(y0, y)) - y0) / (y1 - y0)) * plotH;
  const fy = spec.yFormat ?? ((v: number) => tickLabel(v, yTicks));
  const [left, right, top, bottom] = [MARGIN.left, MARGIN.left + plotW, MARGIN.top, MARGIN.top + plotH];

  const yAxis = yTicks.map(
    (t) =>
      markup`<line class="grid" x1="${left}" x2="${right}" y1="${c(sy(t))}" y2="${c(sy(t))}"/><text class="tick" x="${left - 6}" y="${c(sy(t) + 4)}" text-anchor="end">${tickLabel(t, yTicks)}</text>\n`,
  );
  const xAxis = xTicks.map(
    (t) =>
      markup`<line class="axis" x1="${c(sx(t))}" x2="${c(sx(t))}" y1="${bottom}" y2="${bottom + 5}"/><text class="tick" x="${c(sx(t))}" y="${bottom + 18}" text-anchor="middle">${explicitX ? String(t) : tickLabel(t, xTicks)}</text>\n`,
  );

  const series = spec.series.map((s) => {
    const pts = s.points.filter(finite).sort((a, b) => a.x - b.x);
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${c(sx(p.x))} ${c(sy(p.y))}`).join(' ');
    const bars = pts
      .filter((p) => p.err && p.err > 0)
      .map((p) => {
        const [x, hi, lo] = [sx(p.x), sy(p.y + p.err!), sy(p.y - p.err!)];
        return markup`<path class="err" d="M${c(x)} ${c(hi)} V${c(lo)} M${c(x - 4)} ${c(hi)} H${c(x + 4)} M${c(x - 4)} ${c(lo)} H${c(x + 4)}"/>`;
      });
    const markers =
      pts.length <= MAX_MARKERS
        ? pts.map((p) => {
            const tip = `${s.label}: ${String(p.x)} → ${fy(p.y)}${p.err ? ` ± ${fy(p.err)}` : ''}`;
            return markup`<circle cx="${c(sx(p.x))}" cy="${c(sy(p.y))}" r="3"><title>${tip}</title></circle>`;
          })
        : [];
    return markup`<g class="series" data-label="${s.label}" stroke="${s.color}" fill="${s.color}"><title>${s.label}</title><path class="line" d="${d}" fill="none"${dashAttr(s.dash)}/>${bars}${markers}</g>\n`;
  });

  const legendX = right + 14;
  const legend = spec.legend.map((e, i) => {
    const y = top + 6 + i * 17;
    return markup`<g class="legend-entry"><line x1="${legendX}" x2="${legendX + 20}" y1="${y}" y2="${y}" stroke="${e.color}" stroke-width="2.5"${dashAttr(e.dash)}/><text x="${legendX + 26}" y="${y + 4}">${e.label}</text></g>\n`;
  });

  const empty = points.length
    ? ''
    : markup`<text class="empty" x="${left + plotW / 2}" y="${top + plotH / 2}" text-anchor="middle">no data yet</text>`;

  return markup`<svg class="plot" data-plot="${spec.id}" data-series="${spec.series.length}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${spec.title}">
<text class="title" x="${left}" y="16">${spec.title}</text>
${yAxis}<line class="axis" x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}"/><line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${bottom}"/>
${xAxis}<text class="label" x="${left + plotW / 2}" y="${height - 6}" text-anchor="middle">${spec.xLabel}</text>
<text class="label" transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${spec.yLabel}</text>
${series}${legend}${empty}</svg>`;
}
