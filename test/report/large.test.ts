import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, migrate, type Pool } from '../../services/db';
import { startEmbeddedPostgres, stopEmbeddedPostgres } from '../../services/db/embedded';
import { writeSweepReport } from '../../services/report';
import { MAX_CURVE_CELLS, MAX_LISTED_CELLS } from '../../services/report/data';
import { sweepStatus } from '../../services/sweeps/status';
import { insertLargeSweep } from '../helpers/large-sweep';
import { csvRecords } from './csv-parse';

describe('a big sweep: the page stays bounded, the CSVs and status cover every row', () => {
  let dir: string;
  let pool: Pool;
  const CELLS = 2000;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ps-large-'));
    chmodSync(dir, 0o755);
    const pg = await startEmbeddedPostgres(join(dir, 'pg'), 15633);
    pool = createPool(pg.databaseUrl, 2);
    await migrate(pool);
    await insertLargeSweep(pool, 'large-1', { cells: CELLS, epochs: 3, amCells: 40 });
  });
  after(async () => {
    await pool?.end();
    await stopEmbeddedPostgres(join(dir, 'pg'));
    rmSync(dir, { recursive: true, force: true });
  });

  test('report: mean curves, a capped cell list and AM grid, every row in the streamed CSVs', async () => {
    assert.ok(CELLS > MAX_LISTED_CELLS && CELLS > MAX_CURVE_CELLS);
    const r = await writeSweepReport(pool, 'large-1', join(dir, 'report'), { now: new Date(0) });
    assert.deepEqual(r.rows, { cells: CELLS, epochs: CELLS * 3, am: 40 * 2 * 4 });
    const cells = csvRecords(readFileSync(join(r.dir, 'cells.csv'), 'utf8'));
    assert.equal(cells.length, CELLS);
    assert.deepEqual(
      cells.slice(0, 3).map((c) => c.idx),
      ['0', '1', '2'],
    );
    const epochs = csvRecords(readFileSync(join(r.dir, 'epochs.csv'), 'utf8'));
    assert.equal(epochs.length, CELLS * 3);
    assert.equal(epochs[CELLS * 3 - 1].cell_key, cells[CELLS - 1].cell_key, 'grid order, then epoch');
    const am = csvRecords(readFileSync(join(r.dir, 'am.csv'), 'utf8'));
    assert.deepEqual(JSON.parse(am[0].trace).length, 6);

    const html = readFileSync(r.html, 'utf8');
    assert.equal(html.match(/<tr class="cell-row/g)?.length, MAX_LISTED_CELLS);
    assert.ok(html.includes(`The first ${MAX_LISTED_CELLS} of ${CELLS} cells in grid order`));
    assert.ok(html.includes(`${CELLS} cells have metrics, too many for a line each`));
    // proxy (3 slopes) and relu configurations: one mean line per training slope, per dataset × config.
    const series = [...html.matchAll(/data-plot="(curves-acc-\d+)" data-series="(\d+)"/g)].map((m) => Number(m[2]));
    assert.deepEqual(series, [3, 1]);
    assert.match(html, /40 cells have AM results; shown: one per dataset × arch × activation × training slope/);
  });

  test('status: counts and ETA over every cell, one page of cells', async () => {
    const s = await sweepStatus(pool, 'large-1', undefined, { limit: 10 });
    assert.equal(s.counts.succeeded, CELLS);
    assert.equal(s.cells.length, 10);
    assert.deepEqual(s.listing, { state: null, limit: 10, matching: CELLS });
    assert.equal(s.etaSeconds, 0);
  });
});
