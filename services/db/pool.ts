import pg from 'pg';
import { ServiceError } from '../errors';

/** Anything that runs SQL: a pool or a client inside a transaction. Repository functions take one first. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

export type Pool = pg.Pool;

// Postgres returns bigint (int8) as strings by default; our ids and counts fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));

/** Limits for long-running processes (workers), where a lost server must not hang a query forever. */
export interface PoolLimits {
  /** A query (or waiting for a connection) that takes longer fails; its connection is dropped. */
  queryTimeoutMs?: number;
  /** Shown in pg_stat_activity, so an operator sees who holds the connections. */
  applicationName?: string;
}

/**
 * Opens a pool of at most `max` connections on `url` (never logged: it may hold a password). TCP keepalive
 * notices a vanished server on idle connections; `limits.queryTimeoutMs` bounds queries in flight.
 */
export function createPool(url: string, max = 2, limits: PoolLimits = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: limits.queryTimeoutMs ?? 10_000,
    query_timeout: limits.queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: limits.applicationName?.slice(0, 63),
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return pool;
}

/** Checks the database answers; a UserError naming the fix otherwise. */
export async function pingDatabase(pool: pg.Pool, where: string): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    if (isTooManyClients(err)) throw new ServiceError(`PostgreSQL at ${where}: ${describePgError(err)}`);
    throw new ServiceError(
      `cannot reach PostgreSQL at ${where}: ${describePgError(err)}; check DATABASE_URL or run \`proxysweep services up\``,
    );
  }
}

/** Runs `fn` in a transaction: committed if it resolves, rolled back if it throws. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let result: T;
  try {
    await client.query('BEGIN');
    result = await fn(client);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    // A connection that failed mid-transaction (timeout, lost server) must not go back to the pool.
    client.release(err as Error);
    throw err;
  }
  client.release();
  return result;
}

/** A one-line description of a pg/network error, without connection strings or passwords. */
export function describePgError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ECONNREFUSED') return 'connection refused';
  if (e?.code === 'ENOTFOUND') return 'host not found';
  if (e?.code === '28P01') return 'password authentication failed';
  if (e?.code === '3D000') return 'database does not exist';
  if (isTooManyClients(err)) {
    return `connection refused: ${e.message} (max_connections, or the role's connection limit, is used up); each worker process holds up to PROXYSWEEP_DB_POOL connections (default 1): lower it, raise max_connections, or put pgbouncer in front`;
  }
  // node-postgres' own timeouts (a partitioned or frozen server): no answer rather than an error.
  if (e?.message === 'Query read timeout') return 'no answer within the query timeout';
  if (/timeout exceeded when trying to connect|Connection terminated due to connection timeout/.test(e?.message ?? ''))
    return 'connection timed out';
  if (e?.code === 'ETIMEDOUT' || e?.code === 'EHOSTUNREACH') return 'host unreachable';
  return (e?.message ?? String(err)).split('\n')[0];
}

/** PostgreSQL refused a connection for lack of slots (SQLSTATE 53300: max_connections or a role's limit). */
export function isTooManyClients(err: unknown): boolean {
  return (err as { code?: string })?.code === '53300';
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
