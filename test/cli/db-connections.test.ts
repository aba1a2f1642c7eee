import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { packageRoot } from '../../services/paths';
import { serviceEnv, useServices } from '../helpers/services';
import { launch, tinySpec, waitForSweep, workers } from '../helpers/sweeps';

const BIN = join(packageRoot(), 'bin', 'proxysweep.js');

describe('the PostgreSQL connection budget', () => {
  const fx = useServices();

  test('"too many clients" is one line naming PROXYSWEEP_DB_POOL and pgbouncer (exit 2), for the CLI and a worker', async () => {
    const s = fx.s;
    // A role allowed one connection stands in for a server whose max_connections is used up: PostgreSQL
    // refuses both with SQLSTATE 53300 (a superuser would be exempt from the limit).
    await s.pool.query(`CREATE ROLE budget LOGIN PASSWORD 'budget-pw' CONNECTION LIMIT 1`);
    const url = new URL(s.targets.databaseUrl);
    url.username = 'budget';
    url.password = 'budget-pw';
    const holder = new pg.Client({ connectionString: url.toString() });
    await holder.connect();
    try {
      const env = serviceEnv(s, { DATABASE_URL: url.toString() });
      for (const args of [
        ['sweep', 'list'],
        ['worker', '--task-queue', 'tq-budget', '--backend', 'cpu'],
      ]) {
        const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 });
        assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0], /too many connections for role "budget"/);
        assert.match(lines[0], /PROXYSWEEP_DB_POOL/);
        assert.match(lines[0], /pgbouncer/);
        assert.ok(!lines[0].includes('budget-pw'), 'no password in the message');
      }
    } finally {
      await holder.end();
      await s.pool.query('DROP ROLE budget');
    }
  });

  test('a worker process holds at most one connection by default, through a whole cell', async () => {
    const s = fx.s;
    const pool = workers(s, 1, 'tq-budget-pool');
    fx.workers.push(pool);
    const { ctx, sweepId } = await launch(
      s,
      tinySpec('budget', {
        grid: { seed: [0] },
        am: { backwardSlopes: [0, 1], steps: 3, units: [0, 1] },
        execution: { maxParallel: 1, taskQueue: 'tq-budget-pool', timeouts: { heartbeat: '10s' } },
      }),
    );
    fx.contexts.push(ctx);
    const name = `proxysweep worker %:${pool.processes[0].pid}`;
    let most = 0;
    let done = false;
    const finished = waitForSweep(s, sweepId, 120_000).finally(() => (done = true));
    while (!done) {
      const r = await s.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE $1',
        [name],
      );
      most = Math.max(most, r.rows[0].n);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await finished, 'succeeded');
    assert.equal(most, 1, 'one connection, shared by training, AM, workflow tasks, heartbeats and health probes');
  });
});
