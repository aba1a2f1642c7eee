import { QueryVariableBuilder, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import { PG } from './datasource';
import { AM_ARMS_CTE, trainingArm, withCtes } from './sql';
import { DATASETS, SWEEP } from './variable-refs';

export { CELL, CELLS, DATASETS, PROTOCOLS, SWEEP } from './variable-refs';

const sqlVariable = (name: string, label: string, sql: string) =>
  new QueryVariableBuilder(name)
    .label(label)
    .datasource(PG)
    .query(sql)
    .definition(sql)
    // Options depend on the data (new sweeps, cells): refresh whenever the dashboard loads.
    .refresh(VariableRefresh.OnDashboardLoad)
    // Keep the SQL's ORDER BY (newest sweep first, cells in grid order).
    .sort(VariableSort.Disabled);

/** The sweep to show; newest first, so a fresh dashboard opens on the latest sweep. */
export const sweepVariable = () =>
  sqlVariable('sweep', 'Sweep', 'SELECT id AS __value, id AS __text FROM sweeps ORDER BY created_at DESC, id');

/** Datasets of the chosen sweep; several at once, all by default. */
export const datasetVariable = () =>
  sqlVariable('dataset', 'Dataset', `SELECT DISTINCT dataset FROM cells WHERE sweep_id = ${SWEEP} ORDER BY dataset`)
    .multi(true)
    .includeAll(true);

/**
 * The AM arms (protocols) of the chosen sweep, shown by their short labels; several at once, all by default.
 * Same name and values on both dashboards that have it, so the dashboard links carry the choice along.
 */
export const protocolVariable = () =>
  sqlVariable(
    'protocol',
    'AM arm',
    withCtes([AM_ARMS_CTE], 'SELECT protocol AS __value, arm AS __text FROM am_arms ORDER BY protocol'),
  )
    .multi(true)
    .includeAll(true);

const cellText = `c.cell_key || ' (' || c.dataset || ', ' || c.arch || ', ' || (${trainingArm()}) || ', seed ' || c.seed || ')'`;

/** Cells of the chosen sweep and datasets, in grid order; several at once, all by default. */
export const cellsVariable = () =>
  sqlVariable(
    'cell',
    'Cell',
    `SELECT c.id AS __value, ${cellText} AS __text FROM cells c WHERE c.sweep_id = ${SWEEP} AND c.dataset IN (${DATASETS}) ORDER BY c.idx`,
  )
    .multi(true)
    .includeAll(true);

/** One trained cell that has activation-maximization results (the gallery shows one cell at a time). */
export const amCellVariable = () =>
  sqlVariable(
    'cell',
    'Training cell',
    `SELECT c.id AS __value, ${cellText} AS __text FROM cells c WHERE c.sweep_id = ${SWEEP} AND c.dataset IN (${DATASETS}) ` +
      'AND EXISTS (SELECT 1 FROM am_results a WHERE a.cell_id = c.id) ORDER BY c.idx',
  );
