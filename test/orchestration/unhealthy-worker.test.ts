import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../services/paths';
import { useServices, serviceEnv, eventually } from '../helpers/services';
import { launch, tinySpec, waitForSweep, workers } from '../helpers/sweeps';

const BIN = join(packageRoot(), 'bin', 'proxysweep.js');

describe('a worker that reaches Temporal but not PostgreSQL', () => {
  const fx = useServices();

  test('stops taking work and says why; `sweep status` shows the sweep stalled and why; SIGTERM stops it; a healthy worker finishes the sweep', async () => {
    const s = fx.s;
    // The worker logs in as its own role, whose password then changes under it: the case of a worker left
    // running against a PostgreSQL whose password changed.
    await s.pool.query(`CREATE ROLE stale_worker LOGIN SUPERUSER PASSWORD 'old-password'`);
    const url = new URL(s.targets.databaseUrl);
    url.username = 'stale_worker';
    url.password = 'old-password';
    const log = join(s.dir, 'stale-worker.log');
    const out = openSync(log, 'a');
    const stale = spawn(process.execPath, [BIN, 'worker', '--task-queue', 'tq-stale', '--backend', 'cpu'], {
      env: serviceEnv(s, { DATABASE_URL: url.toString(), PROXYSWEEP_LOG_LEVEL: 'info' }),
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    const exited = new Promise<number | null>((resolve) => stale.once('exit', (code) => resolve(code)));
    try {
      const id = await eventually(
        async () =>
          (await s.pool.query<{ id: string }>(`SELECT id FROM workers WHERE task_queue = 'tq-stale'`)).rows[0]?.id,
        60_000,
        'the worker to register',
      );
      await s.pool.query(`ALTER ROLE stale_worker PASSWORD 'new-password'`);
      // Its open connection stays logged in until it goes; the next one fails.
      await s.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'stale_worker'`);
      await eventually(
        async () => /is unhealthy: cannot reach PostgreSQL at .*password authentication failed/.test(readLog(log)),
        60_000,
        'the worker to report itself unhealthy',
      );

      const { ctx, sweepId } = await launch(
        s,
        tinySpec('stalled', {
          base: { dataset: 'synthetic', epochs: 1, batchSize: 64, trainLimit: 128, testLimit: 32 },
          grid: { seed: [0] },
          am: undefined,
          execution: { maxParallel: 1, taskQueue: 'tq-stale', timeouts: { heartbeat: '10s' } },
        }),
      );
      fx.contexts.push(ctx);
      // A minute passes without a heartbeat from the worker (it cannot write one).
      await s.pool.query(`UPDATE workers SET last_heartbeat_at = now() - interval '2 minutes' WHERE id = $1`, [id]);
      const status = spawnStatus(s, sweepId);
      const report = JSON.parse((await status).stdout) as {
        health: { stalled: boolean; reason: string; liveWorkers: string[] };
      };
      assert.equal(report.health.stalled, true);
      assert.deepEqual(report.health.liveWorkers, []);
      assert.match(report.health.reason, /none reached PostgreSQL in the last 60 s/);
      assert.match(
        report.health.reason,
        new RegExp(`${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*cannot reach this database`),
      );
      // It took no work: the sweep's first workflow task was never started (no WorkflowTaskStarted event).
      const described = await s.client.workflow.getHandle(`sweep-${sweepId}`).describe();
      assert.equal(described.historyLength, 2, 'only WorkflowExecutionStarted and WorkflowTaskScheduled');
      const cells = await s.pool.query(`SELECT status, attempts FROM cells WHERE sweep_id = $1`, [sweepId]);
      assert.deepEqual(cells.rows, [{ status: 'pending', attempts: 0 }]);

      stale.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
      assert.equal(code, 0, 'SIGTERM is honoured while unhealthy');

      // A healthy worker takes the sweep and finishes it.
      fx.workers.push(workers(s, 1, 'tq-stale'));
      assert.equal(await waitForSweep(s, sweepId, 120_000), 'succeeded');
    } finally {
      if (stale.exitCode === null) stale.kill('SIGKILL');
      await s.pool.query('DROP OWNED BY stale_worker').catch(() => undefined);
      await s.pool.query('DROP ROLE IF EXISTS stale_worker').catch(() => undefined);
    }
  });
});

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function spawnStatus(
  s: Parameters<typeof serviceEnv>[0],
  sweepId: string,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, '--json', 'sweep', 'status', sweepId], {
      env: serviceEnv(s),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}
