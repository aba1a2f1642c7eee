import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, useServices } from '../helpers/services';
import { launch, tinySpec, waitForSweep, workers } from '../helpers/sweeps';
import { extendSweep } from '../../services/sweeps';
import { validateSpec } from '../../services/spec';
import { UserError } from '../../services/errors';

describe('sweep extend: growing a running and a finished sweep', () => {
  const fx = useServices();

  test('added cells run once, in the same sweep; existing cells are neither duplicated nor re-run', async () => {
    const s = fx.s;
    const spec = (seeds: number[], extra: Record<string, unknown> = {}) =>
      tinySpec('grow', {
        grid: { seed: seeds },
        am: undefined,
        execution: {
          maxParallel: 1,
          taskQueue: 'tq-grow',
          retries: { maximumAttempts: 3, initialInterval: '1s' },
          timeouts: { heartbeat: '5s' },
          checkpointEvery: 0,
        },
        ...extra,
      });
    fx.workers.push(workers(s, 1, 'tq-grow', { PROXYSWEEP_TEST_STEP_DELAY_MS: '300' }));
    const { ctx, sweepId } = await launch(s, spec([0, 1]));
    fx.contexts.push(ctx);

    await assert.rejects(extendSweep(ctx, sweepId, validateSpec(spec([0]))), /drops 1 cell/);
    await assert.rejects(
      extendSweep(ctx, sweepId, validateSpec(spec([0, 1, 2], { am: { backwardSlopes: [0] } }))),
      (err: unknown) => err instanceof UserError && /changes am/.test(err.message),
    );
    const same = await extendSweep(ctx, sweepId, validateSpec(spec([0, 1])));
    assert.equal(same.how, 'nothing added');

    // While the first cell trains (the second still waits): the running workflow takes the new cell.
    await eventually(
      async () =>
        (await s.pool.query(`SELECT 1 FROM cells WHERE sweep_id = $1 AND idx = 0 AND status = 'running'`, [sweepId]))
          .rowCount,
      60_000,
      'the first cell to run',
    );
    const running = await extendSweep(ctx, sweepId, validateSpec(spec([0, 1, 2])));
    assert.deepEqual([running.added, running.total, running.how], [1, 3, 'running sweep']);
    assert.equal(await waitForSweep(s, sweepId), 'succeeded');
    const finished = await extendSweep(ctx, sweepId, validateSpec(spec([0, 1, 2, 3])));
    assert.deepEqual([finished.added, finished.total, finished.how], [1, 4, 'new run']);
    assert.equal(await waitForSweep(s, sweepId), 'succeeded');

    const cells = await s.pool.query<{ idx: number; seed: number; status: string; attempts: number }>(
      'SELECT idx, seed, status, attempts FROM cells WHERE sweep_id = $1 ORDER BY idx',
      [sweepId],
    );
    assert.deepEqual(
      cells.rows.map((c) => [c.idx, c.seed, c.status, c.attempts]),
      [
        [0, 0, 'succeeded', 1],
        [1, 1, 'succeeded', 1],
        [2, 2, 'succeeded', 1],
        [3, 3, 'succeeded', 1],
      ],
    );
    const sweep = await s.pool.query('SELECT total_cells FROM sweeps WHERE id = $1', [sweepId]);
    assert.equal(sweep.rows[0].total_cells, 4);
  });
});
