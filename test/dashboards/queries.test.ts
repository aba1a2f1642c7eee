import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { buildDashboards } from '../../dashboards';
import { packageRoot } from '../../services/paths';
import type { SweepContext } from '../../services/sweeps';
import type { LocalWorkers } from '../../services/local/workers';
import { eventually, startTestServices, type TestServices } from '../helpers/services';
import { launch, tinySpec, waitForSweep, workers } from '../helpers/sweeps';
import { expandGrafanaSql, type ExpandOptions, type TimeRange, type VariableState } from '../helpers/grafana-sql';
import {
  asDashboard,
  queryPanels,
  transformation,
  variablesOf,
  type DashboardJson,
  type PanelJson,
} from '../helpers/dashboard-json';

/**
 * Every panel and variable query of the generated dashboards, expanded as Grafana expands it, run by the
 * read-only Grafana role against a real PostgreSQL that a real sweep (Temporal, worker processes) has filled.
 */

const dashboards = buildDashboards().map((d) => asDashboard(d.json));
const INTERVAL_MS = 60_000;
const STRING_TYPES = new Set([25, 1043, 19]); // text, varchar, name
const TIME_TYPES = new Set([1114, 1184]); // timestamp, timestamptz
const NUMERIC_TYPES = new Set([20, 21, 23, 700, 701, 1700]); // int8, int2, int4, float4, float8, numeric

interface Result {
  columns: { name: string; type: number }[];
  rows: Record<string, unknown>[];
}

const panelNamed = (d: DashboardJson, title: string) => {
  const p = queryPanels(d).find((x) => x.title === title);
  assert.ok(p, `panel "${title}" in ${d.uid}`);
  return p;
};

