import type * as common from '@grafana/grafana-foundation-sdk/common';

/**
 * The one PostgreSQL data source every panel and variable uses. Its uid is fixed so the generated JSON, the
 * provisioning file and `proxysweep dashboards push` all agree without lookups (≤ 40 chars of [A-Za-z0-9_-]).
 */
export const PG_DATASOURCE_UID = 'proxysweep-pg';
export const PG_DATASOURCE_TYPE = 'grafana-postgresql-datasource';
export const PG_DATASOURCE_NAME = 'ProxySweep PostgreSQL';

export const PG: common.DataSourceRef = { type: PG_DATASOURCE_TYPE, uid: PG_DATASOURCE_UID };
