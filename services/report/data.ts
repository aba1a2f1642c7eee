import type pg from 'pg';
import {
  cellStatusCounts,
  getSweepOrThrow,
  type AmResultRow,
  type CellRow,
  type EpochMetricRow,
  type StatusCounts,
  type SweepRow,
} from '../db';
import { sweepResults, type SweepResults } from '../sweeps/results';
import { selectAmCells, MAX_AM_GRID_CELLS, type AmSelection } from './am-selection';

/** Cells listed in the page's cells table; cells.csv has every one. */
export const MAX_LISTED_CELLS = 500;
/** Up to this many cells with metrics get a training curve each; beyond it the curves are means over seeds. */
export const MAX_CURVE_CELLS = 120;

/** One (dataset, arch, activation, training slope) of the sweep: the matrix lays these out. */
export interface ConfigKey {
  dataset: string;
  arch: string;
  activation: string;
  backward_slope: number;
}

/** Mean training curve of one configuration over its cells (seeds), for sweeps too big to draw every cell. */
export interface CurveMean extends ConfigKey {
  epoch: number;
  test_accuracy: number | null;
  train_loss: number | null;
  cells: number;
}

export type CurveData =
  | { mode: 'cells'; cells: CellRow[]; epochs: EpochMetricRow[] }
  | { mode: 'means'; cellsWithMetrics: number; points: CurveMean[] };

/**
 * What the HTML page shows, read from one consistent database snapshot and bounded whatever the sweep's size:
 * aggregates from SQL, a page of cells, curves per cell or as means, and the AM rows of the cells whose images
 * are shown. The CSVs next to it hold every row (streamed separately, see write-csv.ts).
 */
export interface ReportData {
  sweep: SweepRow;
  counts: StatusCounts;
  totals: { cells: number; epochMetrics: number; amResults: number };
  configs: ConfigKey[];
  /** The first MAX_LISTED_CELLS cells in grid order. */
  cells: CellRow[];
  /** Every cell the page names (listed, drawn, or in the AM grid). */
  cellById: Map<number, CellRow>;
  curves: CurveData;
  results: SweepResults;
  amSelection: AmSelection;
  /** AM results of the cells in `amSelection`, without images. */
  am: Omit<AmResultRow, 'image_png'>[];
  /** PNG bytes of the selected cells, keyed by {@link imageKey}. */
  images: Map<string, Buffer>;
}

export function imageKey(cellId: number, protocol: string, amSlope: number, unit: number): string {
  return `${cellId}|${protocol}|${amSlope}|${unit}`;
}

/**
 * Loads a sweep for the report inside `client`'s transaction (the caller's snapshot). Throws NotFoundError for
 * an unknown id.
 */
export async function loadReportData(
  client: pg.PoolClient,
  sweepId: string,
  opts: { maxAmCells?: number } = {},
): Promise<ReportData> {
  const sweep = await getSweepOrThrow(client, sweepId);
  const counts = await cellStatusCounts(client, sweepId);
  const totals = (
    await client.query<{ epochs: number; am: number }>(
      `SELECT (SELECT count(*) FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id WHERE c.sweep_id = $1)::int AS epochs,
              (SELECT count(*) FROM am_results a JOIN cells c ON c.id = a.cell_id WHERE c.sweep_id = $1)::int AS am`,
      [sweepId],
    )
  ).rows[0];
  const configs = (
    await client.query<ConfigKey>(
      `SELECT DISTINCT dataset, arch, activation, backward_slope FROM cells WHERE sweep_id = $1
       ORDER BY dataset, arch, activation, backward_slope`,
      [sweepId],
    )
  ).rows;
  const cells = (
    await client.query<CellRow>('SELECT * FROM cells WHERE sweep_id = $1 ORDER BY idx LIMIT $2', [
      sweepId,
      MAX_LISTED_CELLS,
    ])
  ).rows;
  const cellById = new Map(cells.map((c) => [c.id, c]));
  const curves = await loadCurves(client, sweepId, cellById);
  const results = await sweepResults(client, sweepId);
  const amSelection = await loadAmSelection(client, sweepId, cellById, opts.maxAmCells ?? MAX_AM_GRID_CELLS);
  const am = (
    await client.query<Omit<AmResultRow, 'image_png'>>(
      `SELECT cell_id, protocol, protocol_params, am_backward_slope, unit, value, initial_value, steps, trace, input_shape,
              start_grad_zero_fraction, start_grad_l2
       FROM am_results WHERE cell_id = ANY($1::bigint[]) ORDER BY cell_id, protocol, am_backward_slope, unit`,
      [amSelection.cellIds],
    )
  ).rows;
  const images = await loadImages(client, amSelection.cellIds);
  return {
    sweep,
    counts,
    totals: { cells: sweep.total_cells, epochMetrics: totals.epochs, amResults: totals.am },
    configs,
    cells,
    cellById,
    curves,
    results,
    amSelection,
    am,
    images,
  };
}

