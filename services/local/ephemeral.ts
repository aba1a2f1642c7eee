import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { createPool, migrate, type Pool } from '../db';
import { startEmbeddedPostgres, stopEmbeddedPostgres } from '../db/embedded';
import { startDevServer, stopProcess } from '../temporal/dev-server';
import { pidAlive } from '../net';
import { connectClient } from '../temporal/connection';
import type { ServiceTargets } from '../config';

/** A real PostgreSQL and a real Temporal dev server in a fresh temp directory, removed by `stop()`. */
export interface EphemeralServices {
  dir: string;
  targets: ServiceTargets;
  pool: Pool;
  client: Client;
  /** Kills the Temporal dev server (SIGKILL, as a crash) and starts it again on its database file and port. */
  restartTemporal(opts?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** For tests and benchmarks: throwaway services that never touch the user's data dir. */
export async function startEphemeralServices(opts: { temporalArgs?: string[] } = {}): Promise<EphemeralServices> {
  // Under the temp dir with a short name; mkdtemp makes it private, but PostgreSQL (running as the
  // postgres user when we are root) must reach it.
  const dir = mkdtempSync(join(tmpdir(), 'ps-'));
  chmodSync(dir, 0o755);
  const [pgResult, temporalResult] = await Promise.allSettled([
    startEmbeddedPostgres(join(dir, 'postgres'), 15433),
    startDevServer({ dir: join(dir, 'temporal'), port: 17233, ui: false, extraArgs: opts.temporalArgs }),
  ]);
  if (pgResult.status === 'rejected' || temporalResult.status === 'rejected') {
    // Never leave half of the pair running.
    if (temporalResult.status === 'fulfilled') await stopProcess(temporalResult.value.pid);
    if (pgResult.status === 'fulfilled') await stopEmbeddedPostgres(join(dir, 'postgres'));
    rmSync(dir, { recursive: true, force: true });
    throw pgResult.status === 'rejected' ? pgResult.reason : (temporalResult as PromiseRejectedResult).reason;
  }
  const pg = pgResult.value;
  let temporal = temporalResult.value;
  const targets: ServiceTargets = {
    databaseUrl: pg.databaseUrl,
    temporal: { address: temporal.address, namespace: temporal.namespace },
  };
  const pool = createPool(pg.databaseUrl, 10);
  await migrate(pool);
  const client = await connectClient(targets.temporal);
  return {
    dir,
    targets,
    pool,
    client,
    async restartTemporal({ downMs = 0 } = {}) {
      process.kill(temporal.pid, 'SIGKILL');
      while (pidAlive(temporal.pid)) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, downMs));
      temporal = await startDevServer({
        dir: join(dir, 'temporal'),
        port: temporal.port,
        ui: false,
        extraArgs: opts.temporalArgs,
      });
    },
    async stop() {
      await client.connection.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
      await stopProcess(temporal.pid);
      await stopEmbeddedPostgres(join(dir, 'postgres'));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
