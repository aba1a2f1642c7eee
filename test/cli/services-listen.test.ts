import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { packageRoot } from '../../services/paths';
import { connectClient } from '../../services/temporal/connection';

const BIN = join(packageRoot(), 'bin', 'proxysweep.js');
// A loopback address other than 127.0.0.1: binding it proves the address is honoured.
const ADDR = '127.0.0.7';

describe('`services up --listen ADDR`: services other hosts can reach, with a password', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ps-listen-'));
  chmodSync(dir, 0o755);
  const dataDir = join(dir, 'data');
  const env: NodeJS.ProcessEnv = { ...process.env, PROXYSWEEP_LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [BIN, '--data-dir', dataDir, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  after(() => {
    cli(['services', 'down']);
    rmSync(dir, { recursive: true, force: true });
  });

  test('binds ADDR, writes a 0600 env file naming it, prints worker-host commands, never the password', async () => {
    const r = cli(['--json', 'services', 'up', '--listen', ADDR, '--no-ui']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      postgres: string;
      temporal: string;
      envFile: string;
      workerHostCommands: string[];
    };
    assert.match(out.postgres, new RegExp(`^${ADDR.replace(/\./g, '\\.')}:\\d+/proxysweep$`));
    assert.match(out.temporal, new RegExp(`^${ADDR.replace(/\./g, '\\.')}:\\d+$`));
    assert.equal(statSync(out.envFile).mode & 0o777, 0o600);
    const envText = readFileSync(out.envFile, 'utf8');
    const url = /DATABASE_URL='([^']+)'/.exec(envText)![1];
    const password = decodeURIComponent(new URL(url).password);
    assert.ok(password.length >= 16, 'a generated password');
    assert.equal(new URL(url).hostname, ADDR);
    assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password), 'the password is never printed');
    assert.ok(out.workerHostCommands.some((c) => c.includes(out.envFile) && c.includes(ADDR)));
    assert.ok(out.workerHostCommands.some((c) => /proxysweep worker/.test(c)));

    // PostgreSQL answers on ADDR with the password, and refuses without it.
    const ok = new pg.Client({ connectionString: url });
    await ok.connect();
    assert.equal((await ok.query<{ n: number }>('SELECT 1 AS n')).rows[0].n, 1);
    await ok.end();
    const u = new URL(url);
    u.password = 'wrong';
    const bad = new pg.Client({ connectionString: u.toString() });
    await assert.rejects(bad.connect(), /password authentication failed/);
    // Temporal answers on ADDR.
    const client = await connectClient({ address: out.temporal, namespace: 'default' });
    await client.workflowService.getSystemInfo({});
    await client.connection.close();

    // Starting again without --listen keeps the running services and their address (as `run` does).
    const same = cli(['--json', 'services', 'up', '--no-ui']);
    assert.equal(same.status, 0, same.stderr);
    assert.equal((JSON.parse(same.stdout) as { postgres: string }).postgres, out.postgres);
    // Starting again with another address is refused until `services down`.
    const again = cli(['services', 'up', '--listen', '127.0.0.1', '--no-ui']);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /already listen on 127\.0\.0\.7; stop them with `proxysweep services down`/);
  });

  test('an address that is not this machine’s, or not an address, is refused in one line (exit 2)', () => {
    for (const [listen, message] of [
      ['no-such-host', /--listen must be an IP address of this machine/],
      ['10.255.255.254', /--listen 10\.255\.255\.254: this machine has no such address/],
    ] as const) {
      const r = spawnSync(
        process.execPath,
        [BIN, '--data-dir', join(dir, 'other'), 'services', 'up', '--listen', listen],
        {
          env,
          encoding: 'utf8',
        },
      );
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });
});
