import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startTestServices, serviceEnv, eventually, type TestServices } from '../helpers/services';
import { launch, tinySpec, waitForSweep, workers } from '../helpers/sweeps';
import { queryProgress, resumeSweep, type SweepContext } from '../../services/sweeps';
import type { LocalWorkers } from '../../services/local/workers';
import { packageRoot } from '../../services/paths';
import { cellWorkflowId } from '../../workflows/ids';

describe('pause, resize, cancel and resume a running sweep from the CLI', () => {
  let s: TestServices;
  let ctx: SweepContext;
  let w: LocalWorkers;
  let sweepId: string;
  const count = async (status: string) =>
    (
      await s.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM cells WHERE sweep_id = $1 AND status = $2', [
        sweepId,
        status,
      ])
    ).rows[0].n;
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [join(packageRoot(), 'bin', 'proxysweep.js'), ...args], {
      env: serviceEnv(s),
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };

  /** The workflow's history once it has no workflow task pending (it has decided on everything it received). */
  const settledHistory = (workflowId: string) =>
    eventually(
      async () => {
        const { events } = await s.client.workflow.getHandle(workflowId).fetchHistory();
        const last = events?.at(-1);
        return last?.workflowTaskCompletedEventAttributes ? events! : undefined;
      },
      30_000,
      `${workflowId} to settle`,
    );

  before(async () => {
    s = await startTestServices();
    w = workers(s, 2, 'tq-ctl', { PROXYSWEEP_TEST_STEP_DELAY_MS: '100' });
    ({ ctx, sweepId } = await launch(
      s,
      tinySpec('ctl', {
        base: { dataset: 'synthetic', epochs: 2, batchSize: 32, learningRate: 0.01, trainLimit: 256, testLimit: 64 },
        grid: { backwardSlope: [0, 0.5, 1], seed: [0, 1] },
        am: { backwardSlopes: [1], steps: 2, units: [0] },
        execution: {
          maxParallel: 1,
          taskQueue: 'tq-ctl',
          timeouts: { heartbeat: '5s' },
          checkpointEvery: 0,
          keepCheckpoints: true,
        },
      }),
    ));
  });
  after(async () => {
    await w?.stop();
    await ctx?.close();
    await s?.stop();
  });

  test('pause: running cells finish, no new cell starts; the sweep shows paused', async () => {
    await eventually(async () => (await count('running')) === 1, 60_000, 'a running cell');
    cli('sweep', 'pause', sweepId);
    await eventually(async () => (await count('running')) === 0, 60_000, 'the running cell to finish');
    // Proof that nothing starts, observed rather than slept on: the workflow has taken in the cell's end (its
    // window is empty), finished deciding (no workflow task pending), and started no child since the pause.
    await eventually(
      async () => (await queryProgress(ctx, `sweep-${sweepId}`))?.running.length === 0,
      30_000,
      'window empty',
    );
    const events = await settledHistory(`sweep-${sweepId}`);
    const pausedAt = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'pause');
    assert.ok(pausedAt > 0, 'the pause signal is in the history');
    const startsAfter = events.slice(pausedAt).filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
    assert.equal(startsAfter.length, 0, 'no cell started after the pause');
    assert.ok(
      (await queryProgress(ctx, `sweep-${sweepId}`))!.queued + (await count('pending')) > 0,
      'cells are waiting',
    );
    assert.equal((await queryProgress(ctx, `sweep-${sweepId}`))?.paused, true);
    const status = JSON.parse(cli('sweep', 'status', sweepId, '--json'));
    assert.equal(status.status, 'paused');
  });

  test('resize is validated, applied live and persisted', async () => {
    const r = spawnSync(
      process.execPath,
      [join(packageRoot(), 'bin', 'proxysweep.js'), 'sweep', 'resize', sweepId, '--max-parallel', '5000'],
      { env: serviceEnv(s), encoding: 'utf8' },
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--max-parallel must be an integer from 1 to 1000/);
    assert.equal(JSON.parse(cli('sweep', 'resize', sweepId, '--max-parallel', '2', '--json')).maxParallel, 2);
    assert.equal((await queryProgress(ctx, `sweep-${sweepId}`))?.maxParallel, 2);
    const row = await s.pool.query('SELECT max_parallel FROM sweeps WHERE id = $1', [sweepId]);
    assert.equal(row.rows[0].max_parallel, 2);
  });

  test('unpause runs up to the new parallelism', async () => {
    cli('sweep', 'unpause', sweepId);
    await eventually(async () => (await count('running')) === 2, 60_000, 'two cells running at once');
  });

  test('cancel stops running cells, keeping their checkpoints; an immediate resume finishes the rest', async () => {
    const succeeded = await s.pool.query(
      `SELECT cell_key, attempts FROM cells WHERE sweep_id = $1 AND status = 'succeeded'`,
      [sweepId],
    );
    const running = await s.pool.query<{ cell_key: string }>(
      `SELECT cell_key FROM cells WHERE sweep_id = $1 AND status = 'running'`,
      [sweepId],
    );
    assert.equal(running.rowCount, 2);
    cli('sweep', 'cancel', sweepId);
    assert.equal(await waitForSweep(s, sweepId), 'cancelled');
    // Resume at once, while the cells of the cancelled run are still stopping (they checkpoint first).
    const stillOpen = await Promise.all(
      running.rows.map(
        async (c) => (await s.client.workflow.getHandle(cellWorkflowId(sweepId, c.cell_key)).describe()).status.name,
      ),
    );
    const r = await resumeSweep(ctx, sweepId);
    assert.equal(r.started, true);
    assert.equal(await waitForSweep(s, sweepId), 'succeeded');
    assert.ok(stillOpen.includes('RUNNING'), `a cell was still stopping when resume began (${stillOpen.join(', ')})`);
    const kept = await s.pool.query(
      `SELECT c.cell_key, k.step FROM cells c JOIN checkpoints k ON k.cell_id = c.id WHERE c.sweep_id = $1 AND c.cell_key = ANY($2)`,
      [sweepId, running.rows.map((c) => c.cell_key)],
    );
    assert.equal(kept.rowCount, 2, 'the stopped cells kept their checkpoints');
    const final = await s.pool.query('SELECT cell_key, attempts, status FROM cells WHERE sweep_id = $1', [sweepId]);
    assert.ok(final.rows.every((c) => c.status === 'succeeded'));
    for (const c of succeeded.rows)
      assert.equal(final.rows.find((f) => f.cell_key === c.cell_key).attempts, c.attempts);
    const metrics = await s.pool.query(
      'SELECT count(*)::int AS n FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id WHERE c.sweep_id = $1',
      [sweepId],
    );
    assert.equal(metrics.rows[0].n, 6 * 2);
  });
});
