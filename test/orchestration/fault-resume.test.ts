import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { useServices, serviceEnv } from '../helpers/services';
import { launch, tinySpec, waitForSweep, workers } from '../helpers/sweeps';
import { resumeSweep } from '../../services/sweeps';
import { packageRoot } from '../../services/paths';

describe('a failing cell, then resume', () => {
  const fx = useServices();

  test('the sweep ends failed with the error in status; resume finishes only the failed cell', async () => {
    const s = fx.s;
    const pools = fx.workers;
    const raw = tinySpec('fault', {
      execution: {
        maxParallel: 2,
        taskQueue: 'tq-fault',
        retries: { maximumAttempts: 2, initialInterval: '1s' },
        timeouts: { heartbeat: '5s' },
      },
    });
    // Every cell with seed 1 fails in training (test-only switch).
    const faulty = workers(s, 2, 'tq-fault', { PROXYSWEEP_INJECT_FAULT: 'train:seed=1' });
    pools.push(faulty);
    const { ctx, sweepId } = await launch(s, raw);
    fx.contexts.push(ctx);
    assert.equal(await waitForSweep(s, sweepId), 'failed');

    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [join(packageRoot(), 'bin', 'proxysweep.js'), ...args], {
        env: serviceEnv(s),
        encoding: 'utf8',
      });
    const status = cli('sweep', 'status', sweepId, '--json');
    assert.equal(status.status, 0, status.stderr);
    const report = JSON.parse(status.stdout);
    assert.equal(report.status, 'failed');
    assert.match(report.error, /2 of 4 cells did not succeed/);
    const failed = report.cells.filter((c: { status: string }) => c.status === 'failed');
    assert.equal(failed.length, 2);
    for (const c of failed) assert.match(c.error, /injected fault \(train\)/);
    const human = cli('sweep', 'status', sweepId);
    assert.match(human.stdout, /injected fault/);
    // Listings are paged: failed cells come first; --state filters, --limit caps, counts still cover all.
    assert.deepEqual(
      report.cells.map((c: { status: string }) => c.status),
      ['failed', 'failed', 'succeeded', 'succeeded'],
    );
    const page = JSON.parse(cli('sweep', 'status', sweepId, '--state', 'failed', '--limit', '1', '--json').stdout);
    assert.equal(page.cells.length, 1);
    assert.equal(page.cells[0].status, 'failed');
    assert.deepEqual(page.listing, { state: 'failed', limit: 1, matching: 2 });
    assert.deepEqual([page.counts.failed, page.counts.succeeded], [2, 2]);
    assert.ok(page.etaSeconds === 0, `nothing left to run: ETA ${page.etaSeconds}`);
    assert.match(cli('sweep', 'status', sweepId, '--limit', '1').stdout, /1 of 4 cells shown/);

    const before = await s.pool.query('SELECT cell_key, attempts, status FROM cells WHERE sweep_id = $1 ORDER BY idx', [
      sweepId,
    ]);
    const succeededBefore = before.rows.filter((r) => r.status === 'succeeded');
    assert.equal(succeededBefore.length, 2);
    for (const r of before.rows.filter((r) => r.status === 'failed'))
      assert.equal(r.attempts, 1, 'non-retryable: no retries');

    // Remove the fault: fresh workers without the switch, then resume.
    await faulty.stop();
    pools.push(workers(s, 2, 'tq-fault'));
    const resumed = await resumeSweep(ctx, sweepId);
    assert.deepEqual([resumed.started, resumed.cellsToRun], [true, 2]);
    assert.equal(await waitForSweep(s, sweepId), 'succeeded');

    const afterRows = await s.pool.query(
      'SELECT cell_key, attempts, status FROM cells WHERE sweep_id = $1 ORDER BY idx',
      [sweepId],
    );
    assert.ok(afterRows.rows.every((r) => r.status === 'succeeded'));
    for (const r of succeededBefore) {
      assert.equal(
        afterRows.rows.find((a) => a.cell_key === r.cell_key).attempts,
        r.attempts,
        'succeeded cells were not re-run',
      );
    }
    const counts = await s.pool.query(
      `SELECT (SELECT count(*)::int FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id WHERE c.sweep_id = $1) AS metrics,
              (SELECT count(*)::int FROM am_results a JOIN cells c ON c.id = a.cell_id WHERE c.sweep_id = $1) AS am`,
      [sweepId],
    );
    assert.deepEqual(counts.rows[0], { metrics: 2 * 4, am: 2 * 4 * 4 });
    const again = await resumeSweep(ctx, sweepId);
    assert.equal(again.started, false);
    assert.match(again.reason!, /every cell has succeeded/);
  });
});
