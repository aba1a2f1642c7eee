import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServices, serviceEnv, type TestServices } from '../helpers/services';
import { packageRoot } from '../../services/paths';

const BIN = join(packageRoot(), 'bin', 'proxysweep.js');

describe('bad input: exit 2, one clear line, nothing written', () => {
  let s: TestServices;
  let dir: string;
  before(async () => {
    s = await startTestServices();
    dir = mkdtempSync(join(tmpdir(), 'ps-specs-'));
  });
  after(async () => {
    await s?.stop();
  });

  const cli = (args: string[], env = serviceEnv(s)) =>
    spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });

  const badSpecs: [string, string, RegExp][] = [
    ['wrong type', 'grid: {seed: [0]}\nbase: {epochs: "two"}\n', /base\.epochs: expected number, got "two"/],
    ['wrong type in a grid value', 'grid: {seed: [0, "one"]}\n', /grid\.seed\[1\]: expected number, got "one"/],
    [
      'unknown dataset',
      'grid: {dataset: [digits, imagenet]}\n',
      /unknown dataset "imagenet"; known: digits, synthetic/,
    ],
    ['empty grid', 'grid: {}\n', /grid is empty/],
    ['empty grid list', 'grid: {seed: []}\n', /grid\.seed: must list at least 1 value/],
    ['negative epochs', 'grid: {seed: [0]}\nbase: {epochs: -3}\n', /base\.epochs: must be >= 1, got -3/],
    ['unknown key', 'grid: {seed: [0]}\nbase: {epocs: 2}\n', /base: unknown key "epocs"/],
    ['unknown top-level key', 'grid: {seed: [0]}\nworkers: 3\n', /unknown key "workers"/],
    ['unknown grid key', 'grid: {sead: [0]}\n', /grid\.sead: must be a cell parameter/],
    [
      'inconsistent activation',
      'base: {activation: relu}\ngrid: {backwardSlope: [0.3]}\n',
      /backwardSlope=0\.3: activation mode "relu" has slope 0 in both passes/,
    ],
    [
      'bad duration',
      'grid: {seed: [0]}\nexecution: {timeouts: {train: soon}}\n',
      /execution\.timeouts\.train: must be a positive duration/,
    ],
    ['not YAML', 'grid: [seed: {\n', /not valid YAML\/JSON at line/],
    ['not a mapping', '- 1\n- 2\n', /spec must be a mapping/],
  ];

  for (const [what, text, message] of badSpecs) {
    test(`spec with ${what}`, async () => {
      const file = join(dir, `${what.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(file, text);
      const r = cli(['sweep', 'start', file]);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
      assert.match(lines[0], /^proxysweep: error: /);
      assert.match(lines[0], message);
    });
  }

  test('a missing spec file names the file', () => {
    const r = cli(['sweep', 'start', join(dir, 'nope.yaml')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /cannot read spec .*nope\.yaml: no such file/);
  });

  for (const args of [
    ['sweep', 'status', 'no-such-sweep'],
    ['sweep', 'resume', 'no-such-sweep'],
    ['sweep', 'cancel', 'no-such-sweep'],
    ['sweep', 'pause', 'no-such-sweep'],
  ]) {
    test(`\`${args.join(' ')}\` names the missing sweep and how to list them`, () => {
      const r = cli(args);
      assert.equal(r.status, 2);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1);
      assert.match(r.stderr, /no sweep with id "no-such-sweep"; list sweeps with `proxysweep sweep list`/);
    });
  }

  test('an unreachable database: exit 2, one line, and the password never shows', () => {
    const env = { ...serviceEnv(s), DATABASE_URL: 'postgres://alice:s3cret-pw@127.0.0.1:1/db' };
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, 'grid: {seed: [0]}\n');
    const r = cli(['sweep', 'start', file], env);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /cannot reach PostgreSQL at 127\.0\.0\.1:1\/db: connection refused/);
    assert.doesNotMatch(r.stderr + r.stdout, /s3cret-pw|alice/);
  });

  test('an unreachable Temporal: exit 2, one line naming the address', () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, 'grid: {seed: [0]}\n');
    const r = cli(['sweep', 'start', file], { ...serviceEnv(s), TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /cannot reach Temporal at 127\.0\.0\.1:1/);
  });

  test('usage errors exit 2', () => {
    assert.equal(cli(['sweep', 'resize', 'x', '--max-parallel', '0']).status, 2);
    assert.equal(cli(['no-such-command']).status, 2);
    assert.equal(cli(['worker', '--backend', 'tpu']).status, 2);
  });

  // After every failing case above (bad specs, unknown ids, unreachable services, usage errors), before the
  // one valid start below.
  test('nothing was written to Postgres or Temporal by any of them', async () => {
    const rows = await s.pool.query(
      'SELECT (SELECT count(*)::int FROM sweeps) AS sweeps, (SELECT count(*)::int FROM cells) AS cells',
    );
    assert.deepEqual(rows.rows[0], { sweeps: 0, cells: 0 });
    const workflows = [];
    for await (const wf of s.client.workflow.list()) workflows.push(wf);
    assert.equal(workflows.length, 0);
  });

  test('a valid start with no worker on its queue says how to start one', () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(file, 'name: lonely\ngrid: {seed: [0]}\nexecution: {taskQueue: nobody-here}\n');
    const human = cli(['sweep', 'start', file]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /started sweep lonely-/);
    assert.match(
      human.stdout,
      /no worker has heartbeated on task queue "nobody-here".*proxysweep worker --task-queue nobody-here/,
    );
    const again = cli(['sweep', 'start', file, '--json']);
    assert.equal(again.status, 0);
    const r = JSON.parse(again.stdout);
    assert.deepEqual([r.created, r.liveWorkers, r.taskQueue], [false, 0, 'nobody-here']);
  });
});
