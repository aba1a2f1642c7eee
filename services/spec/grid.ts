import { createHash } from 'node:crypto';
import { SpecError } from '../errors';
import { resolveSlopes } from '../engine/activation';
import { ARCHITECTURES } from '../engine/models';
import { cellParamShape, CELL_DEFAULTS, type CellParamKey, type CellParams, type ParsedSpec } from './schema';
import { formatIssue } from './issues';

/** JSON with object keys sorted at every level, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The deterministic key of a cell: a hash of its resolved parameters (grid position does not matter). */
export function cellKey(params: CellParams): string {
  return sha256(canonicalJson(params)).slice(0, 16);
}

/**
 * Expands `grid` (cartesian product, first key varying slowest) over `base` and the defaults. Each grid value
 * is validated against its parameter's schema (errors name `grid.<key>[i]`), and every resulting cell is
 * checked for consistency (activation slopes, architecture options, known dataset).
 */
export function expandGrid(
  spec: ParsedSpec,
  knownDatasets: readonly string[],
): { key: string; idx: number; params: CellParams }[] {
  const keys = Object.keys(spec.grid);
  if (keys.length === 0)
    throw new SpecError('grid is empty: give at least one parameter to sweep, e.g. `grid: {seed: [0, 1]}`', 'grid');
  for (const key of keys) {
    if (key in spec.base)
      throw new SpecError(`${key} is set in both base and grid; keep it in one place`, `grid.${key}`);
    validateGridValues(key, spec.grid[key]);
  }
  const cells: { key: string; idx: number; params: CellParams }[] = [];
  const seen = new Map<string, number>();
  const total = keys.reduce((n, k) => n * spec.grid[k].length, 1);
  if (total > 100_000) throw new SpecError(`grid has ${total} cells; the limit is 100000 per sweep`, 'grid');
  for (let idx = 0; idx < total; idx++) {
    const point: Record<string, unknown> = {};
    let rest = idx;
    for (let k = keys.length - 1; k >= 0; k--) {
      const values = spec.grid[keys[k]];
      point[keys[k]] = values[rest % values.length];
      rest = Math.floor(rest / values.length);
    }
    const params = resolveCell(spec, point, knownDatasets);
    const key = cellKey(params);
    if (seen.has(key)) {
      throw new SpecError(
        `grid points ${seen.get(key)} and ${idx} are the same cell (${describe(point)}); remove the duplicate values`,
        'grid',
      );
    }
    seen.set(key, idx);
    cells.push({ key, idx, params });
  }
  return cells;
}

function validateGridValues(key: string, values: unknown[]): void {
  const schema = key.startsWith('archOptions.') ? undefined : cellParamShape[key as CellParamKey];
  values.forEach((v, i) => {
    if (!schema) {
      if (typeof v !== 'number' && typeof v !== 'boolean') {
        throw new SpecError(
          `grid.${key}[${i}]: expected a number or boolean, received ${JSON.stringify(v)}`,
          `grid.${key}[${i}]`,
        );
      }
      return;
    }
    const r = schema.safeParse(v);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new SpecError(formatIssue(['grid', key, i, ...issue.path], issue, v), `grid.${key}[${i}]`);
    }
  });
}

function resolveCell(spec: ParsedSpec, point: Record<string, unknown>, knownDatasets: readonly string[]): CellParams {
  const merged: Record<string, unknown> = {
    ...CELL_DEFAULTS,
    ...spec.base,
    archOptions: { ...(spec.base.archOptions ?? {}) },
  };
  for (const [k, v] of Object.entries(point)) {
    if (k.startsWith('archOptions.'))
      (merged.archOptions as Record<string, unknown>)[k.slice('archOptions.'.length)] = v;
    else merged[k] = v;
  }
  const where = `grid point ${describe(point)}`;
  // Without an explicit mode, a backward slope means ProxyGrad and none means a plain ReLU.
  merged.activation ??= merged.backwardSlope === undefined ? 'relu' : 'proxy';
  const slopes = (() => {
    try {
      return resolveSlopes({
        mode: merged.activation as CellParams['activation'],
        forwardSlope: merged.forwardSlope as number | undefined,
        backwardSlope: merged.backwardSlope as number | undefined,
      });
    } catch (err) {
      throw new SpecError(`${where}: ${(err as Error).message}`, (err as SpecError).path);
    }
  })();
  if (!knownDatasets.includes(merged.dataset as string)) {
    throw new SpecError(
      `${where}: unknown dataset "${String(merged.dataset)}"; known: ${knownDatasets.join(', ')}`,
      'dataset',
    );
  }
  if (!ARCHITECTURES.includes(merged.arch as CellParams['arch'])) {
    throw new SpecError(`${where}: unknown arch "${String(merged.arch)}"`, 'arch');
  }
  return { ...(merged as unknown as CellParams), forwardSlope: slopes.forward, backwardSlope: slopes.backward };
}

function describe(point: Record<string, unknown>): string {
  return Object.entries(point)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
}
