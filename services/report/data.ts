import type pg from 'pg';
import {
  cellStatusCounts,
  getSweepOrThrow,
  listAmResults,
  listCells,
  listEpochMetrics,
  type AmResultRow,
  type CellRow,
  type EpochMetricRow,
  type StatusCounts,
  type SweepRow,
} from '../db';
import { sweepResults, type SweepResults } from '../sweeps/results';
import { selectAmCells, MAX_AM_GRID_CELLS, type AmSelection } from './am-selection';

/** Everything the report shows, read from one consistent database snapshot. */
export interface ReportData {
  sweep: SweepRow;
  counts: StatusCounts;
  cells: CellRow[];
  cellById: Map<number, CellRow>;
  epochs: (EpochMetricRow & { cell_key: string })[];
  /** Every AM result, without its image (images are loaded for the selected cells only). */
  am: (AmResultRow & { cell_key: string })[];
  results: SweepResults;
  amSelection: AmSelection;
  /** PNG bytes of the selected cells, keyed by {@link imageKey}. */
  images: Map<string, Buffer>;
}

export function imageKey(cellId: number, protocol: string, amSlope: number, unit: number): string {
  return `${cellId}|${protocol}|${amSlope}|${unit}`;
}

/**
 * Loads a sweep for the report. Throws NotFoundError for an unknown id. A read-only repeatable-read transaction
 * keeps a running sweep's rows consistent between queries (the CSVs then match each other and the HTML).
 */
export async function loadReportData(
  pool: pg.Pool,
  sweepId: string,
  opts: { maxAmCells?: number } = {},
): Promise<ReportData> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const sweep = await getSweepOrThrow(client, sweepId);
    const counts = await cellStatusCounts(client, sweepId);
    const cells = await listCells(client, sweepId);
    const epochs = await listEpochMetrics(client, sweepId);
    const am = await listAmResults(client, sweepId, false);
    const results = await sweepResults(client, sweepId);
    const amSelection = selectAmCells(cells, new Set(am.map((a) => a.cell_id)), opts.maxAmCells ?? MAX_AM_GRID_CELLS);
    const images = await loadImages(client, amSelection.cellIds);
    await client.query('COMMIT');
    return {
      sweep,
      counts,
      cells,
      cellById: new Map(cells.map((c) => [c.id, c])),
      epochs,
      am,
      results,
      amSelection,
      images,
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
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
