import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';
import { PG } from './datasource';

/** The fields of Grafana's SQL query model that a code-mode Postgres target needs (the SDK has no SQL type). */
export interface PgQuery extends cog.Dataquery {
  refId?: string;
  hide?: boolean;
  datasource: common.DataSourceRef;
  rawSql: string;
  format: 'time_series' | 'table';
  rawQuery: true;
  editorMode: 'code';
}

/** A Postgres target. `format` is always explicit: the backend would assume time_series if it were missing. */
export class PgQueryBuilder implements cog.Builder<cog.Dataquery> {
  private readonly q: PgQuery;

  constructor(rawSql: string, format: PgQuery['format']) {
    this.q = {
      rawSql: dedent(rawSql),
      format,
      rawQuery: true,
      editorMode: 'code',
      datasource: PG,
      _implementsDataqueryVariant() {},
    };
  }

  refId(refId: string): this {
    this.q.refId = refId;
    return this;
  }

  build(): PgQuery {
    return this.q;
  }
}

/** One row per record, shown as is (tables, stats, trend and matrix transformations). */
export const tableQuery = (sql: string) => new PgQueryBuilder(sql, 'table').refId('A');

/** A `time` column plus numeric values (and an optional `metric` label), rows ascending by time. */
export const timeSeriesQuery = (sql: string) => new PgQueryBuilder(sql, 'time_series').refId('A');

// SQL is written indented inside template literals; strip the common indent so the JSON stays readable.
export function dedent(sql: string): string {
  const lines = sql.replace(/^\n+|\s+$/g, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
