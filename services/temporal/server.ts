import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { ServiceError, UserError } from '../errors';
import { freePort, hostForUrl, isWildcard, pidAlive, portOpen, waitFor } from '../net';
import { lastLine } from './dev-server';
import { ensureTemporalServer } from './server-binary';

/** Where the server's PostgreSQL is, from a DATABASE_URL. Holds the password: never print it. */
export interface PostgresEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function postgresEndpoint(databaseUrl: string): PostgresEndpoint {
  try {
    const u = new URL(databaseUrl);
    return {
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: Number(u.port || 5432),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
    };
  } catch {
    throw new UserError('DATABASE_URL is not a valid postgres:// URL; fix it or unset it');
  }
}

/** The server's two databases, beside proxysweep's own in the same PostgreSQL. */
const SCHEMAS = [
  { database: 'temporal', schema: 'postgresql/v12/temporal' },
  { database: 'temporal_visibility', schema: 'postgresql/v12/visibility' },
];

/**
 * Creates (first time) and migrates the server's databases with `temporal-sql-tool`, whose SQL is embedded
 * in it. Idempotent and quick (under a second) once done; the password travels in the environment.
 */
export async function setupTemporalSchemas(sqlTool: string, db: PostgresEndpoint, logFile: string): Promise<void> {
  const env = {
    ...process.env,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: db.host,
    SQL_PORT: String(db.port),
    SQL_USER: db.user,
    SQL_PASSWORD: db.password,
  };
  for (const { database, schema } of SCHEMAS) {
    for (const args of [
      ['create-database'],
      ['setup-schema', '-v', '0.0'],
      ['update-schema', '--schema-name', schema],
    ]) {
      const code = await runLogged(sqlTool, ['--database', database, ...args], env, logFile);
      if (code !== 0) {
        throw new ServiceError(
          `temporal-sql-tool ${args[0]} failed for database ${database} on ${db.host}:${db.port} (${lastLine(logFile)}); the PostgreSQL user needs CREATEDB, or create databases temporal and temporal_visibility`,
        );
      }
    }
  }
}

export interface TemporalServerInfo {
  pid: number;
  port: number;
  address: string;
  namespace: string;
}

export interface StartTemporalServerOptions {
  /** Directory for the dynamic config, the log and the schema tool's log. */
  dir: string;
  db: PostgresEndpoint;
  /** Address the server binds (loopback by default); `advertise` is the one clients are given. */
  listen: string;
  advertise: string;
  port?: number;
  log?: (msg: string) => void;
}

/** The server's other listeners, with the ports its template defaults to. */
const INTERNAL_PORTS = {
  FRONTEND_HTTP_PORT: 7243,
  HISTORY_GRPC_PORT: 7234,
  MATCHING_GRPC_PORT: 7235,
  WORKER_GRPC_PORT: 7239,
  FRONTEND_MEMBERSHIP_PORT: 6933,
  HISTORY_MEMBERSHIP_PORT: 6934,
  MATCHING_MEMBERSHIP_PORT: 6935,
  WORKER_MEMBERSHIP_PORT: 6939,
};

// Dynamic config the workers rely on (updates for resize, eager activities); no phoning home for versions.
const DYNAMIC_CONFIG = `frontend.enableUpdateWorkflowExecution:
  - value: true
frontend.enableUpdateWorkflowExecutionAsyncAccepted:
  - value: true
system.enableActivityEagerExecution:
  - value: true
frontend.enableServerVersionCheck:
  - value: false
`;

/**
 * Starts the production Temporal server (built from the Go module, see server-binary.ts) as a detached
 * daemon on the PostgreSQL `db`: sets up its schemas, starts it with its config in the environment (the
 * server's embedded template), waits until it serves, and registers the `default` namespace.
 */
