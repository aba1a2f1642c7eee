/**
 * Expands a Grafana Postgres query the way Grafana does before PostgreSQL sees it, so tests can run dashboard
 * SQL against a real database without a Grafana. Three stages, in Grafana's order:
 *   1. frontend: template variables (`$v`, `${v}`, `${v:format}`, `[[v]]`) and `$__from`/`$__to` (ms);
 *   2. backend: `$__interval_ms`, `$__interval`, `$__unixEpochFrom()`, `$__unixEpochTo()`;
 *   3. backend macro engine: every `$name(args)`, args split on `,` and trimmed; unknown macros are errors.
 * Ported from the rules of grafana's SqlDatasource/templateSrv (frontend) and sqleng + postgres macros.go.
 */

export interface TimeRange {
  from: Date;
  to: Date;
}

/** A template variable's definition and its current selection. */
export interface VariableState {
  name: string;
  multi: boolean;
  includeAll: boolean;
  /** Inserted raw, whatever the format, when "All" is selected (Grafana's custom all value). */
  allValue?: string;
  /** The selected value(s); for "All" without allValue: every option's value. */
  value: string | string[];
  isAll?: boolean;
}

export interface ExpandOptions {
  range: TimeRange;
  /** The panel's interval ($__interval), e.g. 60_000. */
  intervalMs: number;
  variables: VariableState[];
}

export class GrafanaSqlError extends Error {}

export function expandGrafanaSql(sql: string, opts: ExpandOptions): string {
  return expandMacros(interpolateBackend(interpolateVariables(sql, opts), opts), opts.range);
}

// Grafana's template variable syntax (public/app/features/variables/utils.ts `variableRegex`).
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** Stage 1: what the browser sends. Unknown names (macros such as `$__timeFilter`) stay as they are. */
export function interpolateVariables(sql: string, opts: ExpandOptions): string {
  const byName = new Map(opts.variables.map((v) => [v.name, v]));
  return sql.replace(
    VARIABLE,
    (match, plain?: string, bracket?: string, bracketFmt?: string, braced?: string, path?: string, fmt?: string) => {
      const name = plain ?? bracket ?? braced ?? '';
      const format = bracketFmt ?? fmt;
      if (name === '__from' || name === '__to') {
        if (format) throw new GrafanaSqlError(`format ${format} of $${name} is not supported by this helper`);
        return String((name === '__from' ? opts.range.from : opts.range.to).getTime());
      }
      if (name === '__interval') return formatInterval(opts.intervalMs);
      if (name === '__interval_ms') return String(opts.intervalMs);
      const v = byName.get(name);
      if (!v) return match;
      if (path) throw new GrafanaSqlError(`field path ${path} of $${name} is not supported by this helper`);
      return formatVariable(v, format);
    },
  );
}

const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

function formatVariable(v: VariableState, format: string | undefined): string {
  // A custom all value goes in raw, whatever the format (templateSrv skips formatting for it).
  if (v.isAll && v.allValue !== undefined) return v.allValue;
  const values = Array.isArray(v.value) ? v.value : [v.value];
  switch (format) {
    case undefined:
      // SqlDatasource.interpolateVariable: quote for multi/include-all variables, else escape only.
      if (Array.isArray(v.value)) return values.map(quoteLiteral).join(',');
      return v.multi || v.includeAll ? quoteLiteral(v.value) : v.value.replace(/'/g, "''");
    case 'sqlstring':
      return values.map(quoteLiteral).join(',');
    case 'csv':
    case 'raw':
      return values.join(',');
    case 'singlequote':
      return values.map((s) => `'${s.replace(/'/g, "\\'")}'`).join(',');
    case 'doublequote':
      return values.map((s) => `"${s.replace(/"/g, '\\"')}"`).join(',');
    case 'json':
      return JSON.stringify(v.value);
    default:
      throw new GrafanaSqlError(`variable format ${format} is not supported by this helper`);
  }
}

/** Stage 2: sqleng.Interpolate (note `$__interval_ms` must go before `$__interval`). */
export function interpolateBackend(sql: string, opts: Pick<ExpandOptions, 'range' | 'intervalMs'>): string {
  return sql
    .replaceAll('$__interval_ms', String(opts.intervalMs))
    .replaceAll('$__interval', formatInterval(opts.intervalMs))
    .replaceAll('$__unixEpochFrom()', String(unixSeconds(opts.range.from)))
    .replaceAll('$__unixEpochTo()', String(unixSeconds(opts.range.to)));
}

// postgres macros.go `sExpr`: any `$identifier(...)`, arguments without `)`.
const MACRO = /\$([_a-zA-Z0-9]+)\(([^)]*)\)/g;

