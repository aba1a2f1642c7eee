import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { startEmbeddedPostgres, stopEmbeddedPostgres } from '../db/embedded';
import { UserError } from '../errors';
import { startDevServer, stopProcess } from '../temporal/dev-server';
import { postgresEndpoint, startTemporalServer } from '../temporal/server';
import { hostForUrl, isWildcard, pidAlive, portOpen } from '../net';
import type { TemporalTarget } from '../temporal/connection';

/** Which Temporal server `services up` runs: the CLI's dev server (SQLite) or the production server on PostgreSQL. */
export type TemporalKind = 'dev' | 'server';

/** What `services up` (or `run`) started on this machine, kept in `<dataDir>/services.json`. */
export interface LocalServicesState {
  startedBy: 'run' | 'services-up';
  /** The address the services bind (absent: loopback). */
  listen?: string;
  postgres?: { port: number };
  temporal?: {
    pid: number;
    port: number;
    uiPort?: number;
    address: string;
    namespace: string;
    kind?: TemporalKind;
  };
}

export interface LocalServices {
  databaseUrl?: string;
  temporal?: TemporalTarget;
  temporalUi?: string;
  state: LocalServicesState;
  /** Which services this call started (false: found running). */
  started: { postgres: boolean; temporal: boolean };
}

const stateFile = (dataDir: string) => join(dataDir, 'services.json');

export function readLocalState(dataDir: string): LocalServicesState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(dataDir), 'utf8')) as LocalServicesState;
  } catch {
    return undefined;
  }
}

function writeLocalState(dataDir: string, state: LocalServicesState): void {
  writeFileSync(stateFile(dataDir), JSON.stringify(state, null, 2), { mode: 0o600 });
}

export interface ServicesUpOptions {
  startedBy: LocalServicesState['startedBy'];
  needPostgres?: boolean;
  needTemporal?: boolean;
  ui?: boolean;
  log?: (m: string) => void;
  /** Bind address for other hosts (default 127.0.0.1: this machine only); PostgreSQL keeps its password. */
  listen?: string;
  /** `dev` (default): the Temporal CLI's dev server; `server`: the production server on PostgreSQL. */
  temporal?: TemporalKind;
  /** The PostgreSQL the production server uses when this call starts none (DATABASE_URL). */
  databaseUrl?: string;
}

/**
 * Starts the embedded services this machine needs, reusing any already running under `dataDir`:
 * PostgreSQL unless `needPostgres` is false (DATABASE_URL set), a Temporal server unless `needTemporal`
 * is false (TEMPORAL_ADDRESS set): the dev server (SQLite under `dataDir`), or with `temporal: 'server'`
 * the production server with its schemas in that same PostgreSQL. Everything binds `listen`.
 */
export async function servicesUp(dataDir: string, opts: ServicesUpOptions): Promise<LocalServices> {
  mkdirSync(dataDir, { recursive: true });
  const previous = readLocalState(dataDir);
  // Unless told otherwise, keep the setup of the last start (a `run` adopting `services up --listen …`, a
  // restart after a crash); `services down` forgets it.
  const pgUp = previous?.postgres !== undefined && (await portOpen(previous.postgres.port));
  const temporalUp = previous?.temporal !== undefined && pidAlive(previous.temporal.pid);
  const listen = opts.listen ?? previous?.listen ?? DEFAULT_LISTEN;
  const kind = opts.temporal ?? previous?.temporal?.kind ?? 'dev';
  const advertise = advertisedHost(listen);
  refuseChangedSetup(dataDir, previous, { pgUp, temporalUp }, listen, kind);
  // A `run` adopting services that `services up` started must leave them running.
  const state: LocalServicesState = {
    startedBy: previous?.startedBy === 'services-up' ? 'services-up' : opts.startedBy,
    listen: listen === DEFAULT_LISTEN ? undefined : listen,
  };
  const started = { postgres: false, temporal: false };
  const result: LocalServices = { state, started };

  if (opts.needPostgres !== false) {
    const wasRunning = previous?.postgres !== undefined && (await portOpen(previous.postgres.port));
    const pg = await startEmbeddedPostgres(join(dataDir, 'postgres'), undefined, { listen, advertise });
    started.postgres = !wasRunning;
    state.postgres = { port: pg.port };
    result.databaseUrl = pg.databaseUrl;
  }
  if (opts.needTemporal !== false) {
    let t = previous?.temporal;
    if (!(t && pidAlive(t.pid) && (await portOpen(t.port, probeHost(listen))))) {
      t = await startTemporal(dataDir, kind, {
        ...opts,
        listen,
        advertise,
        databaseUrl: result.databaseUrl ?? opts.databaseUrl,
        port: t?.port,
      });
      started.temporal = true;
    }
    state.temporal = t;
    result.temporal = { address: t.address, namespace: t.namespace };
    result.temporalUi = opts.ui === false || !t.uiPort ? undefined : `http://${hostForUrl(advertise)}:${t.uiPort}`;
  }
  writeLocalState(dataDir, state);
  writeEnvFile(dataDir, result);
  return result;
}

