export { pushDashboards, DEFAULT_FOLDER, type DashboardToPush, type PushOptions, type PushResult } from './push';
export {
  datasourceBody,
  datasourceSettingsFromEnv,
  upsertDatasource,
  datasourceExists,
  type PgDatasourceSettings,
} from './datasource';
export { ensureFolder, folderUid, type Folder } from './folders';
export { GrafanaHttp, normalizeBaseUrl, type Action } from './http';