/** Stage 3: the Postgres macro engine (not timescaledb). */
export function expandMacros(sql: string, range: TimeRange): string {
  return sql.replace(MACRO, (match: string, name: string, rawArgs: string, offset: number) => {
    // A `$__timeGroup(...)` directly followed by `,` is the pre-5.3 form, which also adds the alias.
    if (name === '__timeGroup' && sql[offset + match.length] === ',') name = '__timeGroupAlias';
    return evaluateMacro(
      name,
      rawArgs.split(',').map((a) => a.trim()),
      range,
    );
  });
}

function evaluateMacro(name: string, args: string[], range: TimeRange): string {
  const from = rfc3339Nano(range.from);
  const to = rfc3339Nano(range.to);
  const column = () => {
    if (!args[0]) throw new GrafanaSqlError(`missing time column argument for macro ${name}`);
    return args[0];
  };
  const interval = () => {
    if (args.length < 2) {
      throw new GrafanaSqlError(`macro ${name} needs time column and interval and optional fill value`);
    }
    const seconds = parseIntervalMs(args[1].replace(/^'+|'+$/g, '')) / 1000;
    if (args.length === 3) checkFill(args[2]);
    return goFloat(seconds);
  };
  switch (name) {
    case '__time':
      return `${column()} AS "time"`;
    case '__timeEpoch':
      return `extract(epoch from ${column()}) as "time"`;
    case '__timeFilter':
      return `${column()} BETWEEN '${from}' AND '${to}'`;
    case '__timeFrom':
      return `'${from}'`;
    case '__timeTo':
      return `'${to}'`;
    case '__timeGroup': {
      const s = interval();
      return `floor(extract(epoch from ${args[0]})/${s})*${s}`;
    }
    case '__timeGroupAlias':
      return `${evaluateMacro('__timeGroup', args, range)} AS "time"`;
    case '__unixEpochFilter':
      return `${column()} >= ${unixSeconds(range.from)} AND ${column()} <= ${unixSeconds(range.to)}`;
    case '__unixEpochNanoFilter':
      return `${column()} >= ${unixNanos(range.from)} AND ${column()} <= ${unixNanos(range.to)}`;
    case '__unixEpochNanoFrom':
      return unixNanos(range.from);
    case '__unixEpochNanoTo':
      return unixNanos(range.to);
    case '__unixEpochGroup': {
      const s = interval();
      return `floor((${args[0]})/${s})*${s}`;
    }
    case '__unixEpochGroupAlias':
      return `${evaluateMacro('__unixEpochGroup', args, range)} AS "time"`;
    default:
      throw new GrafanaSqlError(`unknown macro "${name}"`);
  }
}

// sqleng.SetupFillmode: NULL, previous, or a number.
function checkFill(fill: string): void {
  if (fill !== 'NULL' && fill !== 'previous' && !Number.isFinite(Number(fill))) {
    throw new GrafanaSqlError(`error parsing fill value ${fill}`);
  }
}

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** gtime.ParseInterval: `<n>d` / `<n>w`, or a Go duration such as `5m`, `1h30m`, `500ms` (months/years refused). */
export function parseIntervalMs(text: string): number {
  const days = /^(\d+)([dw])$/.exec(text);
  if (days) return Number(days[1]) * UNIT_MS[days[2]];
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) {
    throw new GrafanaSqlError(`error parsing interval ${text}`);
  }
  let ms = 0;
  for (const [, n, , u] of text.matchAll(/(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * UNIT_MS[u];
  return ms;
}

/** gtime.FormatInterval: the largest whole unit (y, d, h, m, s, ms). */
export function formatInterval(ms: number): string {
  const units: [string, number][] = [
    ['y', 365 * 86_400_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  for (const [u, size] of units) if (ms >= size) return `${Math.floor(ms / size)}${u}`;
  return '1ms';
}

/** Go's `%v` for a float64 (strconv 'g', shortest): exponent form from 1e6 up and below 1e-4, e.g. `1e+06`. */
export function goFloat(v: number): string {
  if (v === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= 6) {
    const [mant, e] = v.toExponential().split('e');
    const sign = e.startsWith('-') ? '-' : '+';
    return `${mant}e${sign}${e.replace(/^[-+]/, '').padStart(2, '0')}`;
  }
  return String(v);
}

/** Go's time.RFC3339Nano in UTC: fractional seconds only when non-zero, trailing zeros dropped. */
export function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}

const unixSeconds = (d: Date) => Math.floor(d.getTime() / 1000);
const unixNanos = (d: Date) => (BigInt(d.getTime()) * 1_000_000n).toString();
