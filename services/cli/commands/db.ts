import { resolveTargets } from '../../config';
import { resolveDataDir } from '../../paths';
import { createPool, migrate, pingDatabase, redactDatabaseUrl, LATEST_VERSION } from '../../db';
import type { Output } from '../output';
import type { GlobalOptions } from './shared';

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
