import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, migrate, type Pool } from '../../services/db';
import { startEmbeddedPostgres, stopEmbeddedPostgres } from '../../services/db/embedded';
import { startDevServer, stopProcess } from '../../services/temporal/dev-server';
import { connectClient } from '../../services/temporal/connection';
import type { ServiceTargets } from '../../services/config';
import type { Client } from '@temporalio/client';

/** A real PostgreSQL and a real Temporal dev server for one test file, in a fresh temp directory. */
export interface TestServices {
  dir: string;
  targets: ServiceTargets;
  pool: Pool;
  client: Client;
  stop(): Promise<void>;
}

export async function startTestServices(opts: { temporalArgs?: string[] } = {}): Promise<TestServices> {
  // Under /tmp with a short name: the postgres user must be able to reach it, and paths stay short.
  const dir = mkdtempSync(join(tmpdir(), 'ps-test-'));
  chmodSync(dir, 0o755); // mkdtemp makes it private; PostgreSQL (as user postgres under root) must reach it
  const [pg, temporal] = await Promise.all([
    startEmbeddedPostgres(join(dir, 'postgres'), 15433),
    startDevServer({ dir: join(dir, 'temporal'), port: 17233, ui: false, extraArgs: opts.temporalArgs }),
  ]);
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
    async stop() {
      await client.connection.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
      await stopProcess(temporal.pid);
      await stopEmbeddedPostgres(join(dir, 'postgres'));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Environment for child processes (workers, the CLI) that should use these services. */
export function serviceEnv(s: TestServices, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: s.targets.databaseUrl,
    TEMPORAL_ADDRESS: s.targets.temporal.address,
    TEMPORAL_NAMESPACE: s.targets.temporal.namespace,
    PROXYSWEEP_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Polls until `check` returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(
  check: () => Promise<T | undefined | false | null>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
