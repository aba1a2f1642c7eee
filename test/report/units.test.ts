import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, markup, raw } from '../../services/report/html-escape';
import { renderReportHtml } from '../../services/report/html';
import { niceTicks } from '../../services/report/svg';
import { displaySize } from '../../services/report/section-am-grid';
import { selectAmCells } from '../../services/report/am-selection';
import { fixtureData, XSS, XSS_ATTR } from './fixture';

describe('HTML escaping', () => {
  test('escapeHtml covers text and both attribute quotes', () => {
    assert.equal(escapeHtml(XSS), '&lt;script&gt;alert(1)&lt;/script&gt;');
    assert.equal(escapeHtml(`a & "b" 'c'`), 'a &amp; &quot;b&quot; &#39;c&#39;');
  });

  test('the html template escapes values but not its own markup or SafeHtml', () => {
    const inner = markup`<b>${'<i>'}</b>`;
    assert.equal(
      markup`<p title="${XSS_ATTR}">${XSS}${inner}${raw('<br>')}</p>`.value,
      '<p title="&quot;&gt;&lt;img src=x onerror=alert(2)&gt;">&lt;script&gt;alert(1)&lt;/script&gt;<b>&lt;i&gt;</b><br></p>',
    );
    assert.equal(markup`${[1, '<', null, undefined, false]}`.value, '1&lt;');
  });

  test('hostile text from the database and the spec renders as text, never as markup', () => {
    const page = renderReportHtml(fixtureData(), new Date('2025-03-02T00:00:00Z'));
    assert.ok(!/<script/i.test(page), 'no script element anywhere');
    assert.ok(!/<img(?![^>]*class="am-img")/i.test(page), 'only the AM images are img elements');
    assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(page.includes('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;'));
    assert.ok(!/\b(?:src|href)="(?!data:|#|cells\.csv|epochs\.csv|am\.csv)/.test(page), 'no external references');
    assert.ok(!/https?:/.test(page), 'no URL with a scheme at all');
    assert.ok(page.includes(`content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"`));
  });
});

describe('report layout (in-memory data)', () => {
  test('one matrix per arch/activation with dataset × slope entries, mean ± std over seeds', () => {
    const page = renderReportHtml(fixtureData(), new Date(0));
    assert.equal(page.match(/<table class="matrix"/g)?.length, 2);
    assert.equal(page.match(/<td class="acc"/g)?.length, 8);
    // alpha, small-cnn, slope 0: seeds reach 0.50 and 0.52 → 51.0% ± 1.4 (sample std 0.01414).
    assert.ok(page.includes('data-dataset="alpha" data-slope="0" data-n="2"'));
    assert.ok(page.includes('<span class="ms">51.0% ± 1.4</span>'));
    // alpha, small-cnn, slope 0.5, seed 1 failed: one seed left, std 0.
    assert.ok(page.includes('<span class="ms">55.0% ± 0.0</span><small>n=1</small>'));
  });

  test('curves: one series per cell with metrics, per dataset × config; AM plot: one series per trained net', () => {
    const page = renderReportHtml(fixtureData(), new Date(0));
    const plots = [...page.matchAll(/data-plot="([^"]+)" data-series="(\d+)"/g)].map((m) => [m[1], Number(m[2])]);
    assert.deepEqual(
      plots.filter(([id]) => String(id).startsWith('curves-acc')),
      [
        ['curves-acc-0', 4],
        ['curves-acc-1', 4],
        ['curves-acc-2', 4],
        ['curves-acc-3', 4],
      ],
    );
    assert.equal(plots.filter(([id]) => String(id).startsWith('curves-loss')).length, 4);
    // Per dataset and AM arm: 2 archs × 2 training slopes.
    assert.deepEqual(
      plots.filter(([id]) => String(id).startsWith('am-')),
      [
        ['am-0', 4],
        ['am-1', 4],
      ],
    );
  });

  test('AM: the paired gain over the reference slope on the same net and class, and the start gradient', () => {
    const page = renderReportHtml(fixtureData(), new Date(0));
    const row = (net: string, slope: number) => {
      const m = page.match(new RegExp(`<tr data-net="${net}" data-slope="${slope}">(.*?)</tr>`));
      assert.ok(m, `${net} @ ${slope}`);
      return [...m[1].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1]);
    };
    // alpha, small-cnn, trained 0→0: per cell (seed 0, 1) the mean over classes rises from 2.25(+0.1·seed) at
    // AM slope 0 to 3.25(+0.1·seed) at 1: gains 1.4444 and 1.4255, mean 1.435 ± 0.013; all 6 pairs improved.
    const [net, slope, best, , gainText, wins, zero, l2] = row('small-cnn proxy 0→0', 1);
    assert.deepEqual(
      [net, slope, gainText, wins, zero, l2],
      ['small-cnn proxy 0→0', '1', '×1.435 ± 0.013', '6 of 6', '0.0%', '1.500'],
    );
    assert.equal(best, '3.300 ± 0.230');
    assert.deepEqual(row('small-cnn proxy 0→0', 0).slice(4, 7), ['reference', '—', '75.0%']);
  });

  test('same data, same bytes, except the generation time', () => {
    const a = renderReportHtml(fixtureData(), new Date('2025-03-02T00:00:00Z'));
    const b = renderReportHtml(fixtureData(), new Date('2025-03-02T00:00:00Z'));
    const c = renderReportHtml(fixtureData(), new Date('2026-07-08T09:10:11Z'));
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.equal(a.replaceAll('2025-03-02 00:00:00 UTC', 'T'), c.replaceAll('2026-07-08 09:10:11 UTC', 'T'));
  });

  test('AM grid: all cells when few, else one per configuration (lowest seed), capped', () => {
    const all = fixtureData();
    assert.equal(all.amSelection.cellIds.length, 15);
    const picked = fixtureData({ maxAmCells: 6 });
    const cells = picked.amSelection.cellIds.map((id) => picked.cellById.get(id)!);
    assert.equal(cells.length, 6);
    assert.deepEqual(
      cells.map((c) => c.idx),
      [0, 2, 4, 6, 8, 10],
    );
    assert.match(picked.amSelection.note, /lowest seed.*capped at the first 6/);
    // The failed cell 3 has no AM: its configuration is represented by seed 0 (idx 2) anyway.
    const withAm = all.cells.filter((c) => all.am.some((a) => a.cell_id === c.id));
    const eight = selectAmCells(withAm, withAm.length, 8);
    assert.equal(eight.cellIds.length, 8);
    const page = renderReportHtml(picked, new Date(0));
    assert.equal(page.match(/<div class="am-cell"/g)?.length, 6);
    assert.equal(page.match(/<img class="am-img"/g)?.length, 6 * 2 * 3);
  });

  test('a sweep with nothing run yet still renders, with every cell listed', () => {
    const d = fixtureData();
    d.cells.forEach((c) => Object.assign(c, { status: 'pending', test_accuracy: null, epochs_done: 0, error: null }));
    Object.assign(d, {
      curves: { mode: 'cells', cells: [], epochs: [] },
      am: [],
      results: { accuracy: [], am: [] },
      images: new Map(),
    });
    d.amSelection = selectAmCells([], 0);
    const page = renderReportHtml(d, new Date(0));
    assert.equal(page.match(/<td class="acc missing"/g)?.length, 8);
    assert.ok(page.includes('No epoch metrics yet.'));
    assert.equal(page.match(/No AM results yet\./g)?.length, 2);
    assert.equal(page.match(/<tr class="cell-row status-pending"/g)?.length, 16);
  });

  test('plot ticks are round numbers covering the data; images scale by whole factors', () => {
    assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(0.13, 0.87, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(1, 2, 6, true), [1, 2]);
    assert.deepEqual(niceTicks(3, 3, 5), [2.6, 2.8, 3, 3.2, 3.4]);
    assert.deepEqual(displaySize([28, 28, 1]), { width: 56, height: 56 });
    assert.deepEqual(displaySize([8, 8, 1]), { width: 64, height: 64 });
    assert.deepEqual(displaySize([32, 32, 3]), { width: 64, height: 64 });
    assert.deepEqual(displaySize([100, 50, 1]), { width: 50, height: 100 });
  });
});
