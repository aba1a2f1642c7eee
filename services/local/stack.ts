import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedPostgres, stopEmbeddedPostgres } from '../db/embedded';
import { startDevServer, stopProcess } from '../temporal/dev-server';
import { pidAlive, portOpen } from '../net';
import type { TemporalTarget } from '../temporal/connection';

/** What `services up` (or `run`) started on this machine, kept in `<dataDir>/services.json`. */
export interface LocalServicesState {
  startedBy: 'run' | 'services-up';
  postgres?: { port: number };
  temporal?: { pid: number; port: number; uiPort: number; address: string; namespace: string };
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

/**
 * Starts the embedded services this machine needs, reusing any already running under `dataDir`:
 * PostgreSQL unless `needPostgres` is false (DATABASE_URL set), the Temporal dev server unless `needTemporal`
 * is false (TEMPORAL_ADDRESS set). Both persist their data under `dataDir`.
 */
export async function servicesUp(
  dataDir: string,
  opts: {
    startedBy: LocalServicesState['startedBy'];
    needPostgres?: boolean;
    needTemporal?: boolean;
    ui?: boolean;
    log?: (m: string) => void;
  },
): Promise<LocalServices> {
  mkdirSync(dataDir, { recursive: true });
  const previous = readLocalState(dataDir);
  // A `run` adopting services that `services up` started must leave them running.
  const state: LocalServicesState = {
    startedBy: previous?.startedBy === 'services-up' ? 'services-up' : opts.startedBy,
  };
  const started = { postgres: false, temporal: false };
  const result: LocalServices = { state, started };

  if (opts.needPostgres !== false) {
    const wasRunning = previous?.postgres !== undefined && (await portOpen(previous.postgres.port));
    const pg = await startEmbeddedPostgres(join(dataDir, 'postgres'));
    started.postgres = !wasRunning;
    state.postgres = { port: pg.port };
    result.databaseUrl = pg.databaseUrl;
  }
  if (opts.needTemporal !== false) {
    let t = previous?.temporal;
    if (!(t && pidAlive(t.pid) && (await portOpen(t.port)))) {
      const info = await startDevServer({ dir: join(dataDir, 'temporal'), ui: opts.ui, log: opts.log });
      t = { pid: info.pid, port: info.port, uiPort: info.uiPort, address: info.address, namespace: info.namespace };
      started.temporal = true;
    }
    state.temporal = t;
    result.temporal = { address: t.address, namespace: t.namespace };
    result.temporalUi = opts.ui === false ? undefined : `http://127.0.0.1:${t.uiPort}`;
  }
  writeLocalState(dataDir, state);
  writeEnvFile(dataDir, result);
  return result;
}

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
