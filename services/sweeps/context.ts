import type { Client } from '@temporalio/client';
import { assertSchemaCurrent, createPool, migrate, pingDatabase, redactDatabaseUrl, type Pool } from '../db';
import { connectClient } from '../temporal/connection';
import type { ServiceTargets } from '../config';

/** Open connections a sweep command works with. */
export interface SweepContext {
  pool: Pool;
  client: Client;
  targets: ServiceTargets;
  close(): Promise<void>;
}

/**
 * Connects to Postgres and Temporal and checks both answer before anything is written. `migrateSchema`
 * applies pending migrations (launchers); otherwise an old schema stops the command with the fix.
 */
export async function openSweepContext(
  targets: ServiceTargets,
  opts: { migrateSchema?: boolean; needTemporal?: boolean } = {},
): Promise<SweepContext> {
  const pool = createPool(targets.databaseUrl);
  try {
    await pingDatabase(pool, redactDatabaseUrl(targets.databaseUrl));
    if (opts.migrateSchema) await migrate(pool);
    else await assertSchemaCurrent(pool);
    const client =
      opts.needTemporal === false ? (undefined as unknown as Client) : await connectClient(targets.temporal);
    return {
      pool,
      client,
      targets,
      close: async () => {
        await client?.connection.close().catch(() => undefined);
        await pool.end().catch(() => undefined);
      },
    };
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}
