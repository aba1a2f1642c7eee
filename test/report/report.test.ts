import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServices, type TestServices } from '../helpers/services';
import { launch, tinySpec, waitForSweep, workers } from '../helpers/sweeps';
import { writeSweepReport, type SweepReport } from '../../services/report';
import { sweepReportCommand } from '../../services/cli/commands/report';
import { createOutput } from '../../services/cli/output';
import { NotFoundError } from '../../services/errors';
import { sweepResults, type SweepContext } from '../../services/sweeps';
import type { LocalWorkers } from '../../services/local/workers';
import { csvRecords } from './csv-parse';
import { XSS, XSS_ATTR } from './fixture';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const NOW = new Date('2025-06-01T12:00:00Z');

// Two datasets (8×8 synthetic with 4 classes, 28×28 digits with 10) × two training slopes × two seeds, AM with
// two arms (ascent and Adam) × two AM slopes.
const raw = tinySpec('report', {
  base: { arch: 'small-cnn', epochs: 2, batchSize: 64, learningRate: 0.01, trainLimit: 256, testLimit: 64 },
  grid: { dataset: ['synthetic', 'digits'], backwardSlope: [0, 0.5], seed: [0, 1] },
  am: { backwardSlopes: [0, 1], steps: 5, units: 'all', optimizer: ['ascent', 'adam'] },
});
const ARMS = 2;
const CLASSES: Record<string, number> = { synthetic: 4, digits: 10 };

interface PageLoad {
  page: Page;
  url: string;
  requests: string[];
  blocked: string[];
  errors: string[];
  dialogs: string[];
}

/** Opens a report offline, recording every request, console error, page error and dialog. */
async function openReport(browser: Browser, htmlPath: string): Promise<PageLoad> {
  const url = pathToFileURL(htmlPath).href;
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.setOffline(true);
  const load: PageLoad = { page: await context.newPage(), url, requests: [], blocked: [], errors: [], dialogs: [] };
  await context.route('**/*', async (route) => {
    const u = route.request().url();
    if (u === url || u.startsWith('data:')) return route.continue();
    load.blocked.push(u);
    return route.abort();
  });
  load.page.on('request', (r) => load.requests.push(r.url()));
  load.page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') load.errors.push(`${m.type()}: ${m.text()}`);
  });
  load.page.on('pageerror', (e) => load.errors.push(`pageerror: ${e.message}`));
  load.page.on('dialog', async (d) => {
    load.dialogs.push(d.message());
    await d.dismiss();
  });
  await load.page.goto(url, { waitUntil: 'load' });
  return load;
}

