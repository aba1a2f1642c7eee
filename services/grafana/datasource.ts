import { PG_DATASOURCE_NAME, PG_DATASOURCE_TYPE, PG_DATASOURCE_UID } from '../../dashboards/datasource';
import { ServiceError, UserError } from '../errors';
import type { GrafanaHttp } from './http';

/** How Grafana reaches PostgreSQL (a SELECT-only role, see infra/grafana/reader-role.sql). */
export interface PgDatasourceSettings {
  /** host:port as Grafana (not this machine) resolves it. */
  url: string;
  database: string;
  user: string;
  /** Sent once in secureJsonData; Grafana stores it encrypted and never returns it. */
  password: string;
  sslmode?: 'disable' | 'require' | 'verify-ca' | 'verify-full';
}

const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** The data source as the provisioning file describes it, with the same pinned uid. */
export function datasourceBody(s: PgDatasourceSettings) {
  return {
    uid: PG_DATASOURCE_UID,
    name: PG_DATASOURCE_NAME,
    type: PG_DATASOURCE_TYPE,
    access: 'proxy',
    url: s.url,
    user: s.user,
    isDefault: false,
    jsonData: {
      database: s.database,
      sslmode: s.sslmode ?? 'require',
      postgresVersion: 1500,
      timescaledb: false,
      maxOpenConns: 10,
    },
    secureJsonData: { password: s.password },
  };
}

/** Creates the data source, or updates it in place (same uid) when it exists. */
export async function upsertDatasource(
  http: GrafanaHttp,
  settings: PgDatasourceSettings,
): Promise<{ uid: string; action: 'created' | 'updated' }> {
  const body = datasourceBody(settings);
  const action = { what: `create data source ${PG_DATASOURCE_UID}`, role: 'Admin' } as const;
  const created = await http.request('POST', '/api/datasources', action, body, [409]);
  if (created.status !== 409) return { uid: PG_DATASOURCE_UID, action: 'created' };
  const updated = await http.request(
    'PUT',
    `/api/datasources/uid/${PG_DATASOURCE_UID}`,
    { what: `update data source ${PG_DATASOURCE_UID}`, role: 'Admin' },
    body,
    [404],
  );
  if (updated.status === 404) {
    // The conflict was the name: another data source (another uid) is called the same.
    throw new ServiceError(
      `Grafana at ${http.base} has a data source named "${PG_DATASOURCE_NAME}" with a uid other than ${PG_DATASOURCE_UID}; rename or delete it, then push again`,
    );
  }
  return { uid: PG_DATASOURCE_UID, action: 'updated' };
}

/** Whether the pinned data source exists; undefined when the token may not look (then we cannot tell). */
export async function datasourceExists(http: GrafanaHttp): Promise<boolean | undefined> {
  const res = await http.request(
    'GET',
    `/api/datasources/uid/${PG_DATASOURCE_UID}`,
    { what: `read data source ${PG_DATASOURCE_UID}`, role: 'Viewer' },
    undefined,
    [403, 404],
  );
  return res.status === 200 ? true : res.status === 404 ? false : undefined;
}

/**
 * Data source settings from the environment: PROXYSWEEP_PG_URL (postgres://user:password@host:port/db?sslmode=…),
 * else PROXYSWEEP_PG_HOST / _DATABASE / _USER / _PASSWORD / _SSLMODE (the variables the provisioning file reads).
 * Deliberately not DATABASE_URL: that is the writers' account; Grafana should get a read-only one.
 */
export function datasourceSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): PgDatasourceSettings {
  const sslmode = (value: string | undefined, host: string) => {
    if (!value) return LOCAL_HOSTS.has(host) ? 'disable' : 'require';
    if (!(SSL_MODES as readonly string[]).includes(value)) {
      throw new UserError(`sslmode ${JSON.stringify(value)} is not one Grafana supports: ${SSL_MODES.join(', ')}`);
    }
    return value as PgDatasourceSettings['sslmode'];
  };
  if (env.PROXYSWEEP_PG_URL) {
    let u: URL;
    try {
      u = new URL(env.PROXYSWEEP_PG_URL);
    } catch {
      throw new UserError('PROXYSWEEP_PG_URL is not a URL; use postgres://user:password@host:5432/database');
    }
    const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
    if (!/^postgres(ql)?:$/.test(u.protocol) || !u.hostname || !u.username || !database) {
      throw new UserError('PROXYSWEEP_PG_URL must look like postgres://user:password@host:5432/database');
    }
    return {
      url: `${u.hostname}:${u.port || '5432'}`,
      database,
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      sslmode: sslmode(u.searchParams.get('sslmode') ?? undefined, u.hostname),
    };
  }
  const missing = [
    'PROXYSWEEP_PG_HOST',
    'PROXYSWEEP_PG_DATABASE',
    'PROXYSWEEP_PG_USER',
    'PROXYSWEEP_PG_PASSWORD',
  ].filter((k) => !env[k]);
  if (missing.length) {
    throw new UserError(
      `--with-datasource needs the read-only connection Grafana should use: set PROXYSWEEP_PG_URL ` +
        `(postgres://proxysweep_reader:PASSWORD@host:5432/proxysweep) or ${missing.join(', ')}`,
    );
  }
  const host = env.PROXYSWEEP_PG_HOST!;
  return {
    url: host,
    database: env.PROXYSWEEP_PG_DATABASE!,
    user: env.PROXYSWEEP_PG_USER!,
    password: env.PROXYSWEEP_PG_PASSWORD!,
    sslmode: sslmode(env.PROXYSWEEP_PG_SSLMODE, host.replace(/:\d+$/, '')),
  };
}
