import pg from 'pg';
import { ServiceError } from '../errors';

/** Anything that runs SQL: a pool or a client inside a transaction. Repository functions take one first. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

export type Pool = pg.Pool;

// Postgres returns bigint (int8) as strings by default; our ids and counts fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));

/** Opens a pool on `url` (never logged: it may hold a password). */
export function createPool(url: string, max = 5): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 10_000, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return pool;
}

/** Checks the database answers; a UserError naming the fix otherwise. */
export async function pingDatabase(pool: pg.Pool, where: string): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    throw new ServiceError(
      `cannot reach PostgreSQL at ${where}: ${describePgError(err)}; check DATABASE_URL or run \`proxysweep services up\``,
    );
  }
}

/** Runs `fn` in a transaction: committed if it resolves, rolled back if it throws. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** A one-line description of a pg/network error, without connection strings or passwords. */
export function describePgError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ECONNREFUSED') return 'connection refused';
  if (e?.code === 'ENOTFOUND') return 'host not found';
  if (e?.code === '28P01') return 'password authentication failed';
  if (e?.code === '3D000') return 'database does not exist';
  return (e?.message ?? String(err)).split('\n')[0];
}

/** Where a connection string points, safe to print: host, port and database, never user or password. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