export async function startTemporalServer(opts: StartTemporalServerOptions): Promise<TemporalServerInfo> {
  const bin = await ensureTemporalServer(opts.log);
  mkdirSync(opts.dir, { recursive: true });
  const logFile = join(opts.dir, 'server.log');
  await setupTemporalSchemas(bin.sqlTool, opts.db, join(opts.dir, 'schema.log'));
  const dynamicConfig = join(opts.dir, 'dynamicconfig.yaml');
  writeFileSync(dynamicConfig, DYNAMIC_CONFIG);
  const bindHost = isWildcard(opts.listen) ? '0.0.0.0' : opts.listen;
  // Every service of the single process binds its own ports; any free ones do (only the frontend is public).
  const taken = new Set<number>();
  const pick = async (preferred: number) => {
    let p = await freePort(preferred, bindHost);
    for (let i = 0; taken.has(p) && i < 20; i++) p = await freePort(undefined, bindHost);
    taken.add(p);
    return p;
  };
  const port = await pick(opts.port ?? 7233);
  const internal: Record<string, number> = {};
  for (const [name, preferred] of Object.entries(INTERNAL_PORTS)) internal[name] = await pick(preferred);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DB: 'postgres12',
    POSTGRES_SEEDS: opts.db.host,
    DB_PORT: String(opts.db.port),
    POSTGRES_USER: opts.db.user,
    POSTGRES_PWD: opts.db.password,
    // Small pools: each of the four services holds its own (see the README's connection budget).
    SQL_MAX_CONNS: '5',
    SQL_MAX_IDLE_CONNS: '5',
    SQL_VIS_MAX_CONNS: '2',
    SQL_VIS_MAX_IDLE_CONNS: '2',
    BIND_ON_IP: bindHost,
    // Membership needs an address the process can reach itself on.
    TEMPORAL_BROADCAST_ADDRESS: isWildcard(opts.listen) ? '127.0.0.1' : bindHost,
    NUM_HISTORY_SHARDS: '4',
    DYNAMIC_CONFIG_FILE_PATH: dynamicConfig,
    // Info: the end of start-up is only visible there (a few hundred lines per start, quiet after).
    LOG_LEVEL: 'info',
    FRONTEND_GRPC_PORT: String(port),
    ...Object.fromEntries(Object.entries(internal).map(([k, v]) => [k, String(v)])),
  };
  const out = openSync(logFile, 'a');
  const logStart = fstatSync(out).size;
  // cwd without a config/ directory: the server then reads only the environment.
  const child = spawn(bin.server, ['--allow-no-auth', 'start'], {
    cwd: opts.dir,
    env,
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  child.unref();
  const pid = child.pid!;
  const probeHost = isWildcard(opts.listen) ? '127.0.0.1' : bindHost;
  const up = await waitFor(async () => !pidAlive(pid) || (await portOpen(port, probeHost)), 60_000);
  if (!up || !pidAlive(pid)) {
    throw new ServiceError(`the Temporal server did not start (see ${logFile}): ${lastLine(logFile)}`);
  }
  const namespace = 'default';
  await registerNamespace(`${probeHost}:${port}`, namespace, logFile);
  // The frontend serves before the internal worker service has started, and that start is fatal if the
  // database goes away meanwhile: report the server up only once it logged it.
  const started = await waitFor(
    async () => !pidAlive(pid) || logSince(logFile, logStart).includes(FULLY_STARTED),
    60_000,
  );
  if (!started || !pidAlive(pid)) {
    throw new ServiceError(`the Temporal server did not finish starting (see ${logFile}): ${lastLine(logFile)}`);
  }
  return { pid, port, address: `${hostForUrl(opts.advertise)}:${port}`, namespace };
}

/** Logged (at info) by the last of the four services to start. */
const FULLY_STARTED = '"msg":"worker service started"';

function logSince(file: string, offset: number): string {
  try {
    return readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

/** Registers `namespace` (7 days of history retention); fine when it exists. Retries while the server warms up. */
async function registerNamespace(address: string, namespace: string, logFile: string): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: '10s' });
  try {
    let lastError = '';
    const ok = await waitFor(
      async () => {
        try {
          await connection.workflowService.registerNamespace({
            namespace,
            workflowExecutionRetentionPeriod: msToTs('7 days'),
          });
          return true;
        } catch (err) {
          lastError = (err as Error).message;
          if (/already exists|AlreadyExists/i.test(lastError)) return true;
          return false;
        }
      },
      60_000,
      500,
    );
    if (!ok)
      throw new ServiceError(
        `the Temporal server at ${address} did not register namespace ${namespace} (${lastError}); see ${logFile}`,
      );
  } finally {
    await connection.close();
  }
}

function runLogged(cmd: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<number> {
  return new Promise((resolve) => {
    const out = openSync(logFile, 'a');
    const child = spawn(cmd, args, { env, stdio: ['ignore', out, out] });
    closeSync(out);
    child.on('close', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
}
