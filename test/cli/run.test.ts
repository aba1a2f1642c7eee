import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../services/paths';
import { localDatabaseUrl, readLocalState, servicesDown } from '../../services/local/stack';
import { createPool, type Pool } from '../../services/db';
import { eventually } from '../helpers/services';
import { tinySpec, writeSpec } from '../helpers/sweeps';
import { portOpen } from '../../services/net';

const BIN = join(packageRoot(), 'bin', 'proxysweep.js');

describe('`proxysweep run` on the embedded default', () => {
  let dir: string;
  let pool: Pool | undefined;
  let specPath: string;
  // No DATABASE_URL / TEMPORAL_ADDRESS: run must start its own embedded services.
  const env = (extra: Record<string, string> = {}) => {
    const e: NodeJS.ProcessEnv = { ...process.env, PROXYSWEEP_LOG_LEVEL: 'warn', ...extra };
    for (const k of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'PROXYSWEEP_HOME']) delete e[k];
    return e;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ps-run-'));
    chmodSync(dir, 0o755);
    specPath = writeSpec(
      dir,
      tinySpec('run-restart', { execution: { maxParallel: 1, taskQueue: 'tq-run', timeouts: { heartbeat: '5s' } } }),
    );
  });
  after(async () => {
    await pool?.end();
    for (const d of ['data', 'interrupted']) await servicesDown(join(dir, d));
    rmSync(dir, { recursive: true, force: true });
  });

  test('killing the CLI mid-sweep and running it again continues the same sweep', async () => {
    const dataDir = join(dir, 'data');
    const first = spawn(
      process.execPath,
      [BIN, 'run', specPath, '--data-dir', dataDir, '--workers', '2', '--no-progress', '--no-report'],
      {
        env: env({ PROXYSWEEP_TEST_STEP_DELAY_MS: '150' }),
        stdio: 'ignore',
      },
    );
    const url = await eventually(async () => localDatabaseUrl(dataDir), 60_000, 'embedded services');
    pool = createPool(url);
    const p = pool;
    const succeededBeforeKill = await eventually(
      async () => {
        const r = await p
          .query(`SELECT cell_key, attempts FROM cells WHERE status = 'succeeded'`)
          .catch(() => undefined);
        return r && r.rowCount! >= 1 ? r.rows : undefined;
      },
      120_000,
      'a first finished cell',
    );
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const unfinished = await p.query(`SELECT count(*)::int AS n FROM cells WHERE status <> 'succeeded'`);
    assert.ok(unfinished.rows[0].n >= 1, 'killed before the end');

    const second = spawnSync(
      process.execPath,
      [
        BIN,
        'run',
        specPath,
        '--data-dir',
        dataDir,
        '--workers',
        '2',
        '--keep-services',
        '--json',
        '--report',
        join(dir, 'report'),
      ],
      {
        env: env(),
        encoding: 'utf8',
        timeout: 180_000,
      },
    );
    assert.equal(second.status, 0, second.stderr);
    const result = JSON.parse(second.stdout);
    assert.match(result.action, /^(attached|resumed)$/);
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(result.counts, { pending: 0, running: 0, succeeded: 4, failed: 0, cancelled: 0, pruned: 0 });
    assert.equal(result.results.accuracy.length, 2);
    assert.equal(result.report, join(dir, 'report', 'index.html'));
    assert.ok(existsSync(result.report));

    const sweeps = await p.query('SELECT id FROM sweeps');
    assert.equal(sweeps.rowCount, 1, 'the same sweep, not a new one');
    assert.equal(result.sweepId, sweeps.rows[0].id);
    const rows = await p.query(
      `SELECT (SELECT count(*)::int FROM epoch_metrics) AS metrics, (SELECT count(*)::int FROM am_results) AS am, (SELECT count(*)::int FROM cells) AS cells`,
    );
    assert.deepEqual(rows.rows[0], { metrics: 4 * 2, am: 4 * 2 * 4, cells: 4 });
    for (const c of succeededBeforeKill) {
      const now = await p.query('SELECT attempts FROM cells WHERE cell_key = $1', [c.cell_key]);
      assert.equal(now.rows[0].attempts, c.attempts, 'finished cells were not run again');
    }
  });

  test('Ctrl-C stops following, stops what run started, exits 130; the next run finishes the sweep', async () => {
    const dataDir = join(dir, 'interrupted');
    const specFile = writeSpec(dir, tinySpec('run-sigint', { execution: { maxParallel: 1, taskQueue: 'tq-sigint' } }));
    const child = spawn(
      process.execPath,
      [BIN, 'run', specFile, '--data-dir', dataDir, '--workers', '1', '--no-report'],
      {
        env: env({ PROXYSWEEP_TEST_STEP_DELAY_MS: '150' }),
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    await eventually(async () => /0 done, 1 running/.test(stderr), 120_000, 'a running cell');
    const state = readLocalState(dataDir)!;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 130);
    assert.match(stderr, /interrupted: cells keep their checkpoints; run the same command again/);
    assert.equal(await portOpen(state.postgres!.port), false, 'services it started are stopped');
    assert.equal(await portOpen(state.temporal!.port), false);

    const again = spawnSync(process.execPath, [BIN, 'run', specFile, '--data-dir', dataDir, '--json', '--no-report'], {
      env: env(),
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.equal(again.status, 0, again.stderr);
    const result = JSON.parse(again.stdout);
    assert.equal(result.action, 'attached', 'the workflow survived the server restart');
    assert.equal(result.status, 'succeeded');
  });

  test('a third run reports the finished sweep, and stops the services it started', async () => {
    const dataDir = join(dir, 'data');
    const state = readLocalState(dataDir);
    await pool?.end();
    pool = undefined;
    const third = spawnSync(
      process.execPath,
      [BIN, 'run', specPath, '--data-dir', dataDir, '--no-progress', '--no-report'],
      {
        env: env(),
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    assert.equal(third.status, 0, third.stderr);
    assert.match(third.stdout, /has already succeeded/);
    assert.match(third.stdout, /Test accuracy per training arm \(mean ± std over seeds\)/);
    assert.equal(existsSync(join(dataDir, 'services.json')), false);
    assert.equal(await portOpen(state!.postgres!.port), false);
    assert.equal(await portOpen(state!.temporal!.port), false);
  });
});
