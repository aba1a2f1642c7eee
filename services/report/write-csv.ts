import { randomBytes } from 'node:crypto';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { CsvTable } from './csv-tables';

/**
 * Streams one CSV table of a sweep to `path` with COPY … TO STDOUT (CSV, with a header): PostgreSQL formats the
 * rows and memory stays at one buffer whatever the sweep's size. Runs inside the caller's transaction (the
 * report's snapshot). Writes a temporary file and renames it, so a reader never sees half a file. Returns the
 * number of rows.
 */
export async function writeCsvTable(
  client: pg.PoolClient,
  table: CsvTable,
  sweepId: string,
  path: string,
): Promise<number> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const copy = copyTo(`COPY (${table.sql(client.escapeLiteral(sweepId))}) TO STDOUT WITH (FORMAT csv, HEADER true)`);
  try {
    const stream = client.query(copy);
    await pipeline(stream, createWriteStream(tmp));
    renameSync(tmp, path);
    return copy.rowCount;
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
