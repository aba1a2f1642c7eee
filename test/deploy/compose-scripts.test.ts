import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';
import { findTemporalCli } from '../../services/temporal/cli-binary';
import { serverToolDir } from '../../services/temporal/server-binary';
import { postgresEndpointOf } from '../helpers/postgres-endpoint';
import { useServices } from '../helpers/services';
import { repoPath } from '../helpers/deploy-files';

/**
 * The scripts compose runs in the official images, run here for real against the test PostgreSQL and
 * Temporal: the psql and Temporal CLI they call are the same programs.
 */
describe('infra/compose scripts against real services', () => {
  const fx = useServices();
  const script = (...p: string[]) => repoPath('infra', 'compose', ...p);
  const sh = (file: string, env: NodeJS.ProcessEnv) =>
    spawnSync('sh', [file], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 120_000 });

  test('grafana-reader.sh creates the SELECT-only role with the password from the environment, and runs again', async () => {
    const psql = spawnSync('psql', ['--version'], { encoding: 'utf8' });
    assert.equal(psql.status, 0, 'psql is needed (Debian package postgresql-client; .ci/run installs it)');
    const db = postgresEndpointOf(fx.s.targets.databaseUrl);
    const env = {
      PGHOST: db.host,
      PGPORT: String(db.port),
      PGUSER: db.user,
      PGPASSWORD: db.password,
      PGDATABASE: db.database,
      GRAFANA_DB_PASSWORD: 'reader-secret-1',
      READER_ROLE_SQL: repoPath('infra', 'grafana', 'reader-role.sql'),
    };
    for (let run = 0; run < 2; run++) {
      const r = sh(script('postgres', 'grafana-reader.sh'), env);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /role proxysweep_reader ready/);
      assert.doesNotMatch(`${r.stdout}${r.stderr}`, /reader-secret-1/, 'the password is never printed');
    }
    const reader = new pg.Client({
      host: db.host,
      port: db.port,
      user: 'proxysweep_reader',
      password: 'reader-secret-1',
      database: db.database,
    });
    await reader.connect();
    try {
      assert.equal((await reader.query('SELECT count(*)::int AS n FROM sweeps')).rows[0].n >= 0, true);
      await assert.rejects(reader.query(`DELETE FROM sweeps`), /read-only|permission denied/);
    } finally {
      await reader.end();
    }
    const wrong = sh(script('postgres', 'grafana-reader.sh'), { ...env, GRAFANA_DB_PASSWORD: '' });
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stderr, /GRAFANA_DB_PASSWORD is not set/);
  });

  test('create-namespace.sh registers TEMPORAL_NAMESPACE once the server answers, and finds it the second time', async () => {
    const cli = findTemporalCli();
    assert.ok(cli, 'the Temporal CLI (npm run setup:temporal)');
    const env = {
      PATH: `${dirname(cli)}:${process.env.PATH}`,
      TEMPORAL_ADDRESS: fx.s.targets.temporal.address,
      TEMPORAL_NAMESPACE: 'compose-ns',
    };
    const first = sh(script('temporal', 'create-namespace.sh'), env);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /compose-ns created/);
    const described = await fx.s.client.workflowService.describeNamespace({ namespace: 'compose-ns' });
    assert.equal(described.namespaceInfo?.name, 'compose-ns');
    const again = sh(script('temporal', 'create-namespace.sh'), env);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /compose-ns exists/);
  });

  // temporal-sql-tool is built with the production server (`npm run setup:temporal-server`; CI does it before the
  // tests); TEMPORAL_SQL_TOOL may point at another build of the same release. Without one this test says so.
  const sqlTool = process.env.TEMPORAL_SQL_TOOL ?? join(serverToolDir(), 'temporal-sql-tool');
  const skip = existsSync(sqlTool)
    ? false
    : `no temporal-sql-tool at ${sqlTool} (run \`npm run setup:temporal-server\`, or set TEMPORAL_SQL_TOOL)`;
  if (skip) console.log(`# setup-schema.sh test skipped: ${skip}`);
  test(
    "setup-schema.sh creates and migrates Temporal's two databases, and changes nothing the second time",
    { skip },
    async () => {
      const db = postgresEndpointOf(fx.s.targets.databaseUrl);
      const env = {
        PATH: `${dirname(sqlTool)}:${process.env.PATH}`,
        SQL_PLUGIN: 'postgres12',
        SQL_HOST: db.host,
        SQL_PORT: String(db.port),
        SQL_USER: db.user,
        SQL_PASSWORD: db.password,
      };
      // The script calls the tool by its name in the admin-tools image.
      assert.equal(basename(sqlTool), 'temporal-sql-tool');
      // Each database: its schema version, and a table the release's last migrations create.
      const state = async () => {
        const found: Record<string, { version: string; tables: number }> = {};
        for (const [database, table] of [
          ['temporal', 'executions'],
          ['temporal_visibility', 'executions_visibility'],
        ]) {
          const c = new pg.Client({ host: db.host, port: db.port, user: db.user, password: db.password, database });
          await c.connect();
          try {
            const v = await c.query<{ v: string }>('SELECT curr_version AS v FROM schema_version');
            const t = await c.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = $1`,
              [table],
            );
            found[database] = { version: v.rows[0].v, tables: t.rows[0].n };
          } finally {
            await c.end();
          }
        }
        return found;
      };
      const first = sh(script('temporal', 'setup-schema.sh'), env);
      assert.equal(first.status, 0, `${first.stdout}\n${first.stderr}`);
      const after = await state();
      for (const [database, s] of Object.entries(after)) {
        assert.match(s.version, /^\d+\.\d+$/, `${database} has a schema version`);
        assert.notEqual(s.version, '0.0', `${database} is migrated past the base schema`);
        assert.equal(s.tables, 1, `${database} has its tables`);
      }
      const again = sh(script('temporal', 'setup-schema.sh'), env);
      assert.equal(again.status, 0, `${again.stdout}\n${again.stderr}`);
      assert.deepEqual(await state(), after, 'a second run changes nothing');
    },
  );
});
