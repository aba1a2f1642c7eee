import { resolveDataDir } from '../../paths';
import { isIP } from 'node:net';
import {
  advertisedHost,
  DEFAULT_LISTEN,
  envFile,
  servicesDown,
  servicesUp,
  type TemporalKind,
} from '../../local/stack';
import { UserError } from '../../errors';
import { createPool, migrate } from '../../db';
import { redactDatabaseUrl } from '../../db/pool';
import { temporalTargetFromEnv } from '../../temporal/connection';
import { canBind, isLoopback } from '../../net';
import type { Output } from '../output';
import type { GlobalOptions } from './shared';

export interface ServicesUpCommandOptions extends GlobalOptions {
  ui?: boolean;
  /** Address to bind for other hosts (default 127.0.0.1). */
  listen?: string;
  temporal?: TemporalKind;
}

/**
 * `services up`: PostgreSQL + a Temporal server that keep running for workers elsewhere. Starts what the
 * environment does not point to already (DATABASE_URL, TEMPORAL_ADDRESS), so the two can live on two hosts.
 */
export async function servicesUpCommand(opts: ServicesUpCommandOptions, out: Output) {
  const dataDir = resolveDataDir(opts.dataDir);
  if (opts.listen) await checkListen(opts.listen);
  const envDb = process.env.DATABASE_URL || undefined;
  const envTemporal = temporalTargetFromEnv();
  const s = await servicesUp(dataDir, {
    startedBy: 'services-up',
    ui: opts.ui !== false,
    listen: opts.listen,
    temporal: opts.temporal,
    needPostgres: !envDb,
    needTemporal: !envTemporal,
    databaseUrl: envDb,
    log: (m) => process.stderr.write(`${m}\n`),
  });
  const databaseUrl = s.databaseUrl ?? envDb!;
  const pool = createPool(databaseUrl);
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  const temporal = s.temporal ?? envTemporal;
  const result = {
    dataDir,
    listen: s.state.listen ?? DEFAULT_LISTEN,
    postgres: redactDatabaseUrl(databaseUrl),
    temporal: temporal?.address,
    temporalServer: s.temporal ? (s.state.temporal?.kind ?? 'dev') : 'external',
    temporalUi: s.temporalUi,
    envFile: envFile(dataDir),
    started: s.started,
    workerHostCommands: workerHostCommands(envFile(dataDir), advertisedHost(s.state.listen ?? DEFAULT_LISTEN)),
  };
  out.result(result);
  const external = (mine: boolean) => (mine ? '' : ' (from the environment)');
  out.line(
    `PostgreSQL  ${result.postgres}${external(!!s.databaseUrl)}${s.databaseUrl && !s.started.postgres ? ' (already running)' : ''}`,
  );
  out.line(
    `Temporal    ${result.temporal} (${result.temporalServer === 'server' ? 'production server on PostgreSQL' : result.temporalServer === 'dev' ? 'dev server' : 'from the environment'})${s.temporal && !s.started.temporal ? ' (already running)' : ''}${s.temporalUi ? `, UI ${s.temporalUi}` : ''}`,
  );
  if (isLoopback(result.listen)) {
    out.line(`Workers and commands in other terminals need these variables (the file holds the database password):`);
    out.line(`  source ${result.envFile}`);
    out.line(`Only this machine can reach them; \`services up --listen <address>\` serves other hosts.`);
  } else {
    out.line(`On each worker host (copy the env file over a secure channel: it holds the database password):`);
    for (const c of result.workerHostCommands) out.line(`  ${c}`);
  }
  out.line(`Stop with \`proxysweep services down\`.`);
  return result;
}

async function checkListen(listen: string): Promise<void> {
  if (!isIP(listen)) {
    throw new UserError(`--listen must be an IP address of this machine (0.0.0.0: every interface), got "${listen}"`);
  }
  if (!(await canBind(listen))) {
    throw new UserError(
      `--listen ${listen}: this machine has no such address (see \`ip -brief address\`); use one of its addresses or 0.0.0.0`,
    );
  }
}

/** What a worker host runs: fetch the env file (0600, the password never goes on a command line), start. */
export function workerHostCommands(file: string, host: string): string[] {
  return [
    `scp ${host}:${file} ~/proxysweep.env && chmod 600 ~/proxysweep.env`,
    `. ~/proxysweep.env && npx proxysweep worker --task-queue proxysweep`,
  ];
}

export async function servicesDownCommand(opts: GlobalOptions, out: Output) {
  const r = await servicesDown(resolveDataDir(opts.dataDir));
  out.result(r);
  out.line(r.stopped.length ? `stopped ${r.stopped.join(' and ')}` : 'no local services were running');
  return r;
}
