/**
 * Database growth per cell-hour of training (not a test): trains one small cell in-process for a fixed number of
 * short epochs, once with a checkpoint after every epoch (checkpointEvery: 0, the old behaviour) and once with
 * the default 5-minute cadence, and measures the WAL written and the size of the tables. The epochs are short,
 * so the default run checkpoints only after its last epoch: the ratio is what the cadence saves per epoch; an hour
 * at the default cadence writes about 12 checkpoints whatever the epoch rate.
 *
 *   npm run bench:db-growth [-- --json] [-- --epochs 60]
 */
import { insertOneCellSweep } from '../test/helpers/one-cell-sweep';
import { createPool, migrate, type Pool } from '../services/db';
import { startEmbeddedPostgres, stopEmbeddedPostgres } from '../services/db/embedded';
import { runTrainCell } from '../services/cells';
import { DatasetCache } from '../services/cells/dataset-cache';
import { initBackend } from '../services/engine';
import { validateSpec } from '../services/spec';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const json = args.includes('--json');
const epochs = Number(args[args.indexOf('--epochs') + 1]) || 60;

function emit(record: Record<string, unknown>): void {
  if (json) console.log(JSON.stringify({ bench: 'db-growth', ...record }));
  else
    console.log(
      Object.entries(record)
        .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(3) : v}`)
        .join('  '),
    );
}

async function walBytes(pool: Pool): Promise<number> {
  const r = await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  const [hi, lo] = r.rows[0].lsn.split('/').map((x) => parseInt(x, 16));
  return hi * 2 ** 32 + lo;
}

async function tablesBytes(pool: Pool): Promise<number> {
  const r = await pool.query<{ n: string }>(
    `SELECT (pg_total_relation_size('checkpoints') + pg_total_relation_size('epoch_metrics'))::bigint AS n`,
  );
  return Number(r.rows[0].n);
}

async function trainOnce(pool: Pool, name: string, checkpointEvery: number | string) {
  const spec = validateSpec({
    name,
    base: { dataset: 'synthetic', arch: 'small-cnn', epochs, batchSize: 64, trainLimit: 64, testLimit: 16 },
    grid: { seed: [0] },
    execution: { checkpointEvery },
  });
  const id = await insertOneCellSweep(pool, spec);
  const [wal0, size0] = [await walBytes(pool), await tablesBytes(pool)];
  const t0 = performance.now();
  await runTrainCell({ pool, workerId: 'bench', backend: 'wasm', datasets: new DatasetCache(undefined) }, id, {
    heartbeat: () => undefined,
    signal: new AbortController().signal,
  });
  const seconds = (performance.now() - t0) / 1000;
  const wal = (await walBytes(pool)) - wal0;
  const size = (await tablesBytes(pool)) - size0;
  return { seconds, wal, size };
}

async function main(): Promise<void> {
  await initBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'ps-dbgrowth-'));
  chmodSync(dir, 0o755);
  const pg = await startEmbeddedPostgres(join(dir, 'pg'), 15933);
  const pool = createPool(pg.databaseUrl, 2);
  try {
    await migrate(pool);
    const every = await trainOnce(pool, 'every-epoch', 0);
    const cadence = await trainOnce(pool, 'cadence', '5m');
    for (const [policy, r] of [
      ['checkpoint every epoch (baseline)', every],
      ['checkpointEvery 5m (default)', cadence],
    ] as const) {
      emit({
        policy,
        epochs,
        seconds: r.seconds,
        wal_mb: r.wal / 2 ** 20,
        tables_growth_mb: r.size / 2 ** 20,
        wal_mb_per_epoch: r.wal / epochs / 2 ** 20,
      });
    }
    emit({
      measure: 'ratio',
      what: 'WAL written, default vs every epoch',
      ratio: cadence.wal / every.wal,
    });
  } finally {
    await pool.end();
    await stopEmbeddedPostgres(join(dir, 'pg'));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
