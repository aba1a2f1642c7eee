import { resolveTargets } from '../../config';
import { resolveDataDir } from '../../paths';
import { collectGarbage, createPool, migrate, pingDatabase, redactDatabaseUrl, LATEST_VERSION } from '../../db';
import type { Output } from '../output';
import { withSweepContext, type GlobalOptions } from './shared';

/** `db migrate`: applies pending schema migrations (also done automatically by workers and launchers). */
export async function dbMigrateCommand(opts: GlobalOptions, out: Output) {
  const dataDir = resolveDataDir(opts.dataDir);
  const url = process.env.DATABASE_URL || resolveTargets(dataDir).databaseUrl;
  const pool = createPool(url);
  try {
    await pingDatabase(pool, redactDatabaseUrl(url));
    const applied = await migrate(pool);
    out.result({ applied, version: LATEST_VERSION });
    out.line(
      applied.length
        ? `applied migrations ${applied.join(', ')}; schema at version ${LATEST_VERSION}`
        : `schema already at version ${LATEST_VERSION}`,
    );
    return applied;
  } finally {
    await pool.end();
  }
}

/** `db gc`: deletes checkpoints nothing needs any more and reports what it freed. */
export async function dbGcCommand(opts: GlobalOptions, out: Output) {
  const report = await withSweepContext(opts, (ctx) => collectGarbage(ctx.pool), { needTemporal: false });
  out.result(report);
  out.line(
    `deleted ${report.checkpointsDeleted} checkpoint(s) of succeeded cells (${mb(report.bytesFreed)} of data); ` +
      `checkpoints table ${mb(report.tableBytesBefore)} → ${mb(report.tableBytesAfter)} on disk ` +
      '(freed space is reused by PostgreSQL; `VACUUM FULL checkpoints` returns it to the OS, locking the table)',
  );
  return report;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
