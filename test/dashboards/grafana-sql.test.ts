import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  expandGrafanaSql,
  expandMacros,
  formatInterval,
  goFloat,
  interpolateVariables,
  parseIntervalMs,
  rfc3339Nano,
  type ExpandOptions,
} from '../helpers/grafana-sql';

// A fixed UTC range, as the expected strings in Grafana's own macro tests use.
const range = { from: new Date('2018-04-12T18:00:00Z'), to: new Date('2018-04-12T19:30:00.250Z') };
const opts = (variables: ExpandOptions['variables'] = []): ExpandOptions => ({ range, intervalMs: 300_000, variables });

describe('the Grafana Postgres expansion helper', () => {
  test('time macros', () => {
    assert.equal(expandMacros('$__time(t)', range), 't AS "time"');
    assert.equal(expandMacros('$__timeEpoch(t)', range), 'extract(epoch from t) as "time"');
    assert.equal(
      expandMacros('WHERE $__timeFilter(x.at)', range),
      "WHERE x.at BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T19:30:00.25Z'",
    );
    assert.equal(expandMacros('$__timeFrom() $__timeTo()', range), "'2018-04-12T18:00:00Z' '2018-04-12T19:30:00.25Z'");
    assert.equal(expandMacros("$__timeGroup(t, '5m')", range), 'floor(extract(epoch from t)/300)*300');
    assert.equal(expandMacros("$__timeGroupAlias(t,'1h')", range), 'floor(extract(epoch from t)/3600)*3600 AS "time"');
    // The pre-5.3 form: directly followed by a comma, it gets the alias too; with a space it does not.
    assert.equal(expandMacros("$__timeGroup(t,'5m'), v", range), 'floor(extract(epoch from t)/300)*300 AS "time", v');
    assert.equal(expandMacros("$__timeGroup(t,'5m') , v", range), 'floor(extract(epoch from t)/300)*300 , v');
    assert.equal(expandMacros("$__timeGroup(t, '5m', previous)", range), 'floor(extract(epoch from t)/300)*300');
    assert.equal(expandMacros("$__timeGroup(t, '30d')", range), 'floor(extract(epoch from t)/2.592e+06)*2.592e+06');
  });

  test('unix epoch macros', () => {
    assert.equal(expandMacros('$__unixEpochFilter(s)', range), 's >= 1523556000 AND s <= 1523561400');
    assert.equal(
      expandMacros('$__unixEpochNanoFilter(n)', range),
      'n >= 1523556000000000000 AND n <= 1523561400250000000',
    );
    assert.equal(expandMacros('$__unixEpochNanoFrom()', range), '1523556000000000000');
    assert.equal(expandMacros("$__unixEpochGroupAlias(s, '10s')", range), 'floor((s)/10)*10 AS "time"');
  });

  test('backend replacements come before macros, $__interval_ms before $__interval', () => {
    assert.equal(
      expandGrafanaSql('$__interval_ms $__interval $__unixEpochFrom() $__unixEpochTo()', opts()),
      '300000 5m 1523556000 1523561400',
    );
    assert.equal(
      expandGrafanaSql('SELECT $__timeGroupAlias(t, $__interval)', opts()),
      'SELECT floor(extract(epoch from t)/300)*300 AS "time"',
    );
  });

  test('unknown macros and bad arguments are errors, as in Grafana', () => {
    assert.throws(() => expandMacros('$__nope(x)', range), /unknown macro/);
    assert.throws(() => expandMacros('$__timeGroup(t)', range), /needs time column and interval/);
    assert.throws(() => expandMacros("$__timeGroup(t, '5 minutes')", range), /error parsing interval/);
    assert.throws(() => expandMacros("$__timeGroup(t, '5m', zero)", range), /fill value/);
    assert.throws(() => expandMacros('$__timeFilter()', range), /missing time column/);
  });

  test('template variables: single values unquoted, multi values quoted, :sqlstring always quoted', () => {
    const vars: ExpandOptions['variables'] = [
      { name: 'sweep', multi: false, includeAll: false, value: "it's" },
      { name: 'ds', multi: true, includeAll: true, value: ['a', "b'c"], isAll: true },
      { name: 'one', multi: true, includeAll: false, value: ['x'] },
    ];
    const i = (sql: string) => interpolateVariables(sql, opts(vars));
    assert.equal(i("= '$sweep'"), "= 'it''s'");
    assert.equal(i('IN ($ds)'), "IN ('a','b''c')");
    assert.equal(i('${sweep:sqlstring} ${ds:sqlstring} [[one]]'), "'it''s' 'a','b''c' 'x'");
    assert.equal(i('${ds:csv} ${ds:raw} ${sweep:raw}'), "a,b'c a,b'c it's");
    assert.equal(i('${ds:singlequote}'), "'a','b\\'c'");
    assert.equal(i('${ds:json}'), '["a","b\'c"]');
    assert.equal(i('$__timeFilter(x) $unknown $__from $__to'), '$__timeFilter(x) $unknown 1523556000000 1523561400250');
    assert.throws(() => i('${ds:lucene}'), /not supported/);
    const custom = [{ name: 'ds', multi: true, includeAll: true, allValue: '.*', value: ['a'], isAll: true }];
    assert.equal(interpolateVariables('${ds:sqlstring}', opts(custom)), '.*', 'a custom all value goes in raw');
  });

  test('Go formatting details', () => {
    assert.equal(rfc3339Nano(new Date('2020-01-02T03:04:05.000Z')), '2020-01-02T03:04:05Z');
    assert.equal(rfc3339Nano(new Date('2020-01-02T03:04:05.120Z')), '2020-01-02T03:04:05.12Z');
    assert.deepEqual(
      ['1m', '90s', '1h30m', '500ms', '1d', '2w'].map(parseIntervalMs),
      [60_000, 90_000, 5_400_000, 500, 86_400_000, 1_209_600_000],
    );
    assert.deepEqual([59_999, 60_000, 90_000, 86_400_000, 20].map(formatInterval), ['59s', '1m', '1m', '1d', '20ms']);
    assert.deepEqual([300, 0.5, 604800, 1e6, 0.00001].map(goFloat), ['300', '0.5', '604800', '1e+06', '1e-05']);
  });
});
