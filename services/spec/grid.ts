import { createHash } from 'node:crypto';
import { SpecError } from '../errors';
import { ARCHITECTURES, archOptionProblems, resolveSlopes, type ArchName } from '../engine/catalog';
import { cellParamShape, CELL_DEFAULTS, type CellParamKey, type CellParams, type ParsedSpec } from './schema';
import { formatIssue } from './issues';
import { SpecProblems } from './problems';

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
 * checked for consistency (activation slopes, architecture options, known dataset). Points that resolve to
 * the same cell because an axis does not apply to them (every backward slope of a `relu` cell) become one
 * cell; `idx` numbers the cells that remain, in grid order.
 */
export function expandGrid(
  spec: ParsedSpec,
  knownDatasets: readonly string[],
): { key: string; idx: number; params: CellParams }[] {
  const keys = Object.keys(spec.grid);
  if (keys.length === 0)
    throw new SpecError('grid is empty: give at least one parameter to sweep, e.g. `grid: {seed: [0, 1]}`', 'grid');
  const problems = new SpecProblems();
  for (const key of keys) {
    if (key in spec.base) problems.add(`grid.${key}`, `${key} is set in both base and grid; keep it in one place`);
    validateGridValues(key, spec.grid[key], problems);
  }
  problems.throwIfAny();
  const cells: { key: string; idx: number; params: CellParams }[] = [];
  const seen = new Set<string>();
  const total = keys.reduce((n, k) => n * spec.grid[k].length, 1);
  if (total > 100_000) throw new SpecError(`grid has ${total} cells; the limit is 100000 per sweep`, 'grid');
  for (let point = 0; point < total; point++) {
    const values: Record<string, unknown> = {};
    let rest = point;
    for (let k = keys.length - 1; k >= 0; k--) {
      const list = spec.grid[keys[k]];
      values[keys[k]] = list[rest % list.length];
      rest = Math.floor(rest / list.length);
    }
    const params = problems.collect(() => resolveCell(spec, values, knownDatasets));
    if (!params) continue;
    const key = cellKey(params);
    // Axis values are distinct (checked above), so a repeat is a collapsed axis, not a mistake.
    if (seen.has(key)) continue;
    seen.add(key);
    cells.push({ key, idx: cells.length, params });
  }
  problems.throwIfAny();
  return cells;
}

function validateGridValues(key: string, values: unknown[], problems: SpecProblems): void {
  const schema = key.startsWith('archOptions.') ? undefined : cellParamShape[key as CellParamKey];
  const firstAt = new Map<string, number>();
  values.forEach((v, i) => {
    const at = `grid.${key}[${i}]`;
    const text = canonicalJson(v);
    if (firstAt.has(text)) {
      problems.add(at, `${at}: ${text} is listed twice (also at [${firstAt.get(text)}]); remove the duplicate`);
      return;
    }
    firstAt.set(text, i);
    if (!schema) {
      if (typeof v !== 'number' && typeof v !== 'boolean')
        problems.add(at, `${at}: expected a number or boolean, received ${JSON.stringify(v)}`);
      return;
    }
    const r = schema.safeParse(v);
    if (!r.success) {
      const issue = r.error.issues[0];
      problems.add(at, formatIssue(['grid', key, i, ...issue.path], issue, v));
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
  // The slope axes do not apply to every arm: a ReLU has none, a leaky ReLU takes the backward slope for both
  // passes (forwardSlope is the proxy's forward slope, used for leaky only when no backward slope is given).
  if (merged.activation === 'relu') {
    // Only a swept activation makes a slope that does not apply legitimate (the other arms use it).
    if (!('activation' in point) && ((merged.backwardSlope as number | undefined) ?? 0) !== 0) {
      throw new SpecError(
        `${where}: activation mode "relu" has slope 0 in both passes; backwardSlope applies to leaky and proxy only`,
        'activation',
      );
    }
    delete merged.backwardSlope;
  }
  if (merged.activation === 'leaky' && merged.backwardSlope !== undefined) delete merged.forwardSlope;
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
  const optionProblems = archOptionProblems(merged.arch as ArchName, merged.archOptions as Record<string, unknown>);
  if (optionProblems.length) {
    throw new SpecError(
      `${where}: ${optionProblems.join('; ')}`,
      'archOptions',
      optionProblems.map((m) => ({ path: 'archOptions', message: `${where}: ${m}` })),
    );
  }
  return { ...(merged as unknown as CellParams), forwardSlope: slopes.forward, backwardSlope: slopes.backward };
}

function describe(point: Record<string, unknown>): string {
  return Object.entries(point)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
}
