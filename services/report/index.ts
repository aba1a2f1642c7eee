import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import { writeFileAtomic } from './atomic-write';
import { AM_CSV, CELLS_CSV, EPOCHS_CSV } from './csv-tables';
import { writeCsvTable } from './write-csv';
import { loadReportData } from './data';
import { renderReportHtml } from './html';

export { loadReportData, type ReportData } from './data';
export { renderReportHtml } from './html';
export { escapeHtml, markup, raw, SafeHtml } from './html-escape';

export interface SweepReport {
  /** Absolute output directory. */
  dir: string;
  /** Absolute paths of everything written: index.html, cells.csv, epochs.csv, am.csv. */
  files: string[];
  /** Absolute path of index.html. */
  html: string;
  /** Rows written to each CSV. */
  rows: { cells: number; epochs: number; am: number };
  /** Milliseconds spent reading the page's data (aggregates), streaming the CSVs, and rendering the page. */
  timings: { pageDataMs: number; csvMs: number; htmlMs: number };
}

/**
 * Writes a sweep's report into `outDir` (created if needed): a self-contained index.html and one CSV per table,
 * all from one read-only repeatable-read snapshot (a running sweep's files agree with each other). The page is
 * bounded whatever the sweep's size; the CSVs hold every row and are streamed, so memory stays bounded too. An
 * unknown sweep id throws NotFoundError before anything is written.
 */
export async function writeSweepReport(
  pool: pg.Pool,
  sweepId: string,
  outDir: string,
  opts: { now?: Date; maxAmCells?: number } = {},
): Promise<SweepReport> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const t0 = performance.now();
    const data = await loadReportData(client, sweepId, { maxAmCells: opts.maxAmCells });
    const t1 = performance.now();
    const dir = resolve(outDir);
    mkdirSync(dir, { recursive: true });
    const path = (name: string) => join(dir, name);
    const rows = {
      cells: await writeCsvTable(client, CELLS_CSV, sweepId, path(CELLS_CSV.file)),
      epochs: await writeCsvTable(client, EPOCHS_CSV, sweepId, path(EPOCHS_CSV.file)),
      am: await writeCsvTable(client, AM_CSV, sweepId, path(AM_CSV.file)),
    };
    await client.query('COMMIT');
    const t2 = performance.now();
    // The page last: once index.html exists, the CSVs it links to do too.
    writeFileAtomic(path('index.html'), renderReportHtml(data, opts.now ?? new Date()));
    const files = [CELLS_CSV.file, EPOCHS_CSV.file, AM_CSV.file, 'index.html'].map(path);
    const timings = { pageDataMs: t1 - t0, csvMs: t2 - t1, htmlMs: performance.now() - t2 };
    return { dir, files, html: path('index.html'), rows, timings };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
