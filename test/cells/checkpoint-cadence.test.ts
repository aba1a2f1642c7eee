import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { insertOneCellSweep } from '../helpers/one-cell-sweep';
import { createPool, migrate, type Pool } from '../../services/db';
import { startEmbeddedPostgres, stopEmbeddedPostgres } from '../../services/db/embedded';
import { runTrainCell } from '../../services/cells';
import { DatasetCache } from '../../services/cells/dataset-cache';
import { initBackend } from '../../services/engine';
import { validateSpec } from '../../services/spec';
import type { Logger } from '../../services/log';

/** Trains one real cell in-process and returns the epochs it stored a checkpoint with (from the worker's log). */
async function trainWithCadence(pool: Pool, name: string, checkpointEvery: number | string): Promise<number[]> {
  const spec = validateSpec({
    name,
    base: { dataset: 'synthetic', epochs: 4, batchSize: 64, trainLimit: 128, testLimit: 32 },
    grid: { seed: [0] },
    execution: { checkpointEvery },
  });
  const id = await insertOneCellSweep(pool, spec);
  const lines: string[] = [];
  const log = {
    info: (m: string) => lines.push(m),
    warn: () => undefined,
    error: () => undefined,
  } as unknown as Logger;
  await runTrainCell({ pool, workerId: 'w', backend: 'wasm', datasets: new DatasetCache(undefined), log }, id, {
    heartbeat: () => undefined,
    signal: new AbortController().signal,
  });
  const metrics = await pool.query('SELECT count(*)::int AS n FROM epoch_metrics WHERE cell_id = $1', [id]);
  assert.equal(metrics.rows[0].n, 4, 'every epoch has its metrics row');
  return lines.flatMap((l) => {
    const m = / stored epoch (\d+) with its checkpoint/.exec(l);
    return m ? [Number(m[1])] : [];
  });
}

describe('checkpoint cadence (execution.checkpointEvery)', () => {
  let dir: string;
  let pool: Pool;
  before(async () => {
    await initBackend('wasm');
    dir = mkdtempSync(join(tmpdir(), 'ps-cadence-'));
    chmodSync(dir, 0o755);
    const pg = await startEmbeddedPostgres(join(dir, 'pg'), 15733);
    pool = createPool(pg.databaseUrl, 2);
    await migrate(pool);
  });
  after(async () => {
    await pool?.end();
    await stopEmbeddedPostgres(join(dir, 'pg'));
    rmSync(dir, { recursive: true, force: true });
  });

  test('0: a checkpoint after every epoch', async () => {
    assert.deepEqual(await trainWithCadence(pool, 'every-epoch', 0), [1, 2, 3, 4]);
  });

  test('a long cadence: only the last epoch writes one (short epochs no longer flood the database)', async () => {
    assert.deepEqual(await trainWithCadence(pool, 'hourly', '1h'), [4]);
    const ck = await pool.query(
      `SELECT k.epoch, k.step FROM checkpoints k JOIN cells c ON c.id = k.cell_id JOIN sweeps s ON s.id = c.sweep_id
       WHERE s.name = 'hourly'`,
    );
    assert.deepEqual(ck.rows, [{ epoch: 4, step: 0 }]);
  });
});
