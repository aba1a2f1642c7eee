import { PG_DATASOURCE_UID } from '../../dashboards/datasource';
import { ServiceError } from '../errors';
import { datasourceExists, upsertDatasource, type PgDatasourceSettings } from './datasource';
import { ensureFolder, type Folder } from './folders';
import { GrafanaHttp } from './http';

export interface DashboardToPush {
  uid: string;
  title: string;
  json: object;
}

export interface PushOptions {
  /** Grafana's root URL, e.g. http://localhost:3000. */
  url: string;
  /** Service-account token (Editor; Admin to write the data source). */
  token: string;
  folderTitle?: string;
  dashboards: DashboardToPush[];
  /** When given, the pinned data source is created or updated first. */
  datasource?: PgDatasourceSettings;
  /** Version note Grafana keeps with each dashboard version. */
  message?: string;
  timeoutMs?: number;
}

export interface PushResult {
  grafana: string;
  folder: Folder;
  /** created/updated when written; present/missing/unknown when only checked. */
  datasource: { uid: string; action: 'created' | 'updated' | 'present' | 'missing' | 'unknown' };
  dashboards: { uid: string; title: string; url: string; version: number }[];
}

export const DEFAULT_FOLDER = 'ProxySweep';

// What Grafana's 412 statuses mean for a push, and what to do.
const PRECONDITION: Record<string, string> = {
  'version-mismatch': 'it changed in Grafana meanwhile; push again',
  'name-exists': 'another dashboard with this title exists in the folder; rename or delete it',
  'plugin-dashboard': 'a plugin owns this dashboard; remove the plugin’s copy first',
};

/**
 * Pushes dashboards through Grafana's HTTP API: folder (found by title or created), the data source with the
 * pinned uid when settings are given, then each dashboard with overwrite, so a push is idempotent.
 */
export async function pushDashboards(opts: PushOptions): Promise<PushResult> {
  const http = new GrafanaHttp(opts.url, opts.token, opts.timeoutMs);
  const folder = await ensureFolder(http, opts.folderTitle ?? DEFAULT_FOLDER);
  let datasource: PushResult['datasource'];
  if (opts.datasource) {
    datasource = await upsertDatasource(http, opts.datasource);
  } else {
    const exists = await datasourceExists(http);
    datasource = {
      uid: PG_DATASOURCE_UID,
      action: exists === undefined ? 'unknown' : exists ? 'present' : 'missing',
    };
  }
  const dashboards: PushResult['dashboards'] = [];
  for (const d of opts.dashboards) {
    const res = await http.request(
      'POST',
      '/api/dashboards/db',
      { what: `save dashboard "${d.title}"`, role: 'Editor' },
      {
        // id null + uid: Grafana matches by uid (insert or update), never by a numeric id from another instance.
        dashboard: { ...d.json, id: null },
        folderUid: folder.uid,
        overwrite: true,
        message: opts.message ?? 'pushed by proxysweep dashboards push',
      },
      [412],
    );
    if (res.status === 412) {
      const status = String(res.body.status ?? 'precondition-failed');
      throw new ServiceError(
        `Grafana refused dashboard "${d.title}" (412 ${status}): ${PRECONDITION[status] ?? String(res.body.message ?? 'precondition failed')}`,
      );
    }
    dashboards.push({
      uid: String(res.body.uid ?? d.uid),
      title: d.title,
      // Grafana's url is absolute-path (sub-path included), so resolve it against the origin.
      url: res.body.url ? new URL(String(res.body.url), http.base).toString() : `${http.base}/d/${d.uid}`,
      version: Number(res.body.version ?? 0),
    });
  }
  return { grafana: http.base, folder, datasource, dashboards };
}