// Per-cell curves while they stay readable, else one mean curve per configuration (SQL does the averaging).
async function loadCurves(client: pg.PoolClient, sweepId: string, cellById: Map<number, CellRow>): Promise<CurveData> {
  const withMetrics = (
    await client.query<{ n: number }>(
      `SELECT count(DISTINCT m.cell_id)::int AS n FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id WHERE c.sweep_id = $1`,
      [sweepId],
    )
  ).rows[0].n;
  if (withMetrics > MAX_CURVE_CELLS) {
    const points = await client.query<CurveMean>(
      `SELECT c.dataset, c.arch, c.activation, c.backward_slope, m.epoch, avg(m.test_accuracy) AS test_accuracy,
              avg(m.train_loss) AS train_loss, count(*)::int AS cells
       FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id WHERE c.sweep_id = $1
       GROUP BY c.dataset, c.arch, c.activation, c.backward_slope, m.epoch
       ORDER BY c.dataset, c.arch, c.activation, c.backward_slope, m.epoch`,
      [sweepId],
    );
    return { mode: 'means', cellsWithMetrics: withMetrics, points: points.rows };
  }
  const cells = (
    await client.query<CellRow>(
      `SELECT * FROM cells c WHERE c.sweep_id = $1 AND EXISTS (SELECT 1 FROM epoch_metrics m WHERE m.cell_id = c.id)
       ORDER BY c.idx`,
      [sweepId],
    )
  ).rows;
  for (const c of cells) if (!cellById.has(c.id)) cellById.set(c.id, c);
  const epochs = (
    await client.query<EpochMetricRow>(
      `SELECT m.* FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id WHERE c.sweep_id = $1 ORDER BY c.idx, m.epoch`,
      [sweepId],
    )
  ).rows;
  return { mode: 'cells', cells, epochs };
}

// The cells with AM results when few, else one representative per configuration (see selectAmCells).
async function loadAmSelection(
  client: pg.PoolClient,
  sweepId: string,
  cellById: Map<number, CellRow>,
  limit: number,
): Promise<AmSelection> {
  const withAm = (
    await client.query<{ n: number }>(
      `SELECT count(DISTINCT a.cell_id)::int AS n FROM am_results a JOIN cells c ON c.id = a.cell_id WHERE c.sweep_id = $1`,
      [sweepId],
    )
  ).rows[0].n;
  const candidates = (
    await client.query<CellRow>(
      withAm <= limit
        ? `SELECT * FROM cells c WHERE c.sweep_id = $1 AND EXISTS (SELECT 1 FROM am_results a WHERE a.cell_id = c.id)
           ORDER BY c.idx`
        : `SELECT * FROM (
             SELECT DISTINCT ON (dataset, arch, activation, forward_slope, backward_slope) c.* FROM cells c
             WHERE c.sweep_id = $1 AND EXISTS (SELECT 1 FROM am_results a WHERE a.cell_id = c.id)
             ORDER BY dataset, arch, activation, forward_slope, backward_slope, seed, idx) reps
           ORDER BY idx`,
      [sweepId],
    )
  ).rows;
  for (const c of candidates) if (!cellById.has(c.id)) cellById.set(c.id, c);
  return selectAmCells(candidates, withAm, limit);
}

// Only the shown cells' PNGs: a large sweep can hold far more images than a page should carry.
async function loadImages(client: pg.PoolClient, cellIds: number[]): Promise<Map<string, Buffer>> {
  const images = new Map<string, Buffer>();
  if (cellIds.length === 0) return images;
  const r = await client.query<{
    cell_id: number;
    protocol: string;
    am_backward_slope: number;
    unit: number;
    image_png: Buffer;
  }>('SELECT cell_id, protocol, am_backward_slope, unit, image_png FROM am_results WHERE cell_id = ANY($1::bigint[])', [
    cellIds,
  ]);
  for (const row of r.rows)
    images.set(imageKey(row.cell_id, row.protocol, row.am_backward_slope, row.unit), row.image_png);
  return images;
}
