import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import { writeFileAtomic } from './atomic-write';
import { amCsv, cellsCsv, epochsCsv } from './csv-tables';
import { loadReportData } from './data';
import { renderReportHtml } from './html';

export { loadReportData, type ReportData } from './data';
export { renderReportHtml } from './html';
export { csvField, toCsv } from './csv';
export { escapeHtml, markup, raw, SafeHtml } from './html-escape';

export interface SweepReport {
  /** Absolute output directory. */
  dir: string;
  /** Absolute paths of everything written: index.html, cells.csv, epochs.csv, am.csv. */
  files: string[];
  /** Absolute path of index.html. */
  html: string;
}

/**
 * Writes a sweep's report into `outDir` (created if needed): a self-contained index.html and one CSV per table.
 * An unknown sweep id throws NotFoundError before anything is written.
 */
export async function writeSweepReport(
  pool: pg.Pool,
  sweepId: string,
  outDir: string,
  opts: { now?: Date; maxAmCells?: number } = {},
): Promise<SweepReport> {
  const data = await loadReportData(pool, sweepId, { maxAmCells: opts.maxAmCells });
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const outputs: [string, string][] = [
    ['cells.csv', cellsCsv(data)],
    ['epochs.csv', epochsCsv(data)],
    ['am.csv', amCsv(data)],
    // The page last: once index.html exists, the CSVs it links to do too.
    ['index.html', renderReportHtml(data, opts.now ?? new Date())],
  ];
  const files = outputs.map(([name, content]) => {
    const path = join(dir, name);
    writeFileAtomic(path, content);
    return path;
  });
  return { dir, files, html: join(dir, 'index.html') };
}
