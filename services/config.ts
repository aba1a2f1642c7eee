import { UserError } from './errors';
import { localDatabaseUrl, readLocalState } from './local/stack';
import { temporalTargetFromEnv, type TemporalTarget } from './temporal/connection';

/** Where this process finds Postgres and Temporal. */
export interface ServiceTargets {
  /** Contains credentials: hand to pg only, never print (use redactDatabaseUrl). */
  databaseUrl: string;
  temporal: TemporalTarget;
}

/**
 * DATABASE_URL / TEMPORAL_ADDRESS (+ namespace, TLS, API key) when set; otherwise the local services that
 * `proxysweep services up` (or a running `proxysweep run`) started under `dataDir`.
 */
export function resolveTargets(dataDir: string, opts: { needTemporal?: boolean } = {}): ServiceTargets {
  const fromEnv = temporalTargetFromEnv();
  const local = readLocalState(dataDir);
  const databaseUrl = process.env.DATABASE_URL || localDatabaseUrl(dataDir);
  const temporal =
    fromEnv ?? (local?.temporal ? { address: local.temporal.address, namespace: local.temporal.namespace } : undefined);
  const needTemporal = opts.needTemporal !== false;
  if (!databaseUrl || (needTemporal && !temporal)) {
    const missing = [!databaseUrl && 'DATABASE_URL', needTemporal && !temporal && 'TEMPORAL_ADDRESS']
      .filter(Boolean)
      .join(' and ');
    throw new UserError(
      `no services to talk to: set ${missing}, or start local ones with \`proxysweep services up\` (data dir ${dataDir})`,
    );
  }
  // Commands that only read Postgres never touch `temporal`.
  return { databaseUrl, temporal: temporal ?? { address: '', namespace: 'default' } };
}
