import { resolveDataDir } from '../../paths';
import { envFile, servicesDown, servicesUp } from '../../local/stack';
import { createPool, migrate } from '../../db';
import { redactDatabaseUrl } from '../../db/pool';
import type { Output } from '../output';
import type { GlobalOptions } from './shared';

/** `services up`: embedded PostgreSQL + Temporal dev server that keep running for workers elsewhere. */
export async function servicesUpCommand(opts: GlobalOptions & { ui?: boolean }, out: Output) {
  const dataDir = resolveDataDir(opts.dataDir);
  const s = await servicesUp(dataDir, {
    startedBy: 'services-up',
    ui: opts.ui !== false,
    log: (m) => process.stderr.write(`${m}\n`),
  });
  const pool = createPool(s.databaseUrl!);
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  const result = {
    dataDir,
    postgres: redactDatabaseUrl(s.databaseUrl!),
    temporal: s.temporal?.address,
    temporalUi: s.temporalUi,
    envFile: envFile(dataDir),
    started: s.started,
  };
  out.result(result);
  out.line(`PostgreSQL  ${result.postgres}${s.started.postgres ? '' : ' (already running)'}`);
  out.line(
    `Temporal    ${result.temporal}${s.started.temporal ? '' : ' (already running)'}${s.temporalUi ? `, UI ${s.temporalUi}` : ''}`,
  );
  out.line(`Workers and commands in other terminals need these variables (the file holds the database password):`);
  out.line(`  source ${result.envFile}`);
  out.line(`Stop with \`proxysweep services down\`.`);
  return result;
}

export async function servicesDownCommand(opts: GlobalOptions, out: Output) {
  const r = await servicesDown(resolveDataDir(opts.dataDir));
  out.result(r);
  out.line(r.stopped.length ? `stopped ${r.stopped.join(' and ')}` : 'no local services were running');
  return r;
}
