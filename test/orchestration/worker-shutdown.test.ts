import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { useServices, serviceEnv, eventually } from '../helpers/services';
import { launch, tinySpec, waitForSweep, workers } from '../helpers/sweeps';
import { packageRoot } from '../../services/paths';
import { cellWorkflowId } from '../../workflows/ids';

describe('worker lifecycle', () => {
  const fx = useServices();

  test('`worker --gpus 0,1` runs one registered worker per GPU; SIGTERM stops them all and marks them stopped', async () => {
    const s = fx.s;
    const sup = spawn(
      process.execPath,
      [
        join(packageRoot(), 'bin', 'proxysweep.js'),
        'worker',
        '--gpus',
        '0,1',
        '--backend',
        'wasm',
        '--task-queue',
        'tq-gpus',
      ],
      {
        env: serviceEnv(s),
        stdio: 'ignore',
      },
    );
    const rows = await eventually(
      async () => {
        const r = await s.pool.query(
          `SELECT device, status, task_queue, slots FROM workers WHERE task_queue = 'tq-gpus' ORDER BY device`,
        );
        return r.rowCount === 2 ? r.rows : undefined;
      },
      60_000,
      'two GPU workers',
    );
    assert.deepEqual(
      rows.map((r) => [r.device, r.status, r.slots]),
      [
        ['gpu0', 'running', 1],
        ['gpu1', 'running', 1],
      ],
    );
    sup.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => sup.once('exit', (c) => resolve(c)));
    assert.equal(code, 0);
    const after = await s.pool.query(`SELECT status FROM workers WHERE task_queue = 'tq-gpus'`);
    assert.deepEqual(
      after.rows.map((r) => r.status),
      ['stopped', 'stopped'],
    );
  });

  test('SIGTERM mid-training: the worker checkpoints at the exact step, exits cleanly, and the cell resumes elsewhere', async () => {
    const s = fx.s;
    const pools = fx.workers;
    const first = workers(s, 1, 'tq-term', {
      PROXYSWEEP_TEST_STEP_DELAY_MS: '300',
      PROXYSWEEP_TEST_HEARTBEAT_THROTTLE_MS: '200',
    });
    pools.push(first);
    const { ctx, sweepId } = await launch(
      s,
      tinySpec('term', {
        base: {
          dataset: 'synthetic',
          backwardSlope: 0.3,
          epochs: 2,
          batchSize: 32,
          learningRate: 0.01,
          trainLimit: 512,
          testLimit: 64,
        },
        grid: { seed: [3] },
        am: { backwardSlopes: [0.3], steps: 2, units: [0] },
        execution: {
          maxParallel: 1,
          taskQueue: 'tq-term',
          retries: { maximumAttempts: 3, initialInterval: '1s' },
          timeouts: { heartbeat: '30s' },
        },
      }),
    );
    fx.contexts.push(ctx);
    // A few of the 16 steps of epoch 1 done, as the activity's own heartbeat reports them (the worker flushes
    // heartbeats every 200 ms in this test instead of every 24 s, so the server sees each step soon).
    const cellKey = (await s.pool.query('SELECT cell_key FROM cells WHERE sweep_id = $1', [sweepId])).rows[0].cell_key;
    const progress = await eventually(
      async () => {
        const d = await s.client.workflow
          .getHandle(cellWorkflowId(sweepId, cellKey))
          .describe()
          .catch(() => undefined);
        const payload = d?.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]?.data;
        if (!payload) return undefined;
        const details = JSON.parse(Buffer.from(payload).toString('utf8')) as { epoch: number; step: number };
        return details.epoch === 0 && details.step >= 3 ? details : undefined;
      },
      60_000,
      'training to reach step 3 of epoch 1',
    );
    assert.ok(progress.step < 16, 'still inside epoch 1');
    const proc = first.processes[0];
    proc.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) =>
      proc.exitCode !== null ? resolve(proc.exitCode) : proc.once('exit', (c) => resolve(c)),
    );
    assert.equal(code, 0, 'clean exit');
    const ck = await s.pool.query(
      'SELECT k.epoch, k.step FROM checkpoints k JOIN cells c ON c.id = k.cell_id WHERE c.sweep_id = $1',
      [sweepId],
    );
    assert.equal(ck.rowCount, 1);
    assert.ok(ck.rows[0].step > 0, `a mid-epoch checkpoint, got epoch ${ck.rows[0].epoch} step ${ck.rows[0].step}`);

    // The heartbeat timeout is long (30 s): the retry comes from the shutdown failure, not a timeout.
    pools.push(workers(s, 1, 'tq-term'));
    assert.equal(await waitForSweep(s, sweepId, 60_000), 'succeeded');
    const cell = await s.pool.query('SELECT attempts FROM cells WHERE sweep_id = $1', [sweepId]);
    assert.equal(cell.rows[0].attempts, 2);
    const metrics = await s.pool.query(
      'SELECT epoch FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id WHERE c.sweep_id = $1 ORDER BY epoch',
      [sweepId],
    );
    assert.deepEqual(
      metrics.rows.map((r) => r.epoch),
      [1, 2],
    );
  });
});
