import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, LATEST_VERSION, migrate, schemaVersion, type Pool } from '../../services/db';
import { upsertAmResult, listAmResults } from '../../services/db/am-results';
import { startEmbeddedPostgres, stopEmbeddedPostgres } from '../../services/db/embedded';

describe('migration 4: the AM protocol joins the key of every AM result', () => {
  let dir: string;
  let pool: Pool;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ps-mig-'));
    chmodSync(dir, 0o755);
    const pg = await startEmbeddedPostgres(join(dir, 'pg'), 15533);
    pool = createPool(pg.databaseUrl, 2);
  });
  after(async () => {
    await pool?.end();
    await stopEmbeddedPostgres(join(dir, 'pg'));
    rmSync(dir, { recursive: true, force: true });
  });

  test('rows of an existing sweep keep their values and get the protocol they ran with (Adam)', async () => {
    assert.deepEqual(await migrate(pool, { upTo: 3 }), [1, 2, 3]);
    const oldSpec = {
      base: {},
      grid: { seed: [0] },
      am: { backwardSlopes: [0, 0.3], steps: 100, learningRate: 0.05, units: 'all', init: 'zeros' },
    };
    await pool.query(
      `INSERT INTO sweeps (id, name, spec, spec_hash, max_parallel, task_queue, total_cells, workflow_id)
       VALUES ('old-1', 'old', $1, 'h', 1, 'q', 1, 'sweep-old-1')`,
      [oldSpec],
    );
    const cell = await pool.query<{ id: number }>(
      `INSERT INTO cells (sweep_id, cell_key, idx, params, dataset, arch, activation, forward_slope, backward_slope, seed, epochs_total)
       VALUES ('old-1', 'k', 0, '{}', 'digits', 'small-cnn', 'relu', 0, 0, 0, 1) RETURNING id`,
    );
    const cellId = cell.rows[0].id;
    for (const [slope, value] of [
      [0, 37.2],
      [0.3, 33.7],
    ]) {
      await pool.query(
        `INSERT INTO am_results (cell_id, am_backward_slope, unit, value, initial_value, steps, trace, input_shape, image_png)
         VALUES ($1, $2, 0, $3, 0, 100, '{0,1}', '{28,28,1}', '\\x89')`,
        [cellId, slope, value],
      );
    }

    assert.deepEqual(await migrate(pool, { upTo: 4 }), [4]);
    assert.equal(await schemaVersion(pool), 4);
    const rows = await listAmResults(pool, 'old-1', false);
    assert.deepEqual(
      rows.map((r) => [r.protocol, r.am_backward_slope, r.value]),
      [
        ['adam lr=0.05 steps=100 init=zeros norm=none jitter=0 blur=off', 0, 37.2],
        ['adam lr=0.05 steps=100 init=zeros norm=none jitter=0 blur=off', 0.3, 33.7],
      ],
    );
    assert.equal(rows[0].protocol_params.optimizer, 'adam');
    assert.equal(rows[0].start_grad_zero_fraction, null);
    const spec = (await pool.query(`SELECT spec FROM sweeps WHERE id = 'old-1'`)).rows[0].spec;
    assert.equal(spec.am.optimizer, 'adam', "the sweep's spec now names the optimizer it ran with");

    // Another protocol on the same (cell, slope, unit) is a new row, never an overwrite.
    await upsertAmResult(pool, {
      cell_id: cellId,
      protocol: 'ascent lr=0.1 steps=200 init=zeros norm=none jitter=0 blur=off',
      protocol_params: { optimizer: 'ascent' },
      am_backward_slope: 0,
      unit: 0,
      value: 20,
      initial_value: 0,
      steps: 200,
      trace: [0, 20],
      input_shape: [28, 28, 1],
      image_png: Buffer.from([0x89]),
      start_grad_zero_fraction: 0.5,
      start_grad_l2: 1,
    });
    const after = await listAmResults(pool, 'old-1', false);
    await migrate(pool);
    assert.equal(await schemaVersion(pool), LATEST_VERSION, 'later migrations apply on top');
    assert.equal(after.length, 3);
    assert.equal(after.find((r) => r.protocol.startsWith('adam') && r.am_backward_slope === 0)!.value, 37.2);
  });
});
