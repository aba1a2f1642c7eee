/**
 * Runs on the multi-host test's client host (inside its network namespace), where the database host is
 * reachable and the test process is not: answers SQL over stdin/stdout, one JSON line each way
 * (`{"id":1,"sql":"…","params":[…]}` → `{"id":1,"rows":[…]}` or `{"id":1,"error":"…"}`). DATABASE_URL from
 * the environment. Exits when stdin closes.
 */
import { createInterface } from 'node:readline';
import pg from 'pg';

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: 1,
  connectionTimeoutMillis: 5_000,
  query_timeout: 10_000,
});
pool.on('error', () => undefined);
pg.types.setTypeParser(20, (v) => Number(v));

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const { id, sql, params } = JSON.parse(line) as { id: number; sql: string; params?: unknown[] };
  queryRetrying(sql, params).then(
    (r) => process.stdout.write(`${JSON.stringify({ id, rows: r.rows })}\n`),
    (err: Error) => process.stdout.write(`${JSON.stringify({ id, error: err.message })}\n`),
  );
});
lines.on('close', () => void pool.end().finally(() => process.exit(0)));

/** A connection lost to a restarted server is replaced: a few quick tries before reporting an error. */
async function queryRetrying(sql: string, params: unknown[] | undefined, tries = 3): Promise<pg.QueryResult> {
  try {
    return await pool.query(sql, params);
  } catch (err) {
    if (tries <= 1) throw err;
    await new Promise((r) => setTimeout(r, 300));
    return queryRetrying(sql, params, tries - 1);
  }
}