describe('sweep report of a real sweep (Temporal, Postgres, worker processes, headless Chromium)', () => {
  let s: TestServices;
  let ctx: SweepContext;
  let w: LocalWorkers;
  let sweepId: string;
  let out: string;
  let report: SweepReport;
  let browser: Browser;
  let view: PageLoad;

  before(async () => {
    s = await startTestServices();
    w = workers(s, 2, 'tq-report');
    ({ ctx, sweepId } = await launch(s, raw));
    assert.equal(await waitForSweep(s, sweepId, 300_000), 'succeeded');
    // The sweep row turns terminal before its workflow ends (which may still stamp finished_at); let it end so
    // the data stays put while the reports below are compared byte for byte.
    const wf = await s.pool.query<{ workflow_id: string }>('SELECT workflow_id FROM sweeps WHERE id = $1', [sweepId]);
    await s.client.workflow.getHandle(wf.rows[0].workflow_id).result();
    // Hostile text where the database holds free text: it must come out as text, in HTML and CSV alike.
    await s.pool.query(`UPDATE cells SET error = $2 WHERE sweep_id = $1 AND idx = 0`, [sweepId, XSS]);
    await s.pool.query(`UPDATE cells SET worker = $2 WHERE sweep_id = $1 AND idx = 1`, [sweepId, XSS_ATTR]);
    await s.pool.query(
      `UPDATE epoch_metrics SET worker = $2 WHERE epoch = 1 AND cell_id = (SELECT id FROM cells WHERE sweep_id = $1 AND idx = 2)`,
      [sweepId, `a,"b"\nc`],
    );
    out = mkdtempSync(join(tmpdir(), 'ps-report-'));
    report = await writeSweepReport(s.pool, sweepId, join(out, 'nested', 'report'), { now: NOW });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    view = await openReport(browser, report.html);
    const shot = process.env.PROXYSWEEP_REPORT_SCREENSHOT;
    if (shot) await view.page.screenshot({ path: shot, fullPage: true });
  });

  after(async () => {
    await browser?.close();
    await w?.stop();
    await ctx?.close();
    await s?.stop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  test('writes index.html and three CSVs into the (created) output directory', () => {
    assert.equal(report.dir, join(out, 'nested', 'report'));
    assert.equal(report.html, join(report.dir, 'index.html'));
    assert.deepEqual(report.files.map((f) => f.slice(report.dir.length + 1)).sort(), [
      'am.csv',
      'cells.csv',
      'epochs.csv',
      'index.html',
    ]);
  });

  test('CSV rows equal the database rows, params on every row, free text intact', async () => {
    const count = async (sql: string) => (await s.pool.query<{ n: number }>(sql, [sweepId])).rows[0].n;
    const cells = csvRecords(readFileSync(join(report.dir, 'cells.csv'), 'utf8'));
    const epochs = csvRecords(readFileSync(join(report.dir, 'epochs.csv'), 'utf8'));
    const am = csvRecords(readFileSync(join(report.dir, 'am.csv'), 'utf8'));
    assert.equal(cells.length, await count('SELECT count(*)::int AS n FROM cells WHERE sweep_id = $1'));
    assert.equal(
      epochs.length,
      await count(
        'SELECT count(*)::int AS n FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id WHERE c.sweep_id = $1',
      ),
    );
    assert.equal(
      am.length,
      await count('SELECT count(*)::int AS n FROM am_results a JOIN cells c ON c.id = a.cell_id WHERE c.sweep_id = $1'),
    );
    assert.equal(cells.length, 8);
    assert.equal(epochs.length, 8 * 2);
    assert.equal(am.length, ARMS * 2 * 2 * 2 * (4 + 10));
    assert.equal(new Set(am.map((a) => a.am_protocol)).size, ARMS);
    for (const rows of [cells, epochs, am])
      for (const key of ['cell_key', 'dataset', 'arch', 'activation', 'forward_slope', 'backward_slope', 'seed'])
        assert.ok(key in rows[0], `has ${key}`);
    assert.equal(cells.find((c) => c.idx === '0')!.error, XSS);
    assert.equal(cells.find((c) => c.idx === '1')!.worker, XSS_ATTR);
    assert.ok(epochs.some((e) => e.worker === `a,"b"\nc`));
    assert.deepEqual(new Set(am.map((a) => a.am_backward_slope)), new Set(['0', '1']), 'AM slopes as stored');
    // Values as the database holds them: params and traces as JSON, times as ISO 8601 UTC, shapes HxWxC.
    const db = await s.pool.query(
      `SELECT c.cell_key, c.params, c.created_at, a.trace, a.input_shape, a.protocol, a.am_backward_slope, a.unit, a.value
       FROM am_results a JOIN cells c ON c.id = a.cell_id WHERE c.sweep_id = $1`,
      [sweepId],
    );
    for (const row of db.rows) {
      const csv = am.find(
        (a) =>
          a.cell_key === row.cell_key &&
          a.am_protocol === row.protocol &&
          Number(a.am_backward_slope) === row.am_backward_slope &&
          Number(a.unit) === row.unit,
      )!;
      assert.deepEqual(JSON.parse(csv.trace), row.trace);
      assert.equal(Number(csv.value), row.value);
      assert.equal(csv.input_shape, row.input_shape.join('x'));
      const cell = cells.find((c) => c.cell_key === row.cell_key)!;
      assert.deepEqual(JSON.parse(cell.params), row.params);
      assert.equal(cell.created_at, row.created_at.toISOString());
    }
  });

  test('the page loads with no network: only the file itself and data: URIs, no console or page errors', () => {
    assert.deepEqual(view.errors, []);
    assert.deepEqual(view.blocked, []);
    assert.ok(view.requests.includes(view.url));
    for (const u of view.requests) assert.ok(u === view.url || u.startsWith('data:'), `unexpected request ${u}`);
    const html = readFileSync(report.html, 'utf8');
    assert.ok(!/https?:\/\//.test(html), 'no absolute URL anywhere in the page');
  });

  test('results matrix: one entry per dataset × training slope with mean ± std over seeds', async () => {
    const expected = await s.pool.query<{ dataset: string; slope: number; mean: number; std: number; n: number }>(
      `SELECT dataset, backward_slope AS slope, avg(test_accuracy) AS mean, stddev_samp(test_accuracy) AS std, count(*)::int AS n
       FROM cells WHERE sweep_id = $1 AND status = 'succeeded' GROUP BY 1, 2 ORDER BY 1, 2`,
      [sweepId],
    );
    assert.equal(expected.rowCount, 4);
    const shown = await view.page.$$eval('table.matrix td.acc', (tds) =>
      tds.map((td) => ({
        dataset: (td as HTMLElement).dataset.dataset,
        slope: Number((td as HTMLElement).dataset.slope),
        text: td.querySelector('.ms')?.textContent,
      })),
    );
    assert.equal(await view.page.locator('table.matrix').count(), 1, 'one arch/activation');
    assert.equal(shown.length, 4);
    for (const e of expected.rows) {
      const entry = shown.find((x) => x.dataset === e.dataset && x.slope === e.slope);
      assert.ok(entry, `entry for ${e.dataset} × ${e.slope}`);
      assert.equal(entry.text, `${(e.mean * 100).toFixed(1)}% ± ${(e.std * 100).toFixed(1)}`);
      assert.equal(e.n, 2);
    }
  });

  test('plots: training curves per dataset with a series per cell, AM plots per arm with a line per trained net', async () => {
    const plots = await view.page.$$eval('svg.plot', (svgs) =>
      svgs.map((svg) => ({
        id: (svg as unknown as HTMLElement).dataset.plot ?? '',
        series: svg.querySelectorAll('g.series').length,
        paths: svg.querySelectorAll('g.series path.line').length,
        legend: svg.querySelectorAll('g.legend-entry').length,
        box: svg.getBoundingClientRect().width,
      })),
    );
    const byKind = (prefix: string) => plots.filter((p) => p.id.startsWith(prefix));
    for (const kind of ['curves-acc-', 'curves-loss-']) {
      assert.equal(byKind(kind).length, 2, `${kind}: one per dataset`);
      for (const p of byKind(kind)) {
        assert.equal(p.series, 4, `${p.id}: one line per cell`);
        assert.equal(p.paths, 4);
        assert.equal(p.legend, 2 + 2, 'two slopes and two seeds in the legend');
        assert.ok(p.box > 100);
      }
    }
    assert.equal(byKind('am-').length, 2 * ARMS, 'one AM plot per dataset and AM arm');
    for (const p of byKind('am-')) assert.equal(p.series, 2, `${p.id}: one line per trained net (two slopes)`);
    // Every training curve has one vertex per epoch (2).
    const vertices = await view.page.$$eval('svg.plot[data-plot^="curves-acc-"] g.series path.line', (paths) =>
      paths.map((p) => (p.getAttribute('d') ?? '').split(/[ML]/).filter((x) => x.trim()).length),
    );
    assert.deepEqual(vertices, new Array<number>(8).fill(2));
  });

  test('AM image grid: AM arms × AM slopes × classes decoded images per cell, pixelated at a fixed size', async () => {
    const grids = await view.page.$$eval('div.am-cell', (divs) =>
      divs.map((div) => ({
        key: (div as HTMLElement).dataset.cellKey,
        values: Array.from(div.querySelectorAll('.am-value')).map((v) => v.textContent),
        imgs: Array.from(div.querySelectorAll('img.am-img')).map((el) => {
          const img = el as HTMLImageElement;
          return {
            ok: img.complete && img.naturalWidth > 0,
            natural: [img.naturalWidth, img.naturalHeight],
            shown: [img.getBoundingClientRect().width, img.getBoundingClientRect().height],
            rendering: getComputedStyle(img).imageRendering,
          };
        }),
      })),
    );
    const cells = await s.pool.query<{ cell_key: string; dataset: string }>(
      'SELECT cell_key, dataset FROM cells WHERE sweep_id = $1 ORDER BY idx',
      [sweepId],
    );
    assert.deepEqual(
      grids.map((g) => g.key),
      cells.rows.map((c) => c.cell_key),
      'all 8 cells shown (under the limit), in grid order',
    );
    for (const g of grids) {
      const dataset = cells.rows.find((c) => c.cell_key === g.key)!.dataset;
      const side = dataset === 'digits' ? 28 : 8;
      assert.equal(g.imgs.length, ARMS * 2 * CLASSES[dataset], `${g.key}: AM arms × AM slopes × classes`);
      assert.equal(g.values.length, g.imgs.length);
      for (const v of g.values) assert.match(v ?? '', /^-?\d/);
      for (const img of g.imgs) {
        assert.ok(img.ok, 'decoded');
        assert.deepEqual(img.natural, [side, side], 'native size');
        // 8×8 → 8× = 64 px, 28×28 → 2× = 56 px (+ 2 px border).
        assert.deepEqual(img.shown, side === 8 ? [66, 66] : [58, 58]);
        assert.equal(img.rendering, 'pixelated');
      }
    }
    assert.equal(await view.page.locator('img').count(), 8 * ARMS * 2 * 7, 'no img elements but the AM images');
  });

  test('paired AM comparison: gains and wins equal a computation from the raw rows', async () => {
    const rows = await s.pool.query<{
      cell_id: number;
      dataset: string;
      backward_slope: number;
      protocol: string;
      am_backward_slope: number;
      unit: number;
      value: number;
    }>(
      `SELECT a.cell_id, c.dataset, c.backward_slope, a.protocol, a.am_backward_slope, a.unit, a.value
       FROM am_results a JOIN cells c ON c.id = a.cell_id WHERE c.sweep_id = $1`,
      [sweepId],
    );
    const results = await sweepResults(s.pool, sweepId);
    assert.equal(results.am.length, 2 * 2 * ARMS * 2, 'dataset × trained net × arm × AM slope');
    for (const r of results.am.filter((a) => a.amBackwardSlope === 1)) {
      const group = rows.rows.filter(
        (x) => x.dataset === r.dataset && x.backward_slope === r.backwardSlope && x.protocol === r.protocol,
      );
      const at = (x: (typeof group)[number], slope: number) =>
        group.find((y) => y.cell_id === x.cell_id && y.unit === x.unit && y.am_backward_slope === slope)!.value;
      const top = group.filter((x) => x.am_backward_slope === 1);
      assert.equal(r.referenceSlope, 0);
      assert.equal(r.pairs, top.length);
      assert.equal(r.wins, top.filter((x) => x.value > at(x, 0)).length);
      // A ratio only means something over a positive reference: cells below it are left out.
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      const perCell = [...new Set(top.map((x) => x.cell_id))]
        .map((id) => top.filter((x) => x.cell_id === id))
        .filter((mine) => mean(mine.map((x) => at(x, 0))) > 0)
        .map((mine) => mean(mine.map((x) => x.value)) / mean(mine.map((x) => at(x, 0))));
      if (perCell.length === 0) assert.equal(r.gainMean, null);
      else assert.ok(Math.abs(r.gainMean! - mean(perCell)) < 1e-9, `${r.dataset} ${r.protocol}: ${r.gainMean}`);
      assert.equal(r.gainCells, perCell.length);
      assert.ok(r.startZeroFraction! >= 0 && r.startZeroFraction! <= 1 && r.startGradL2! > 0);
    }
  });

  test('cells table: every cell with status, attempts, worker, backend, accuracy; hostile text stays text', async () => {
    const rows = await view.page.$$eval('table.cells tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')),
    );
    assert.equal(rows.length, 8);
    for (const r of rows) {
      assert.equal(r[8], 'succeeded');
      assert.equal(r[9], '2/2');
      assert.equal(r[10], '1');
      assert.equal(r[12], 'wasm');
      assert.match(r[13], /^\d+\.\d%$/);
    }
    assert.equal(rows[0][15], XSS);
    assert.equal(rows[1][11], XSS_ATTR);
    assert.equal(await view.page.evaluate(() => document.scripts.length), 0);
    assert.deepEqual(view.dialogs, []);
  });

  test('same data and time, same bytes', async () => {
    const again = await writeSweepReport(s.pool, sweepId, join(out, 'again'), { now: NOW });
    for (const name of ['index.html', 'cells.csv', 'epochs.csv', 'am.csv']) {
      const [a, b] = [readFileSync(join(again.dir, name), 'utf8'), readFileSync(join(report.dir, name), 'utf8')];
      const at = [...a].findIndex((ch, i) => ch !== b[i]);
      assert.ok(a === b, `${name} differs at ${at}: ${a.slice(at - 80, at + 80)} | ${b.slice(at - 80, at + 80)}`);
    }
  });

  test('an unknown sweep id is a NotFoundError and writes nothing', async () => {
    const dir = join(out, 'missing');
    await assert.rejects(writeSweepReport(s.pool, 'no-such-sweep', dir), NotFoundError);
    assert.equal(existsSync(dir), false);
  });

  test('the CLI command writes to --out (or reports/<id>) and prints the path, JSON with --json', async () => {
    const saved = { ...process.env };
    const cwd = process.cwd();
    process.env.DATABASE_URL = s.targets.databaseUrl;
    process.env.TEMPORAL_ADDRESS = s.targets.temporal.address;
    process.env.TEMPORAL_NAMESPACE = s.targets.temporal.namespace;
    try {
      let json = '';
      const jsonOut = createOutput(true, { write: (t: string) => (json += t) } as unknown as NodeJS.WritableStream);
      await sweepReportCommand(sweepId, { json: true, out: join(out, 'cli') }, jsonOut);
      const parsed = JSON.parse(json) as { sweepId: string; html: string; files: string[] };
      assert.equal(parsed.sweepId, sweepId);
      assert.equal(parsed.html, join(out, 'cli', 'index.html'));
      assert.equal(parsed.files.length, 4);
      assert.ok(existsSync(parsed.html));

      process.chdir(out);
      let text = '';
      const textOut = createOutput(false, { write: (t: string) => (text += t) } as unknown as NodeJS.WritableStream);
      await sweepReportCommand(sweepId, {}, textOut);
      const expected = join(out, 'reports', sweepId, 'index.html');
      assert.ok(existsSync(expected));
      assert.ok(text.includes(expected), text);
    } finally {
      process.chdir(cwd);
      process.env = saved;
    }
  });
});
