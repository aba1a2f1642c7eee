import { createPool, describePgError, redactDatabaseUrl, schemaVersion, LATEST_VERSION } from '../db';
import { DEFAULT_DB_POOL } from '../temporal/worker';
import { fail, pass, warn, type CheckResult } from './check';

/** PostgreSQL connections one worker process holds: PROXYSWEEP_DB_POOL (`worker --db-pool`), else the worker's default. */
export function connectionsPerWorker(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.PROXYSWEEP_DB_POOL);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_DB_POOL;
}

export interface PostgresPlan {
  /** Worker processes this node will run (one per GPU). */
  workers: number;
  connectionsPerWorker: number;
}

/**
 * `postgres`, `postgres.schema`, `postgres.connections`: the database answers, its schema is the one this
 * proxysweep writes, and there are free connections for this node's workers. Connection limits: the
 * server's max_connections less its superuser reserve and the connections already open.
 */
export async function checkPostgres(databaseUrl: string, plan: PostgresPlan): Promise<CheckResult[]> {
  const where = redactDatabaseUrl(databaseUrl);
  const pool = createPool(databaseUrl, 1);
  try {
    let version: string;
    try {
      version = (await pool.query<{ v: string }>('SHOW server_version')).rows[0].v;
    } catch (err) {
      return [
        fail(
          'postgres',
          `cannot reach PostgreSQL at ${where}: ${describePgError(err)} (schema and connections not checked)`,
          'check DATABASE_URL (host, port, password) and that this node may reach the database',
          { where },
        ),
      ];
    }
    return [
      pass('postgres', `PostgreSQL ${version} at ${where}`, { where, version }),
      await checkSchema(pool),
      await checkConnections(pool, plan),
    ];
  } finally {
    await pool.end().catch(() => undefined);
  }
}

async function checkSchema(pool: ReturnType<typeof createPool>): Promise<CheckResult> {
  const v = await schemaVersion(pool);
  const data = { version: v, expected: LATEST_VERSION };
  if (v === LATEST_VERSION) return pass('postgres.schema', `schema version ${v}, as this proxysweep expects`, data);
  if (v < LATEST_VERSION) {
    return fail(
      'postgres.schema',
      `schema version ${v}, this proxysweep needs ${LATEST_VERSION}`,
      'run `proxysweep db migrate` (workers also migrate when they start)',
      data,
    );
  }
  return fail(
    'postgres.schema',
    `schema version ${v} is newer than this proxysweep knows (${LATEST_VERSION})`,
    'upgrade proxysweep on this node to the version the other nodes run',
    data,
  );
}

async function checkConnections(pool: ReturnType<typeof createPool>, plan: PostgresPlan): Promise<CheckResult> {
  const r = await pool.query<{ max: number; reserved: number; used: number }>(
    `SELECT current_setting('max_connections')::int AS max,
            current_setting('superuser_reserved_connections')::int AS reserved,
            (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend') AS used`,
  );
  const { max, reserved, used } = r.rows[0];
  const free = max - reserved - used;
  const needed = plan.workers * plan.connectionsPerWorker;
  // Room beyond this node's workers for Grafana, the CLI and a worker restarting.
  const margin = Math.max(5, Math.ceil(max * 0.1));
  const data = { maxConnections: max, reserved, used, free, needed, ...plan };
  const summary = `${free} of ${max} connections free (${used} open, ${reserved} reserved); this node needs ${needed} (${plan.workers} worker process(es) × ${plan.connectionsPerWorker})`;
  const fix = `lower PROXYSWEEP_DB_POOL, raise max_connections on the server, or put pgbouncer in front of it`;
  if (free < needed) return fail('postgres.connections', summary, fix, data);
  if (free < needed + margin) return warn('postgres.connections', `${summary}: little room left`, fix, data);
  return pass('postgres.connections', summary, data);
}
