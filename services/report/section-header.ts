import { markup, type SafeHtml } from './html-escape';
import { fmtTime } from './format';
import { expandAmArms } from '../spec/am-arms';
import type { AmSpec } from '../spec/schema';
import type { ReportData } from './data';

type SpecLike = {
  description?: unknown;
  base?: Record<string, unknown>;
  grid?: Record<string, unknown[]>;
  am?: Record<string, unknown>;
  execution?: Record<string, unknown>;
};

/** A spec value as compact JSON (strings unquoted), for the summary tables. */
function show(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
}

function kvRows(obj: Record<string, unknown> | undefined): SafeHtml[] {
  return Object.keys(obj ?? {})
    .sort()
    .map((k) => markup`<tr><th>${k}</th><td><code>${show(obj![k])}</code></td></tr>`);
}

function specBlock(title: string, rows: SafeHtml[]): SafeHtml | '' {
  return rows.length ? markup`<div class="spec-block"><h3>${title}</h3><table class="kv">${rows}</table></div>` : '';
}

/** The AM arms a spec's `am` block expands to, by their full protocol keys. */
function armsBlock(am: Record<string, unknown> | undefined): SafeHtml | '' {
  if (!am) return '';
  let keys: string[];
  try {
    keys = expandAmArms(am as AmSpec).map((a) => a.key);
  } catch {
    return '';
  }
  return specBlock(
    `AM arms (${keys.length})`,
    keys.map((k) => markup`<tr><td><code>${k}</code></td></tr>`),
  );
}

/** Title, identity, status and cell counts, times, and a summary of the spec that produced the sweep. */
export function headerSection(d: ReportData, generatedAt: Date): SafeHtml {
  const s = d.sweep;
  const spec = (s.spec ?? {}) as SpecLike;
  const c = d.counts;
  const grid = spec.grid ?? {};
  const gridSize = Object.values(grid).reduce((n, v) => n * (Array.isArray(v) ? v.length : 1), 1);
  const row = (label: string, value: unknown) => markup`<tr><th>${label}</th><td>${value}</td></tr>`;
  return markup`<header id="top">
<h1>Sweep report: ${s.name}</h1>
<p class="status-line"><span class="badge status-${s.status}">${s.status}</span> <code>${s.id}</code></p>
${s.error ? markup`<p class="sweep-error">Error: ${s.error}</p>` : ''}
<table class="kv summary">
${row('sweep id', markup`<code>${s.id}</code>`)}
${row('name', s.name)}
${row('status', s.status)}
${row('cells', `${s.total_cells} total: ${c.succeeded} succeeded, ${c.running} running, ${c.pending} pending, ${c.failed} failed, ${c.cancelled} cancelled`)}
${row('rows', `${d.totals.epochMetrics} epoch metrics, ${d.totals.amResults} AM results`)}
${row('created', fmtTime(s.created_at))}
${row('started', fmtTime(s.started_at))}
${row('finished', fmtTime(s.finished_at))}
${row('task queue', markup`<code>${s.task_queue}</code>, up to ${s.max_parallel} cells at once`)}
${row('spec hash', markup`<code>${s.spec_hash}</code>`)}
${row('report generated', fmtTime(generatedAt))}
</table>
${spec.description ? markup`<p class="description">${show(spec.description)}</p>` : ''}
<details class="spec" open><summary>Spec: grid of ${gridSize} points over ${Object.keys(grid).sort().join(' × ') || 'nothing'}</summary>
<div class="spec-blocks">
${specBlock('grid', kvRows(grid))}
${specBlock('base', kvRows(spec.base))}
${specBlock('activation maximization', kvRows(spec.am))}
${armsBlock(spec.am)}
${specBlock('execution', kvRows(spec.execution))}
</div></details>
<nav><a href="#matrix">results matrix</a> · <a href="#curves">training curves</a> · <a href="#am-plot">AM maximum</a> · <a href="#am-images">AM images</a> · <a href="#cells">cells</a> · data: <a href="cells.csv">cells.csv</a>, <a href="epochs.csv">epochs.csv</a>, <a href="am.csv">am.csv</a></nav>
</header>`;
}
