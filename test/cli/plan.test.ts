import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../services/paths';

const BIN = join(packageRoot(), 'bin', 'proxysweep.js');

describe('sweep plan: the cells and AM arms of a spec, with no service running', () => {
  // Services that do not exist: plan must not need them.
  const env = { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', TEMPORAL_ADDRESS: '127.0.0.1:1' };
  const cli = (args: string[], cwd: string) =>
    spawnSync(process.execPath, [BIN, ...args], { env, cwd, encoding: 'utf8' });

  test('--json lists every cell with its key and parameters, and the AM arms', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ps-plan-'));
    const spec = join(cwd, 'arms.yaml');
    writeFileSync(
      spec,
      'name: arms\nbase: {dataset: synthetic}\ngrid: {activation: [relu, leaky, proxy], backwardSlope: [0.1, 0.3], seed: [0, 1]}\n' +
        'am: {backwardSlopes: [0, 0.3], optimizer: [ascent, adam]}\n',
    );
    const r = cli(['sweep', 'plan', spec, '--json'], cwd);
    assert.equal(r.status, 0, r.stderr);
    const plan = JSON.parse(r.stdout);
    assert.equal(plan.cells.length, 10);
    assert.deepEqual(
      plan.cells.map((c: { idx: number }) => c.idx),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    for (const c of plan.cells) assert.match(c.key, /^[0-9a-f]{16}$/);
    assert.deepEqual(
      plan.am.arms.map((a: { key: string }) => a.key),
      [
        'ascent lr=0.1 steps=200 init=zeros norm=none jitter=0 blur=off',
        'adam lr=0.05 steps=200 init=zeros norm=none jitter=0 blur=off',
      ],
    );
    assert.deepEqual(plan.totals, { cells: 10, trainingEpochs: 10, amRunsPerCell: 4, amSteps: 10 * 4 * 200 });
    assert.deepEqual(plan.varying, ['activation', 'forwardSlope', 'backwardSlope', 'seed']);
    const text = cli(['sweep', 'plan', spec], cwd);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /sweep arms-[0-9a-f]{8}: 10 cells/);
    assert.match(text.stdout, /proxy 0→0\.3/);
    assert.deepEqual(readdirSync(cwd), ['arms.yaml'], 'nothing written');
  });

  test('a bad spec exits 2 with one line naming the field, as sweep start does', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ps-plan-'));
    writeFileSync(join(cwd, 'bad.yaml'), 'grid: {seed: [0, 0]}\nam: {backwardSlopes: [0], normalize: l1}\n');
    const r = cli(['sweep', 'plan', 'bad.yaml'], cwd);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /am\.normalize/);
    assert.ok(!existsSync(join(cwd, '.proxysweep')));
  });
});
