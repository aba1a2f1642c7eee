import { resolve } from 'node:path';
import { buildDashboards, GENERATED_DIR, writeDashboards, type WriteResult } from '../../../dashboards';
import { datasourceSettingsFromEnv, DEFAULT_FOLDER, pushDashboards, type PushResult } from '../../grafana';
import { table, type Output } from '../output';

/** `dashboards build [--out DIR]`: writes the generated dashboard JSON (default: the committed folder). */
export async function dashboardsBuildCommand(opts: { out?: string }, out: Output): Promise<WriteResult> {
  const result = writeDashboards(opts.out ? resolve(opts.out) : GENERATED_DIR);
  out.result(result);
  out.line(`wrote ${result.written.length} dashboards to ${result.dir}: ${result.written.join(', ')}`);
  if (result.removed.length) out.line(`removed stale ${result.removed.join(', ')}`);
  return result;
}

/**
 * `dashboards push --url URL [--folder NAME] [--with-datasource]`: saves the dashboards through Grafana's HTTP API.
 * The token comes from GRAFANA_TOKEN; with --with-datasource, the read-only connection from PROXYSWEEP_PG_URL
 * (or PROXYSWEEP_PG_HOST/_DATABASE/_USER/_PASSWORD/_SSLMODE). Neither is ever printed.
 */
export async function dashboardsPushCommand(
  opts: { url: string; folder?: string; withDatasource?: boolean },
  out: Output,
): Promise<PushResult> {
  // Settings first: a missing variable is reported before anything is sent.
  const datasource = opts.withDatasource ? datasourceSettingsFromEnv() : undefined;
  const result = await pushDashboards({
    url: opts.url,
    token: process.env.GRAFANA_TOKEN ?? '',
    folderTitle: opts.folder ?? DEFAULT_FOLDER,
    dashboards: buildDashboards(),
    datasource,
  });
  out.result(result);
  out.line(
    `pushed ${result.dashboards.length} dashboards to ${result.grafana}, folder "${result.folder.title}"${result.folder.created ? ' (created)' : ''}`,
  );
  out.line(
    table(
      ['dashboard', 'version', 'url'],
      result.dashboards.map((d) => [d.title, d.version, d.url]),
    ),
  );
  const ds = result.datasource;
  if (ds.action === 'created' || ds.action === 'updated') out.line(`data source ${ds.uid} ${ds.action}`);
  if (ds.action === 'missing') {
    out.line(
      `note: Grafana has no data source with uid ${ds.uid}, so the panels will show no data; push again with ` +
        '--with-datasource, or provision infra/grafana/provisioning/datasources/proxysweep.yaml',
    );
  }
  return result;
}
