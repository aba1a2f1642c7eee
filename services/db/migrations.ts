import type pg from 'pg';
import { UserError } from '../errors';

/** Forward-only schema changes, one change each, applied in order by `proxysweep db migrate`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sweeps and cells',
    sql: `
      CREATE TABLE sweeps (
        id            text PRIMARY KEY,
        name          text NOT NULL,
        spec          jsonb NOT NULL,
        spec_hash     text NOT NULL,
        status        text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending','running','paused','succeeded','failed','cancelled')),
        max_parallel  integer NOT NULL CHECK (max_parallel > 0),
        task_queue    text NOT NULL,
        total_cells   integer NOT NULL,
        workflow_id   text NOT NULL,
        error         text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        started_at    timestamptz,
        finished_at   timestamptz
      );
      CREATE INDEX sweeps_created_idx ON sweeps (created_at DESC);

      CREATE TABLE cells (
        id              bigserial PRIMARY KEY,
        sweep_id        text NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
        cell_key        text NOT NULL,
        idx             integer NOT NULL,
        params          jsonb NOT NULL,
        dataset         text NOT NULL,
        arch            text NOT NULL,
        activation      text NOT NULL,
        forward_slope   double precision NOT NULL,
        backward_slope  double precision NOT NULL,
        seed            integer NOT NULL,
        status          text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending','running','succeeded','failed','cancelled')),
        phase           text,
        attempts        integer NOT NULL DEFAULT 0,
        worker          text,
        backend         text,
        epochs_total    integer NOT NULL,
        epochs_done     integer NOT NULL DEFAULT 0,
        test_accuracy   double precision,
        test_loss       double precision,
        error           text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        started_at      timestamptz,
        finished_at     timestamptz,
        UNIQUE (sweep_id, cell_key),
        UNIQUE (sweep_id, idx)
      );
      CREATE INDEX cells_sweep_status_idx ON cells (sweep_id, status);
      CREATE INDEX cells_sweep_finished_idx ON cells (sweep_id, finished_at);
    `,
  },
  {
    version: 2,
    name: 'metrics, AM results and checkpoints',
    sql: `
      CREATE TABLE epoch_metrics (
        cell_id         bigint NOT NULL REFERENCES cells(id) ON DELETE CASCADE,
        epoch           integer NOT NULL CHECK (epoch >= 1),
        train_loss      double precision,
        train_accuracy  double precision,
        test_loss       double precision,
        test_accuracy   double precision,
        images_per_sec  double precision,
        learning_rate   double precision,
        worker          text,
        backend         text,
        recorded_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (cell_id, epoch)
      );
      CREATE INDEX epoch_metrics_recorded_idx ON epoch_metrics (recorded_at);

      CREATE TABLE am_results (
        cell_id            bigint NOT NULL REFERENCES cells(id) ON DELETE CASCADE,
        am_backward_slope  double precision NOT NULL,
        unit               integer NOT NULL,
        value              double precision NOT NULL,
        initial_value      double precision NOT NULL,
        steps              integer NOT NULL,
        trace              real[] NOT NULL,
        input_shape        integer[] NOT NULL,
        image_png          bytea NOT NULL,
        recorded_at        timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (cell_id, am_backward_slope, unit)
      );

      CREATE TABLE checkpoints (
        cell_id      bigint NOT NULL REFERENCES cells(id) ON DELETE CASCADE,
        epoch        integer NOT NULL,
        step         integer NOT NULL DEFAULT 0,
        data         bytea NOT NULL,
        size_bytes   integer NOT NULL,
        worker       text,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (cell_id)
      );
    `,
  },
  {
    version: 3,
    name: 'workers',
    sql: `
      CREATE TABLE workers (
        id                 text PRIMARY KEY,
        hostname           text NOT NULL,
        pid                integer NOT NULL,
        task_queue         text NOT NULL,
        backend            text,
        device             text,
        slots              integer NOT NULL,
        status             text NOT NULL CHECK (status IN ('running','stopping','stopped')),
        current_cell_id    bigint,
        started_at         timestamptz NOT NULL DEFAULT now(),
        last_heartbeat_at  timestamptz NOT NULL DEFAULT now(),
        stopped_at         timestamptz
      );
      CREATE INDEX workers_heartbeat_idx ON workers (last_heartbeat_at DESC);
    `,
  },
  {
    version: 4,
    name: 'AM protocol in the key of every AM result, start-point gradient statistics',
    // Rows from before AM arms ran with Adam (the only AM optimizer then), with their sweep's learning rate,
    // steps and init; their sweeps' specs say so explicitly, so resuming one continues with the same protocol.
    sql: `
      UPDATE sweeps SET spec = jsonb_set(spec, '{am,optimizer}', '"adam"')
      WHERE spec ? 'am' AND jsonb_typeof(spec->'am') = 'object' AND NOT (spec->'am') ? 'optimizer';

      ALTER TABLE am_results
        ADD COLUMN protocol text,
        ADD COLUMN protocol_params jsonb,
        ADD COLUMN start_grad_zero_fraction double precision,
        ADD COLUMN start_grad_l2 double precision;

      UPDATE am_results a SET
        protocol_params = jsonb_build_object(
          'optimizer', 'adam', 'learningRate', (s.spec->'am'->>'learningRate')::float8, 'steps', a.steps,
          'normalize', 'none', 'init', coalesce(s.spec->'am'->>'init', 'zeros'), 'jitter', 0, 'blurEvery', 0)
          || CASE WHEN s.spec->'am'->>'init' = 'uniform' THEN '{"initScale": 1}'::jsonb ELSE '{}'::jsonb END,
        protocol = format('adam lr=%s steps=%s init=%s norm=none jitter=0 blur=off',
          (s.spec->'am'->>'learningRate')::float8, a.steps,
          CASE WHEN s.spec->'am'->>'init' = 'uniform' THEN 'uniform(1)' ELSE 'zeros' END)
      FROM cells c JOIN sweeps s ON s.id = c.sweep_id
      WHERE c.id = a.cell_id;

      ALTER TABLE am_results
        ALTER COLUMN protocol SET NOT NULL,
        ALTER COLUMN protocol_params SET NOT NULL,
        DROP CONSTRAINT am_results_pkey,
        ADD PRIMARY KEY (cell_id, protocol, am_backward_slope, unit);
    `,
  },
  {
    version: 5,
    name: 'what a worker lacks',
    sql: `ALTER TABLE workers ADD COLUMN problem text, ADD COLUMN problem_at timestamptz;`,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

// One migrator at a time across all processes (workers starting together all call migrate).
const LOCK_ID = 7_402_911;

/**
 * Applies pending migrations (up to `upTo`, default all) in one transaction each; safe to run concurrently.
 * Returns the versions applied.
 */
export async function migrate(pool: pg.Pool, opts: { upTo?: number } = {}): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
    );
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version) || m.version > (opts.upTo ?? LATEST_VERSION)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => undefined);
    client.release();
  }
}

/** The schema version in the database (0 when never migrated). */
export async function schemaVersion(pool: pg.Pool): Promise<number> {
  const exists = await pool.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS ok`);
  if (!exists.rows[0].ok) return 0;
  const r = await pool.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return r.rows[0].v ?? 0;
}

/** Stops a process meeting an old schema (or a newer one it does not know) with the command that fixes it. */
export async function assertSchemaCurrent(pool: pg.Pool): Promise<void> {
  const v = await schemaVersion(pool);
  if (v < LATEST_VERSION) {
    throw new UserError(
      `database schema is at version ${v}, this proxysweep needs ${LATEST_VERSION}; run \`proxysweep db migrate\``,
    );
  }
  if (v > LATEST_VERSION) {
    throw new UserError(
      `database schema version ${v} is newer than this proxysweep knows (${LATEST_VERSION}); upgrade proxysweep on this node`,
    );
  }
}