describe('dashboard queries on a real sweep (Grafana expansion, read-only role, real PostgreSQL)', () => {
  let s: TestServices;
  let ctx: SweepContext;
  let w: LocalWorkers;
  let reader: pg.Pool;
  let sweepId: string;
  let range: TimeRange;
  const raw = tinySpec('dash', {
    grid: { backwardSlope: [0, 0.5], seed: [0, 1, 2] },
    execution: {
      maxParallel: 2,
      taskQueue: 'tq-dash',
      retries: { maximumAttempts: 2, initialInterval: '1s' },
      timeouts: { heartbeat: '5s' },
    },
  });

  /** The dashboard's variables as Grafana resolves them on load: each query in order, All or the first option. */
  async function resolveVariables(d: DashboardJson): Promise<VariableState[]> {
    const states: VariableState[] = [];
    for (const v of variablesOf(d)) {
      const sql = expandGrafanaSql(String(v.query), { range, intervalMs: INTERVAL_MS, variables: states });
      const r = await reader.query(sql);
      const valueColumn = r.fields.some((f) => f.name === '__value') ? '__value' : r.fields[0].name;
      const options = r.rows.map((row) => String(row[valueColumn]));
      assert.ok(options.length > 0, `variable ${v.name} of ${d.uid} has options`);
      const multi = !!v.multi;
      const includeAll = !!v.includeAll;
      states.push(
        includeAll
          ? { name: v.name, multi, includeAll, allValue: v.allValue || undefined, value: options, isAll: true }
          : { name: v.name, multi, includeAll, value: multi ? [options[0]] : options[0] },
      );
    }
    return states;
  }

  async function runPanel(d: DashboardJson, p: PanelJson, opts?: Partial<ExpandOptions>): Promise<Result> {
    const variables = opts?.variables ?? (await resolveVariables(d));
    assert.equal(p.targets!.length, 1, 'one query per panel');
    const sql = expandGrafanaSql(p.targets![0].rawSql!, {
      range: opts?.range ?? range,
      intervalMs: INTERVAL_MS,
      variables,
    });
    assert.doesNotMatch(sql, /\$\w|\[\[/, `${p.title}: nothing left unexpanded`);
    const r = await reader.query(sql);
    return { columns: r.fields.map((f) => ({ name: f.name, type: f.dataTypeID })), rows: r.rows };
  }

  before(async () => {
    s = await startTestServices();
    // The read-only role from infra/, with a password set as the README says.
    await s.pool.query(readFileSync(join(packageRoot(), 'infra', 'grafana', 'reader-role.sql'), 'utf8'));
    await s.pool.query(`ALTER ROLE proxysweep_reader PASSWORD 'reader-test-password'`);
    const url = new URL(s.targets.databaseUrl);
    url.username = 'proxysweep_reader';
    url.password = 'reader-test-password';
    reader = new pg.Pool({ connectionString: url.toString(), max: 4 });
    const now = Date.now();
    // A fixed UTC range around this run (whole hours), as a dashboard's time picker would send.
    const hour = 3_600_000;
    range = {
      from: new Date(Math.floor(now / hour) * hour - hour),
      to: new Date(Math.floor(now / hour) * hour + 3 * hour),
    };
    // Cells with seed 2 fail (test-only switch): the failures panel has something to show. Slow steps leave
    // time to see cells running.
    w = workers(s, 2, 'tq-dash', { PROXYSWEEP_INJECT_FAULT: 'train:seed=2', PROXYSWEEP_TEST_STEP_DELAY_MS: '60' });
    ({ ctx, sweepId } = await launch(s, raw));
  });

  after(async () => {
    await reader?.end();
    await w?.stop();
    await ctx?.close();
    await s?.stop();
  });

  test('while the sweep runs, "Running cells" lists cells with their epoch, phase and worker', async () => {
    const overview = dashboards.find((d) => d.uid === 'proxysweep-overview')!;
    const panel = panelNamed(overview, 'Running cells');
    const r = await eventually(
      async () => {
        const res = await runPanel(overview, panel);
        return res.rows.length > 0 ? res : undefined;
      },
      90_000,
      'a running cell',
    );
    checkShape(panel, r);
    for (const row of r.rows) {
      assert.match(String(row.epoch), /^\d+\/2$/);
      assert.ok(['training', 'am'].includes(String(row.phase)), `phase ${String(row.phase)}`);
      assert.ok(Number(row.progress) >= 0 && Number(row.progress) <= 1);
      assert.ok(row.worker);
    }
  });

  test('after the sweep, every panel query returns the columns its panel expects, with data', async () => {
    assert.equal(await waitForSweep(s, sweepId), 'failed', 'seed-2 cells fail, the others succeed');
    for (const d of dashboards) {
      const variables = await resolveVariables(d);
      assert.equal(variables[0].value, sweepId, 'the sweep variable opens on the newest sweep');
      for (const p of queryPanels(d)) {
        const r = await runPanel(d, p, { variables });
        checkShape(p, r);
        // Nothing runs any more; every other panel has something to show on this sweep.
        if (p.title !== 'Running cells') assert.ok(r.rows.length > 0, `${d.uid} / "${p.title}" returned no rows`);
      }
    }
  });

  test('the numbers are the sweep’s: counts, failures with their error, the accuracy matrix, the AM gallery', async () => {
    const [overview, results, gallery] = dashboards;
    const counts = (await runPanel(overview, panelNamed(overview, 'Cells'))).rows[0];
    assert.deepEqual(Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)])), {
      total: 6,
      succeeded: 4,
      running: 0,
      pending: 0,
      failed: 2,
      cancelled: 0,
    });
    const status = (await runPanel(overview, panelNamed(overview, 'Sweep'))).rows[0];
    assert.deepEqual([status.status, Number(status.done)], ['failed', 4 / 6]);

    const failed = await runPanel(overview, panelNamed(overview, 'Failed cells'));
    assert.equal(failed.rows.length, 2);
    for (const row of failed.rows) {
      assert.equal(row.seed, 2);
      assert.match(String(row.error), /injected fault \(train\)/);
    }
    const workersRows = (await runPanel(overview, panelNamed(overview, 'Workers on this sweep’s task queue'))).rows;
    assert.equal(workersRows.length, 2);
    assert.ok(workersRows.every((r) => Number(r['heartbeat age']) < 60));

    const cumulative = await runPanel(overview, panelNamed(overview, 'Cells finished (cumulative)'));
    const last = cumulative.rows.at(-1)!;
    assert.deepEqual([Number(last.succeeded), Number(last.failed)], [4, 2]);
    // The time macros really filter: a range in the past shows nothing.
    const past = { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-01-02T00:00:00Z') };
    assert.equal(
      (await runPanel(overview, panelNamed(overview, 'Cells finished (cumulative)'), { range: past })).rows.length,
      0,
    );
    assert.equal(
      (await runPanel(overview, panelNamed(overview, 'Training throughput per worker'), { range: past })).rows.length,
      0,
    );

    // Matrix input: per training slope and dataset, mean (of 2 seeds) and std rows.
    const matrix = await runPanel(
      results,
      panelNamed(results, 'Test accuracy: training backward slope × dataset (mean and std over seeds)'),
    );
    assert.deepEqual(
      matrix.rows.map((r) => [r['column'], r['training backward slope']]),
      [
        ['synthetic · small-cnn mean', 0],
        ['synthetic · small-cnn mean', 0.5],
        ['synthetic · small-cnn std', 0],
        ['synthetic · small-cnn std', 0.5],
      ],
    );
    for (const r of matrix.rows) assert.ok(Number(r.value) >= 0 && Number(r.value) <= 1);
    const perConfig = await runPanel(results, panelNamed(results, 'Test accuracy per configuration'));
    assert.deepEqual(
      perConfig.rows.map((r) => Number(r.seeds)),
      [2, 2],
    );
    const curves = await runPanel(results, panelNamed(results, 'Test accuracy per cell'));
    assert.equal(curves.rows.length, 4 * 2, 'succeeded cells × epochs (failed cells have none)');

    const images = await runPanel(gallery, panelNamed(gallery, 'Maximizing inputs: AM backward slope × class'));
    assert.equal(images.rows.length, 2 * 4, 'AM slopes × classes of the chosen cell');
    assert.deepEqual([...new Set(images.rows.map((r) => r.class))], ['class 0', 'class 1', 'class 2', 'class 3']);
  });

  test('the Grafana role reads the dashboards’ tables and nothing else, and cannot write', async () => {
    await assert.rejects(reader.query(`UPDATE cells SET status = 'failed'`), /read-only transaction|permission denied/);
    await assert.rejects(reader.query('SELECT * FROM checkpoints'), /permission denied/);
    // Even in an explicitly read-write transaction it has no INSERT right.
    const client = await reader.connect();
    try {
      await client.query('BEGIN READ WRITE');
      await assert.rejects(
        client.query(
          `INSERT INTO workers (id, hostname, pid, task_queue, slots, status) VALUES ('x', 'h', 1, 'q', 1, 'running')`,
        ),
        /permission denied/,
      );
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

/** What Grafana needs from a result to draw the panel it belongs to. */
function checkShape(p: PanelJson, r: Result): void {
  const what = `panel "${p.title}"`;
  const names = r.columns.map((c) => c.name);
  const type = (name: string) => r.columns.find((c) => c.name === name)?.type;
  assert.equal(new Set(names).size, names.length, `${what}: duplicate column names ${names.join(', ')}`);
  const format = p.targets![0].format;

  // A `time` column makes Grafana convert it to timestamps (in table format too): only where time is the axis.
  if (p.type === 'timeseries') {
    assert.equal(format, 'time_series', what);
    assert.ok(names.includes('time'), `${what}: needs a time column`);
    const t = type('time')!;
    assert.ok(TIME_TYPES.has(t) || NUMERIC_TYPES.has(t), `${what}: time column type ${t}`);
    const times = r.rows.map((row) => (row.time instanceof Date ? row.time.getTime() : Number(row.time) * 1000));
    for (let i = 1; i < times.length; i++) assert.ok(times[i - 1] <= times[i], `${what}: rows ascending by time`);
    for (const t of times) assert.ok(t >= Date.UTC(2000, 0) && t <= Date.UTC(2100, 0), `${what}: time ${t} as a date`);
    for (const c of r.columns.filter((c) => c.name !== 'time')) {
      if (c.name === 'metric') assert.ok(STRING_TYPES.has(c.type), `${what}: metric is a string`);
      else assert.ok(NUMERIC_TYPES.has(c.type), `${what}: value column ${c.name} is numeric (type ${c.type})`);
    }
  } else {
    assert.equal(format, 'table', what);
    assert.ok(!names.includes('time'), `${what}: a column named time would be read as a timestamp`);
  }

  // Transformations and options refer to columns by name.
  const partition = transformation(p, 'partitionByValues');
  for (const f of (partition?.options.fields as string[] | undefined) ?? [])
    assert.ok(names.includes(f), `${what}: partition field ${f}`);
  const matrix = transformation(p, 'groupingToMatrix');
  let visible = names;
  if (matrix) {
    const { rowField, columnField, valueField } = matrix.options as Record<string, string>;
    for (const f of [rowField, columnField, valueField]) assert.ok(names.includes(f), `${what}: matrix field ${f}`);
    visible = [`${rowField}\\${columnField}`, ...new Set(r.rows.map((row) => String(row[columnField])))];
  }
  if (p.type === 'trend') {
    const x = p.options!.xField as string;
    assert.ok(names.includes(x) && NUMERIC_TYPES.has(type(x)!), `${what}: numeric x field ${x}`);
    const key = ((partition?.options.fields as string[]) ?? [])[0];
    const seen = new Map<unknown, number>();
    for (const row of r.rows) {
      const prev = seen.get(key ? row[key] : '');
      assert.ok(prev === undefined || prev <= Number(row[x]), `${what}: x ascending within each series`);
      seen.set(key ? row[key] : '', Number(row[x]));
    }
  }
  if (p.type === 'stat') {
    const fields = (p.options!.reduceOptions as { fields: string }).fields;
    if (fields) {
      const re = jsRegex(fields);
      assert.ok(
        names.some((n) => re.test(n)),
        `${what}: reduce fields ${fields}`,
      );
    }
  }
  if (r.rows.length === 0) return;
  for (const o of p.fieldConfig?.overrides ?? []) {
    const pattern = String(o.matcher.options);
    const hit = o.matcher.id === 'byName' ? visible.includes(pattern) : visible.some((n) => jsRegex(pattern).test(n));
    assert.ok(hit, `${what}: override ${o.matcher.id} ${pattern} matches no column of ${visible.join(', ')}`);
    const image = o.properties.find(
      (x) => x.id === 'custom.cellOptions' && (x.value as { type: string }).type === 'image',
    );
    if (image) {
      // Image cells get their src straight from the value: a one-line data URI of a real PNG.
      const column = matrix ? (matrix.options.valueField as string) : pattern;
      for (const row of r.rows) {
        const uri = String(row[column]);
        assert.match(uri, /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/, `${what}: data URI`);
        const png = Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64');
        assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${what}: PNG`);
      }
    }
  }
}

/** Grafana's stringToJsRegex: `/re/flags` as written, anything else anchored at both ends. */
function jsRegex(pattern: string): RegExp {
  const m = /^\/(.*)\/([gimsuy]*)$/.exec(pattern);
  return m ? new RegExp(m[1], m[2]) : new RegExp(`^${pattern}$`);
}
