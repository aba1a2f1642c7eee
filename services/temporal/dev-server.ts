import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceError } from '../errors';
import { freePort, hostForUrl, isWildcard, pidAlive, portOpen, waitFor } from '../net';
import { ensureTemporalCli } from './cli-binary';

export interface DevServerInfo {
  pid: number;
  port: number;
  uiPort: number;
  address: string;
  namespace: string;
  dbFile: string;
}

export interface StartDevServerOptions {
  /** Directory for the SQLite history file and the server log. */
  dir: string;
  port?: number;
  /** Serve the web UI on this port (default: port + 1000). */
  ui?: boolean;
  /** Address to bind (default loopback; `0.0.0.0`: every interface); `advertise` is the one clients get. */
  ip?: string;
  advertise?: string;
  /** More `temporal server start-dev` arguments, e.g. dynamic config for tests. */
  extraArgs?: string[];
  log?: (msg: string) => void;
}

/**
 * Starts `temporal server start-dev` as a detached daemon with a persistent SQLite database under `dir`, so
 * workflows survive restarts of the server and of the CLI that started it. Resolves when it serves gRPC.
 */
export async function startDevServer(opts: StartDevServerOptions): Promise<DevServerInfo> {
  const cli = ensureTemporalCli(opts.log);
  mkdirSync(opts.dir, { recursive: true });
  const ip = opts.ip ?? '127.0.0.1';
  const probeHost = isWildcard(ip) ? '127.0.0.1' : ip;
  const port = await freePort(opts.port ?? 7233, ip);
  const uiPort = await freePort(port + 1000, ip);
  const dbFile = join(opts.dir, 'temporal.db');
  const logFile = join(opts.dir, 'server.log');
  // prettier-ignore
  const args = [
    'server', 'start-dev',
    '--ip', ip,
    '--port', String(port),
    '--db-filename', dbFile,
    '--namespace', 'default',
    '--log-format', 'json',
    '--log-level', 'warn',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    // Activities start on the worker that scheduled them, without a trip through the matching queue.
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
    // WAL without a sync per commit: durable across process crashes (what a dev server must survive);
    // only an OS crash could lose the last commits.
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    ...(opts.ui === false ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ...(opts.extraArgs ?? []),
  ];

  const out = openSync(logFile, 'a');
  const child = spawn(cli, args, { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  const pid = child.pid!;
  const up = await waitFor(async () => !pidAlive(pid) || (await portOpen(port, probeHost)), 30_000);
  if (!up || !pidAlive(pid)) {
    throw new ServiceError(`the Temporal dev server did not start (see ${logFile}): ${lastLine(logFile)}`);
  }
  const host = opts.advertise ?? probeHost;
  return { pid, port, uiPort, address: `${hostForUrl(host)}:${port}`, namespace: 'default', dbFile };
}

/** Stops a dev server started by {@link startDevServer} (SIGTERM, then SIGKILL after 10 s). */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<void> {
  if (!pidAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (!(await waitFor(async () => !pidAlive(pid), graceMs))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await waitFor(async () => !pidAlive(pid), 5_000);
  }
}

/** The last line of a log file (for one-line errors), or '' when it cannot be read. */
export function lastLine(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').pop()?.slice(0, 300) ?? '';
  } catch {
    return '';
  }
}
