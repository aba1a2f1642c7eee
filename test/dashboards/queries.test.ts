import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { buildDashboards } from '../../dashboards';
import { PAIRED_GAIN_TITLE } from '../../dashboards/results-am';
import { packageRoot } from '../../services/paths';
import { shortArmLabels } from '../../services/spec';
import { sweepResults, trainingArmLabel, type AmCell, type SweepContext } from '../../services/sweeps';
import type { LocalWorkers } from '../../services/local/workers';
import { eventually, startTestServices, type TestServices } from '../helpers/services';
import { launch, tinySpec, waitForSweep, workers } from '../helpers/sweeps';
import { ADAM, ASCENT, insertKnownAmSweep, KNOWN_SWEEP } from '../helpers/known-am-sweep';
import {
  beatReferenceText,
  expectedPairedGains,
  gainKey,
  type ExpectedGain,
  type RawAmRow,
} from '../helpers/paired-gains';
import { expandGrafanaSql, type ExpandOptions, type TimeRange, type VariableState } from '../helpers/grafana-sql';
import {
  asDashboard,
  queryPanels,
  transformation,
  variablesOf,
  type DashboardJson,
  type PanelJson,
  type VariableJson,
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
  // The three training arms (relu collapses to one cell per seed) and two AM arms.
  const raw = tinySpec('dash', {
    grid: { activation: ['relu', 'leaky', 'proxy'], backwardSlope: [0.5], seed: [0, 1, 2] },
    am: { backwardSlopes: [0, 1], steps: 5, units: 'all', optimizer: ['ascent', 'adam'] },
    execution: {
      maxParallel: 2,
      taskQueue: 'tq-dash',
      retries: { maximumAttempts: 2, initialInterval: '1s' },
      timeouts: { heartbeat: '5s' },
    },
  });

  /** A variable's options as its query gives them on the current selection of the variables before it. */
  async function variableOptions(v: VariableJson, before: VariableState[]): Promise<{ value: string; text: string }[]> {
    const sql = expandGrafanaSql(String(v.query), { range, intervalMs: INTERVAL_MS, variables: before });
    const r = await reader.query(sql);
    const valueColumn = r.fields.some((f) => f.name === '__value') ? '__value' : r.fields[0].name;
    const textColumn = r.fields.some((f) => f.name === '__text') ? '__text' : valueColumn;
    return r.rows.map((row) => ({ value: String(row[valueColumn]), text: String(row[textColumn]) }));
  }

  /**
   * The dashboard's variables as Grafana resolves them on load: each query in order, All or the first option,
   * unless `choose` picks values (later variables then follow that choice, as in Grafana).
   */
  async function resolveVariables(
    d: DashboardJson,
    choose: Record<string, string | string[]> = {},
  ): Promise<VariableState[]> {
    const states: VariableState[] = [];
    for (const v of variablesOf(d)) {
      const multi = !!v.multi;
      const includeAll = !!v.includeAll;
      const chosen = choose[v.name];
      if (chosen !== undefined) {
        states.push({ name: v.name, multi, includeAll, value: chosen });
        continue;
      }
      const options = (await variableOptions(v, states)).map((o) => o.value);
      assert.ok(options.length > 0, `variable ${v.name} of ${d.uid} has options`);
      states.push(
        includeAll
          ? { name: v.name, multi, includeAll, allValue: v.allValue || undefined, value: options, isAll: true }
          : { name: v.name, multi, includeAll, value: multi ? [options[0]] : options[0] },
      );
    }
    return states;
  }

  /** The sweep's AM rows straight from the table (owner role), with each cell's training arm label. */
  async function rawAmRows(sweep = sweepId): Promise<RawAmRow[]> {
    const r = await s.pool.query(
      `SELECT a.cell_id, c.dataset, c.arch, c.activation, c.forward_slope, c.backward_slope, a.protocol,
              a.am_backward_slope, a.unit, a.value
       FROM am_results a JOIN cells c ON c.id = a.cell_id WHERE c.sweep_id = $1`,
      [sweep],
    );
    return r.rows.map((x) => ({
      cellId: Number(x.cell_id),
      dataset: x.dataset,
      arch: x.arch,
      trainingArm: armOf(x),
      protocol: x.protocol,
      slope: x.am_backward_slope,
      unit: x.unit,
      value: x.value,
    }));
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

  test('the numbers are the sweep’s: counts, failures with their error, curves, the AM gallery', async () => {
    const [overview, results, gallery] = dashboards;
    const counts = (await runPanel(overview, panelNamed(overview, 'Cells'))).rows[0];
    assert.deepEqual(Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)])), {
      total: 9,
      succeeded: 6,
      running: 0,
      pending: 0,
      failed: 3,
      cancelled: 0,
    });
    const status = (await runPanel(overview, panelNamed(overview, 'Sweep'))).rows[0];
    assert.deepEqual([status.status, Number(status.done)], ['failed', 6 / 9]);

    const failed = await runPanel(overview, panelNamed(overview, 'Failed cells'));
    assert.deepEqual(failed.rows.map((r) => r['training arm']).sort(), ARMS);
    for (const row of failed.rows) {
      assert.equal(row.seed, 2);
      assert.match(String(row.error), /injected fault \(train\)/);
    }
    // The age a panel shows lies between what the database clock says just before and just after the panel's
    // query (live workers may heartbeat in between): observed bounds, not a wall-clock limit.
    const clock = async () =>
      (
        await s.pool.query<{ id: string; now: number; hb: number }>(
          `SELECT id, extract(epoch FROM now()) AS now, extract(epoch FROM last_heartbeat_at) AS hb FROM workers`,
        )
      ).rows;
    const before = await clock();
    const workersRows = (await runPanel(overview, panelNamed(overview, 'Workers on this sweep’s task queue'))).rows;
    const after = await clock();
    assert.equal(workersRows.length, 2);
    for (const row of workersRows) {
      const [b, a] = [before, after].map((rows) => rows.find((w) => w.id === row.worker)!);
      const age = Number(row['heartbeat age']);
      assert.ok(
        age >= Number(b.now) - Number(a.hb) - 1e-6 && age <= Number(a.now) - Number(b.hb) + 1e-6,
        `${row.worker}: ${age}`,
      );
    }

    const cumulative = await runPanel(overview, panelNamed(overview, 'Cells finished (cumulative)'));
    const last = cumulative.rows.at(-1)!;
    assert.deepEqual([Number(last.succeeded), Number(last.failed)], [6, 3]);
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

    const curves = await runPanel(results, panelNamed(results, 'Test accuracy per cell'));
    assert.equal(curves.rows.length, 6 * 2, 'succeeded cells × epochs (failed cells have none)');

    const images = await runPanel(
      gallery,
      panelNamed(gallery, 'Maximizing inputs: AM arm × AM backward slope × class'),
    );
    assert.equal(images.rows.length, 2 * 2 * 4, 'AM arms × AM slopes × classes of the chosen cell');
    assert.deepEqual([...new Set(images.rows.map((r) => r.class))], ['class 0', 'class 1', 'class 2', 'class 3']);
    assert.deepEqual([...new Set(images.rows.map((r) => r['AM arm · AM backward slope']))].sort(), [
      'adam lr=0.05 · AM slope 0',
      'adam lr=0.05 · AM slope 1',
      'ascent lr=0.1 · AM slope 0',
      'ascent lr=0.1 · AM slope 1',
    ]);
  });

  test('the three training arms stay apart: matrix rows and accuracy per arm, mean and std over seeds', async () => {
    const results = dashboardNamed('proxysweep-results');
    const cells = await s.pool.query<{
      activation: string;
      forward_slope: number;
      backward_slope: number;
      test_accuracy: number;
    }>(
      `SELECT activation, forward_slope, backward_slope, test_accuracy FROM cells WHERE sweep_id = $1 AND status = 'succeeded'`,
      [sweepId],
    );
    const byArm = new Map<string, number[]>();
    for (const c of cells.rows) {
      const arm = armOf(c);
      byArm.set(arm, [...(byArm.get(arm) ?? []), c.test_accuracy]);
    }
    assert.deepEqual([...byArm.keys()].sort(), ARMS, 'one relu, one leaky and one proxy arm');
    const summary = (arm: string) => {
      const xs = byArm.get(arm)!;
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      return { n: xs.length, mean, std: Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) };
    };

    const matrix = await runPanel(
      results,
      panelNamed(results, 'Test accuracy: training arm × dataset (mean and std over seeds)'),
    );
    assert.deepEqual(
      matrix.rows.map((r) => [r['column'], r['training arm']]),
      [
        ...ARMS.map((arm) => ['synthetic · small-cnn mean', arm]),
        ...ARMS.map((arm) => ['synthetic · small-cnn std', arm]),
      ],
    );
    for (const r of matrix.rows) {
      const want = summary(String(r['training arm']));
      close(r.value, String(r.column).endsWith('mean') ? want.mean : want.std, `matrix ${String(r.column)}`);
    }

    const perArm = await runPanel(results, panelNamed(results, 'Test accuracy per training arm'));
    const reference = (await sweepResults(s.pool, sweepId)).accuracy;
    assert.deepEqual(
      perArm.rows.map((r) => r['training arm']),
      reference.map(trainingArmLabel),
      'sweepResults’ arms, in its order',
    );
    for (const [i, r] of perArm.rows.entries()) {
      const want = summary(String(r['training arm']));
      assert.equal(Number(r.seeds), want.n);
      close(r.mean, want.mean, 'mean');
      close(r.std, want.std, 'std');
      close(r.std, reference[i].std, 'std as sweepResults');
    }
  });

  test('labels read as in the CLI and the report: AM arms by shortArmLabels, training arms by trainingArmLabel', async () => {
    for (const d of [dashboardNamed('proxysweep-results'), dashboardNamed('proxysweep-am-gallery')]) {
      const states = await resolveVariables(d);
      const v = variablesOf(d).find((x) => x.name === 'protocol')!;
      const options = await variableOptions(v, states.slice(0, variablesOf(d).indexOf(v)));
      const protocols = (await rawAmRows()).map((r) => r.protocol);
      const labels = shortArmLabels([...new Set(protocols)]);
      assert.equal(options.length, 2, 'two AM arms');
      assert.deepEqual(
        options,
        [...labels.keys()].sort().map((value) => ({ value, text: labels.get(value) })),
      );
      assert.deepEqual(
        options.map((o) => o.text),
        ['adam lr=0.05', 'ascent lr=0.1'],
      );
    }
    const results = dashboardNamed('proxysweep-results');
    const cellOptions = await variableOptions(
      variablesOf(results).find((x) => x.name === 'cell')!,
      await resolveVariables(results),
    );
    for (const c of (
      await s.pool.query('SELECT id, activation, forward_slope, backward_slope FROM cells WHERE sweep_id = $1', [
        sweepId,
      ])
    ).rows) {
      const text = cellOptions.find((o) => o.value === String(c.id))!.text;
      const arm = armOf(c);
      assert.ok(text.includes(`, ${arm}, seed `), `${text} names the arm ${arm}`);
    }
  });

  test('paired AM gain on the real sweep: the panels give the numbers computed from the raw rows, and sweepResults’', async () => {
    const results = dashboardNamed('proxysweep-results');
    const raw = await rawAmRows();
    const labels = shortArmLabels([...new Set(raw.map((r) => r.protocol))]);
    const expected = expectedPairedGains(raw);
    assert.equal(expected.size, 3 * 2 * 2, 'training arms × AM arms × AM slopes');
    assertGainTable(await runPanel(results, panelNamed(results, PAIRED_GAIN_TITLE)), expected, labels);
    assertGainTrend(
      await runPanel(results, panelNamed(results, 'Paired AM gain vs AM backward slope (1 = reference slope)')),
      expected,
      labels,
    );

    const reference = (await sweepResults(s.pool, sweepId)).am;
    assertSweepResultsAgree(reference, expected);
    const amTable = await runPanel(
      results,
      panelNamed(results, 'AM maximum and start-point gradient per trained net, AM arm and AM slope'),
    );
    assert.equal(amTable.rows.length, reference.length);
    for (const [i, a] of reference.entries()) {
      // The maxima and the start gradient beside them, row for row in sweepResults' order.
      const row = amTable.rows[i];
      assert.deepEqual(
        [
          row.dataset,
          row.arch,
          row['training arm'],
          row['AM arm'],
          row['AM backward slope'],
          Number(row.maximizations),
        ],
        [a.dataset, a.arch, trainingArmLabel(a), labels.get(a.protocol), a.amBackwardSlope, a.n],
      );
      close(row['mean maximum'], a.mean, 'mean maximum');
      close(row.std, a.std, 'std');
      close(row['best maximum'], a.max, 'best maximum');
      close(row['zero grad at start'], a.startZeroFraction, 'zero grad');
      close(row['|grad| at start'], a.startGradL2, '|grad|');
      assert.ok(a.startZeroFraction !== null && a.startGradL2 !== null, 'new rows record the start gradient');
    }
  });

  test('the gallery shows the chosen AM arms only, each row named by its arm and AM slope', async () => {
    const gallery = dashboardNamed('proxysweep-am-gallery');
    const ascent = (await rawAmRows()).find((r) => r.protocol.startsWith('ascent '))!.protocol;
    const variables = await resolveVariables(gallery, { protocol: [ascent] });
    for (const title of [
      'Maximizing inputs: AM arm × AM backward slope × class',
      'AM maximum (true forward logit) per class',
    ]) {
      const r = await runPanel(gallery, panelNamed(gallery, title), { variables });
      assert.equal(r.rows.length, 2 * 4, `${title}: AM slopes × classes of one arm`);
      assert.deepEqual(
        [...new Set(r.rows.map((x) => x['AM arm · AM backward slope']))],
        ['ascent lr=0.1 · AM slope 0', 'ascent lr=0.1 · AM slope 1'],
      );
    }
    const start = await runPanel(gallery, panelNamed(gallery, 'Start-point input gradient of this cell'), {
      variables,
    });
    assert.deepEqual(
      start.rows.map((x) => [x['AM arm'], x['AM backward slope']]),
      [
        ['ascent lr=0.1', 0],
        ['ascent lr=0.1', 1],
      ],
    );
    for (const x of start.rows) assert.ok(Number(x['zero grad at start']) >= 0 && Number(x['zero grad at start']) <= 1);
  });

  describe('paired AM gain on rows with hand-worked values', () => {
    const results = () => dashboardNamed('proxysweep-results');
    const gainRows = async (choose: Record<string, string | string[]> = {}) =>
      (
        await runPanel(results(), panelNamed(results(), PAIRED_GAIN_TITLE), {
          variables: await resolveVariables(results(), { sweep: KNOWN_SWEEP, ...choose }),
        })
      ).rows;

    before(() => insertKnownAmSweep(s.pool));

    test('ratios per cell then mean ± std over cells; a reference mean ≤ 0 leaves the cell out; two protocols never mix', async () => {
      const rows = await gainRows();
      const view = rows.map((r) => [
        r.dataset,
        r['training arm'],
        r['AM arm'],
        r['AM backward slope'],
        r['gain vs reference'],
        r['gain std'],
        r['cells compared'],
        r['beat reference'],
      ]);
      const proxy = 'proxy 0→0.5';
      const hand: unknown[][] = [
        ['alpha', proxy, 'adam lr=0.05', 0.1, 1, 0, 2, 'reference'],
        // a1 has no class 1 at adam's reference slope 0.1: its ratio uses class 0 only (6/4).
        ['alpha', proxy, 'adam lr=0.05', 0.5, 1.5, 0, 2, '0.5 beat 0.1 on 2 of 3'],
        ['alpha', proxy, 'ascent lr=0.1', 0, 1, 0, 2, 'reference'],
        ['alpha', proxy, 'ascent lr=0.1', 0.1, 3.25 / 3, null, 1, '0.1 beat 0 on 1 of 2'],
        ['alpha', proxy, 'ascent lr=0.1', 0.5, 1.375, 0.375 * Math.SQRT2, 2, '0.5 beat 0 on 3 of 4'],
        // The ReLU cell's reference mean is −0.25: no ratio, but its pairs still count.
        ['alpha', 'relu', 'ascent lr=0.1', 0, null, null, 0, 'reference'],
        ['alpha', 'relu', 'ascent lr=0.1', 0.5, null, null, 0, '0.5 beat 0 on 2 of 2'],
        // beta never ran adam at its reference slope 0.1 (the smallest in the sweep): nothing to compare.
        ['beta', proxy, 'adam lr=0.05', 0.5, null, null, 0, '0.5 beat 0.1 on 0 of 0'],
        ['beta', proxy, 'adam lr=0.05', 1, null, null, 0, '1 beat 0.1 on 0 of 0'],
        ['beta', proxy, 'ascent lr=0.1', 0, 1, null, 1, 'reference'],
        ['beta', proxy, 'ascent lr=0.1', 0.5, 1.25, null, 1, '0.5 beat 0 on 1 of 2'],
      ];
      assert.equal(view.length, hand.length, JSON.stringify(view));
      for (const [i, want] of hand.entries()) {
        const got = view[i];
        assert.deepEqual([...got.slice(0, 4), got[6], got[7]], [...want.slice(0, 4), want[6], want[7]], `row ${i}`);
        close(got[4], want[4] as number | null, `row ${i} gain`);
        close(got[5], want[5] as number | null, `row ${i} gain std`);
      }
      const raw = await rawAmRows(KNOWN_SWEEP);
      assertGainTable({ columns: [], rows }, expectedPairedGains(raw), shortArmLabels([ADAM, ASCENT]));
      assertSweepResultsAgree((await sweepResults(s.pool, KNOWN_SWEEP)).am, expectedPairedGains(raw));
    });

    test('the reference slope and every number stay put when the variables narrow datasets or AM arms', async () => {
      const all = await gainRows();
      assert.deepEqual(
        await gainRows({ dataset: ['beta'] }),
        all.filter((r) => r.dataset === 'beta'),
      );
      assert.deepEqual(
        await gainRows({ protocol: [ADAM] }),
        all.filter((r) => r['AM arm'] === 'adam lr=0.05'),
      );
      // No AM arm to choose (a sweep without AM results): no rows, and no SQL error either.
      assert.deepEqual(await gainRows({ protocol: [] }), []);
      assert.deepEqual(await gainRows({ protocol: '' }), []);
    });
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

// The training arms of the sweep above, as trainingArmLabel writes them, in the order panels list them.
const ARMS = ['leaky 0.5', 'proxy 0→0.5', 'relu'];

/** A cells row's training arm, as the CLI and the report label it. */
const armOf = (c: { activation: string; forward_slope: number; backward_slope: number }) =>
  trainingArmLabel({ activation: c.activation, forwardSlope: c.forward_slope, backwardSlope: c.backward_slope });

const dashboardNamed = (uid: string) => {
  const d = dashboards.find((x) => x.uid === uid);
  assert.ok(d, uid);
  return d;
};

/** Equal up to float rounding (PostgreSQL and JavaScript sum in different orders); null only where null is due. */
function close(actual: unknown, expected: number | null | undefined, what: string): void {
  if (expected === null || expected === undefined) {
    assert.equal(actual, null, `${what}: expected no value, got ${String(actual)}`);
    return;
  }
  assert.equal(typeof actual, 'number', `${what}: expected ${expected}, got ${String(actual)}`);
  const a = actual as number;
  assert.ok(Math.abs(a - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${a} ≠ ${expected}`);
}

/** The paired-gain table: exactly one row per expected group, with its numbers and its "beat reference" text. */
function assertGainTable(r: Result, expected: Map<string, ExpectedGain>, labels: Map<string, string>): void {
  const protocolOf = new Map([...labels].map(([protocol, label]) => [label, protocol]));
  const keys = r.rows.map((row) =>
    gainKey({
      dataset: String(row.dataset),
      arch: String(row.arch),
      trainingArm: String(row['training arm']),
      protocol: protocolOf.get(String(row['AM arm'])) ?? `unknown arm ${String(row['AM arm'])}`,
      slope: Number(row['AM backward slope']),
    }),
  );
  assert.deepEqual(new Set(keys), new Set(expected.keys()), 'one row per trained net, AM arm and AM slope');
  assert.equal(keys.length, expected.size, 'no duplicate rows');
  for (const [i, row] of r.rows.entries()) {
    const want = expected.get(keys[i])!;
    close(row['gain vs reference'], want.gainMean, `${keys[i]} gain`);
    close(row['gain std'], want.gainStd, `${keys[i]} gain std`);
    assert.equal(row['cells compared'], want.gainCells, `${keys[i]} cells compared`);
    assert.equal(row['beat reference'], beatReferenceText(want), `${keys[i]} beat reference`);
  }
}

/** The gain trend: one point per expected group, on the line of its trained net and AM arm. */
function assertGainTrend(r: Result, expected: Map<string, ExpectedGain>, labels: Map<string, string>): void {
  const point = (series: string, slope: unknown) => `${series} @ ${String(slope)}`;
  const want = new Map(
    [...expected.values()].map((g) => [
      point(`${g.dataset} · ${g.arch} · ${g.trainingArm} · ${labels.get(g.protocol)}`, g.slope),
      g.gainMean,
    ]),
  );
  assert.equal(r.rows.length, want.size);
  for (const row of r.rows) {
    const key = point(String(row.series), row['AM backward slope']);
    assert.ok(want.has(key), `unexpected point ${key}`);
    close(row['gain vs reference'], want.get(key), key);
  }
}

/** sweepResults (the CLI's table and the report) has the same paired numbers as the independent computation. */
function assertSweepResultsAgree(reference: AmCell[], expected: Map<string, ExpectedGain>): void {
  assert.equal(reference.length, expected.size);
  for (const a of reference) {
    const key = gainKey({
      dataset: a.dataset,
      arch: a.arch,
      trainingArm: trainingArmLabel(a),
      protocol: a.protocol,
      slope: a.amBackwardSlope,
    });
    const want = expected.get(key);
    assert.ok(want, key);
    close(a.gainMean, want.gainMean, `sweepResults ${key} gain`);
    close(a.gainStd, want.gainStd, `sweepResults ${key} gain std`);
    assert.deepEqual(
      [a.gainCells, a.wins, a.pairs, a.referenceSlope],
      [want.gainCells, want.wins, want.pairs, want.referenceSlope],
      `sweepResults ${key}`,
    );
  }
}

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
