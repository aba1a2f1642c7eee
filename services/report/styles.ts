import { raw, type SafeHtml } from './html-escape';

/** The page's whole stylesheet, inline so the report needs no other file and no network. System fonts only. */
export const STYLES: SafeHtml = raw(`
:root { color-scheme: light; --fg: #1d2329; --muted: #5f6b73; --line: #d8dde2; --bg-alt: #f5f7f9; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1400px; padding: 16px 24px 48px; color: var(--fg); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 24px; margin: 4px 0 6px; }
h2 { font-size: 19px; margin: 32px 0 8px; padding-top: 8px; border-top: 2px solid var(--line); }
h3 { font-size: 15px; margin: 16px 0 6px; }
code { font: 12px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
nav { margin: 12px 0; }
a { color: #1f5fa8; }
.note, .muted, figcaption { color: var(--muted); }
.note { max-width: 900px; }
.empty { font-style: italic; color: var(--muted); }
table { border-collapse: collapse; }
th, td { padding: 3px 8px; border: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--bg-alt); }
table.kv th { background: var(--bg-alt); font-weight: 600; white-space: nowrap; }
table.kv code { white-space: pre-wrap; word-break: break-word; }
.spec-blocks { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.spec-block h3 { margin-top: 8px; }
details.spec summary { cursor: pointer; margin-top: 12px; font-weight: 600; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; background: #e4e7eb; }
.status-succeeded .badge, .badge.status-succeeded { background: #d5f0dc; color: #185c2c; }
.status-failed .badge, .badge.status-failed { background: #f8d7d5; color: #8a1c17; }
.badge.status-running { background: #d7e7fa; color: #1a4a85; }
.badge.status-pruned { background: #e8e1f5; color: #4b2d83; }
.badge.status-cancelled, .badge.status-paused { background: #fbecc8; color: #7a5200; }
.sweep-error { color: #8a1c17; white-space: pre-wrap; }
table.matrix { margin: 8px 24px 16px 0; display: inline-table; }
table.matrix caption { text-align: left; font-weight: 600; padding: 4px 0; }
table.matrix td.acc { min-width: 120px; text-align: center; font-variant-numeric: tabular-nums; }
table.matrix td.acc small { display: block; opacity: 0.75; }
table.matrix td.missing { color: var(--muted); }
figure { margin: 12px 0 20px; }
figure.curves, figure.am-plot { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
figure.curves figcaption { flex-basis: 100%; }
svg.plot { background: #fff; border: 1px solid var(--line); font-size: 11px; }
svg.plot .title { font-size: 13px; font-weight: 600; fill: var(--fg); }
svg.plot .tick, svg.plot .label, svg.plot .legend-entry text { fill: var(--fg); stroke: none; }
svg.plot .label { font-size: 12px; }
svg.plot .axis { stroke: #6b757d; }
svg.plot .grid { stroke: #eceff2; }
svg.plot .line { stroke-width: 1.8; }
svg.plot .err { stroke-width: 1.2; fill: none; }
svg.plot circle { stroke: #fff; stroke-width: 0.8; }
svg.plot .empty { fill: var(--muted); font-style: italic; }
table.am-summary td { font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; max-width: 100%; }
.am-cells { display: flex; flex-wrap: wrap; gap: 4px 28px; align-items: flex-start; }
.am-cell { max-width: 100%; }
.am-cell h3 { margin-bottom: 0; }
.am-cell p.muted { margin: 0 0 4px; font-size: 12px; }
table.am-grid td, table.am-grid th { text-align: center; vertical-align: middle; padding: 3px; }
table.am-grid tbody th { white-space: nowrap; background: var(--bg-alt); }
img.am-img { box-sizing: content-box; display: block; margin: 0 auto; image-rendering: crisp-edges; image-rendering: pixelated; border: 1px solid var(--line); }
.am-value { font: 11px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table.cells { font-size: 12.5px; }
table.cells th, table.cells td { white-space: nowrap; padding: 3px 6px; }
table.cells td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.cells td.error { white-space: pre-wrap; word-break: break-word; min-width: 200px; max-width: 480px; color: #8a1c17; }
tr.status-failed { background: #fdf3f2; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
`);
