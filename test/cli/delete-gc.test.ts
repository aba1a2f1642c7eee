import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { useServices, serviceEnv } from '../helpers/services';
import { launch, tinySpec, waitForSweep, workers } from '../helpers/sweeps';
import { packageRoot } from '../../services/paths';

describe('checkpoints after success, `db gc` and `sweep delete`', () => {
  const fx = useServices();
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [join(packageRoot(), 'bin', 'proxysweep.js'), ...args], {
      env: serviceEnv(fx.s),
      encoding: 'utf8',
    });
  const checkpoints = async (sweepId: string) =>
    (
      await fx.s.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM checkpoints k JOIN cells c ON c.id = k.cell_id WHERE c.sweep_id = $1',
        [sweepId],
      )
    ).rows[0].n;

  test('a succeeded cell drops its checkpoint unless the sweep keeps them; gc and delete report what they free', async () => {
    const s = fx.s;
    fx.workers.push(workers(s, 2, 'tq-gc'));
    const execution = { maxParallel: 2, taskQueue: 'tq-gc', timeouts: { heartbeat: '5s' } };
    const dropped = await launch(s, tinySpec('gc-drop', { grid: { seed: [0, 1] }, execution }));
    const kept = await launch(
      s,
      tinySpec('gc-keep', { grid: { seed: [2] }, execution: { ...execution, keepCheckpoints: true } }),
    );
    fx.contexts.push(dropped.ctx, kept.ctx);
    assert.equal(await waitForSweep(s, dropped.sweepId), 'succeeded');
    assert.equal(await waitForSweep(s, kept.sweepId), 'succeeded');
    assert.equal(await checkpoints(dropped.sweepId), 0, 'deleted once the cells succeeded');
    assert.equal(await checkpoints(kept.sweepId), 1, 'kept: the spec asks for it');

    // A checkpoint left behind by an older version: gc deletes it, never the kept one.
    const leftover = Buffer.alloc(4096, 7);
    await s.pool.query(
      `INSERT INTO checkpoints (cell_id, epoch, step, data, size_bytes)
       SELECT id, 2, 0, $2, $3 FROM cells WHERE sweep_id = $1 AND idx = 0`,
      [dropped.sweepId, leftover, leftover.length],
    );
    const gc = cli('db', 'gc', '--json');
    assert.equal(gc.status, 0, gc.stderr);
    const report = JSON.parse(gc.stdout);
    assert.equal(report.checkpointsDeleted, 1);
    assert.equal(report.bytesFreed, 4096);
    assert.equal(await checkpoints(dropped.sweepId), 0);
    assert.equal(await checkpoints(kept.sweepId), 1);

    // Delete without --yes: exit 2, what would go, nothing gone.
    const dry = cli('sweep', 'delete', kept.sweepId);
    assert.equal(dry.status, 2);
    assert.match(dry.stderr, /removes 1 cells, 2 epoch metrics, \d+ AM results, 1 checkpoints .*run again with --yes/);
    assert.equal(await checkpoints(kept.sweepId), 1);
    const del = cli('sweep', 'delete', kept.sweepId, '--yes', '--json');
    assert.equal(del.status, 0, del.stderr);
    assert.equal(JSON.parse(del.stdout).deleted, true);
    const left = await s.pool.query(
      `SELECT (SELECT count(*) FROM sweeps WHERE id = $1)::int AS sweeps, (SELECT count(*) FROM cells WHERE sweep_id = $1)::int AS cells`,
      [kept.sweepId],
    );
    assert.deepEqual(left.rows[0], { sweeps: 0, cells: 0 });
    assert.equal(cli('sweep', 'delete', 'no-such-sweep', '--yes').status, 2);
  });
});