async function startTemporal(
  dataDir: string,
  kind: TemporalKind,
  o: ServicesUpOptions & { listen: string; advertise: string; port?: number },
): Promise<NonNullable<LocalServicesState['temporal']>> {
  if (kind === 'dev') {
    const info = await startDevServer({
      dir: join(dataDir, 'temporal'),
      ui: o.ui,
      log: o.log,
      ip: o.listen,
      advertise: o.advertise,
    });
    return {
      pid: info.pid,
      port: info.port,
      uiPort: info.uiPort,
      address: info.address,
      namespace: info.namespace,
      kind,
    };
  }
  if (!o.databaseUrl) {
    throw new UserError(
      '--temporal server keeps its state in PostgreSQL: start PostgreSQL here too (unset DATABASE_URL) or set DATABASE_URL',
    );
  }
  const info = await startTemporalServer({
    dir: join(dataDir, 'temporal-server'),
    db: postgresEndpoint(o.databaseUrl),
    listen: o.listen,
    advertise: o.advertise,
    port: o.port,
    log: o.log,
  });
  return { pid: info.pid, port: info.port, address: info.address, namespace: info.namespace, kind };
}

/** Services already running here with another address or Temporal server must be stopped first. */
function refuseChangedSetup(
  dataDir: string,
  previous: LocalServicesState | undefined,
  up: { pgUp: boolean; temporalUp: boolean },
  listen: string,
  kind: TemporalKind,
): void {
  const was = previous?.listen ?? DEFAULT_LISTEN;
  if ((up.pgUp || up.temporalUp) && was !== listen) {
    throw new UserError(
      `services under ${dataDir} already listen on ${was}; stop them with \`proxysweep services down\` before starting them with --listen ${listen}`,
    );
  }
  const wasKind = previous?.temporal?.kind ?? 'dev';
  if (up.temporalUp && wasKind !== kind) {
    throw new UserError(
      `the Temporal ${wasKind === 'dev' ? 'dev server' : 'production server'} runs under ${dataDir} (--temporal ${wasKind}); stop it with \`proxysweep services down\` before starting --temporal ${kind}`,
    );
  }
}

/** Services bind this machine's loopback unless told otherwise. */
export const DEFAULT_LISTEN = '127.0.0.1';

/** The host other machines use: the bind address, or this machine's name when binding every interface. */
export function advertisedHost(listen: string): string {
  return isWildcard(listen) ? hostname() : listen;
}

const probeHost = (listen: string) => (isWildcard(listen) ? '127.0.0.1' : listen);

/** Stops whatever `servicesUp` started under `dataDir`; data stays for the next start. */
export async function servicesDown(dataDir: string): Promise<{ stopped: string[] }> {
  const state = readLocalState(dataDir);
  const stopped: string[] = [];
  if (state?.temporal && pidAlive(state.temporal.pid)) {
    await stopProcess(state.temporal.pid);
    stopped.push('temporal');
  }
  if (existsSync(join(dataDir, 'postgres', 'data', 'postmaster.pid'))) {
    await stopEmbeddedPostgres(join(dataDir, 'postgres'));
    stopped.push('postgres');
  }
  rmSync(stateFile(dataDir), { force: true });
  rmSync(envFile(dataDir), { force: true });
  return { stopped };
}

export const envFile = (dataDir: string) => join(dataDir, 'env');

/** Writes the variables other terminals need (`source .proxysweep/env`); mode 600: it holds the password. */
function writeEnvFile(dataDir: string, s: LocalServices): void {
  const lines = [
    s.databaseUrl ? `export DATABASE_URL='${s.databaseUrl}'` : '',
    s.temporal ? `export TEMPORAL_ADDRESS='${s.temporal.address}'` : '',
    s.temporal ? `export TEMPORAL_NAMESPACE='${s.temporal.namespace}'` : '',
  ].filter(Boolean);
  writeFileSync(envFile(dataDir), lines.join('\n') + '\n', { mode: 0o600 });
}

/** The database URL of running local services (from the env file), for commands that only need to connect. */
export function localDatabaseUrl(dataDir: string): string | undefined {
  try {
    const m = /DATABASE_URL='([^']+)'/.exec(readFileSync(envFile(dataDir), 'utf8'));
    return m?.[1];
  } catch {
    return undefined;
  }
}
