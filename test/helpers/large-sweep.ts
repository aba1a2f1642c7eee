import type { Queryable } from '../../services/db';

/**
 * Writes a sweep of `cells` cells straight into PostgreSQL (no workflow, no training), for tests and benchmarks
 * of what reads a big sweep: every cell succeeded with `epochs` epoch rows, and the first `amCells` cells with AM
 * results (2 slopes × 4 classes, a 6-step trace and a tiny PNG each). Set-based SQL: 100,000 cells take seconds.
 */
export async function insertLargeSweep(
  q: Queryable,
  sweepId: string,
  opts: { cells: number; epochs?: number; amCells?: number },
): Promise<void> {
  const epochs = opts.epochs ?? 2;
  const amCells = opts.amCells ?? 0;
  const spec = {
    base: { dataset: 'synthetic' },
    grid: { seed: ['…'] },
    am: { backwardSlopes: [0, 0.5], steps: 5, units: 'all', optimizer: 'ascent' },
    execution: { maxParallel: 8, taskQueue: 'big' },
  };
  await q.query(
    `INSERT INTO sweeps (id, name, spec, spec_hash, status, max_parallel, task_queue, total_cells, workflow_id, started_at, finished_at)
     VALUES ($1, 'large', $2, 'x', 'succeeded', 8, 'big', $3, 'sweep-' || $1, now() - interval '1 hour', now())`,
    [sweepId, spec, opts.cells],
  );
  await q.query(
    `INSERT INTO cells (sweep_id, cell_key, idx, params, dataset, arch, activation, forward_slope, backward_slope, seed,
                        status, attempts, worker, backend, epochs_total, epochs_done, test_accuracy, test_loss,
                        started_at, finished_at)
     SELECT $1, lpad(to_hex(i), 16, '0'), i,
            jsonb_build_object('dataset', 'synthetic', 'arch', 'small-cnn', 'seed', i / 4, 'backwardSlope', (i % 4) * 0.25),
            'synthetic', 'small-cnn', CASE WHEN i % 4 = 0 THEN 'relu' ELSE 'proxy' END, 0, (i % 4) * 0.25, i / 4,
            'succeeded', 1, 'w1', 'wasm', $2, $2, 0.8 + (i % 7) * 0.01, 0.5, now() - interval '50 minutes', now() - interval '49 minutes'
     FROM generate_series(0, $3 - 1) AS i`,
    [sweepId, epochs, opts.cells],
  );
  await q.query(
    `INSERT INTO epoch_metrics (cell_id, epoch, train_loss, train_accuracy, test_loss, test_accuracy, images_per_sec, learning_rate, worker, backend)
     SELECT c.id, e, 1.0 / e, 0.7 + 0.05 * e, 0.9 / e, 0.7 + 0.05 * e, 1000, 0.01, 'w1', 'wasm'
     FROM cells c CROSS JOIN generate_series(1, $2) AS e WHERE c.sweep_id = $1`,
    [sweepId, epochs],
  );
  if (amCells > 0) {
    await q.query(
      `INSERT INTO am_results (cell_id, protocol, protocol_params, am_backward_slope, unit, value, initial_value, steps, trace,
                               input_shape, image_png, start_grad_zero_fraction, start_grad_l2)
       SELECT c.id, 'ascent lr=0.1 steps=5 init=zeros norm=none jitter=0 blur=off', '{"optimizer": "ascent"}', s, u,
              2 + s + u * 0.1, 0.1, 5, ARRAY[0.1, 0.5, 1, 1.5, 2, 2 + s]::real[], ARRAY[8, 8, 1], '\\x89504e47'::bytea,
              CASE WHEN s = 0 THEN 0.5 ELSE 0 END, 1 + s
       FROM cells c CROSS JOIN (VALUES (0::float8), (0.5)) AS slopes(s) CROSS JOIN generate_series(0, 3) AS u
       WHERE c.sweep_id = $1 AND c.idx < $2`,
      [sweepId, amCells],
    );
  }
}
