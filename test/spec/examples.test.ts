import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpecFile } from '../../services/spec';
import { planSweep } from '../../services/sweeps/plan';
import { packageRoot } from '../../services/paths';

const dir = join(packageRoot(), 'examples');
const plan = (name: string) => planSweep(loadSpecFile(join(dir, name)));

describe('example specs', () => {
  test('every example validates', () => {
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    assert.ok(files.length >= 3, files.join(', '));
    for (const f of files) assert.ok(plan(f).totals.cells > 0, f);
  });

  test('paper-training: one ReLU cell per dataset and seed, one leaky and one ProxyGrad cell per slope', () => {
    const p = plan('paper-training.yaml');
    const count = (activation: string) => p.cells.filter((c) => c.params.activation === activation).length;
    assert.deepEqual([count('relu'), count('leaky'), count('proxy')], [3 * 5, 3 * 4 * 5, 3 * 4 * 5]);
    for (const c of p.cells) {
      const { activation, forwardSlope, backwardSlope } = c.params;
      if (activation === 'relu') assert.deepEqual([forwardSlope, backwardSlope], [0, 0]);
      if (activation === 'leaky') assert.equal(forwardSlope, backwardSlope);
      if (activation === 'proxy') assert.equal(forwardSlope, 0);
    }
  });

  test('paper-am compares the paper’s ascent with Adam; the quick demo uses the paper’s ascent on a deep net', () => {
    const am = plan('paper-am.yaml').am!;
    assert.deepEqual(
      am.arms.map((a) => a.protocol.optimizer),
      ['ascent', 'adam'],
    );
    assert.equal(am.slopes[0], 0);
    const quick = plan('quick-digits.yaml');
    assert.deepEqual(
      quick.am!.arms.map((a) => a.protocol.optimizer),
      ['ascent'],
    );
    assert.equal(quick.cells[0].params.arch, 'vgg');
  });
});
