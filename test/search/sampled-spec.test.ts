import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSpec } from '../../services/spec';
import { SpecError } from '../../services/errors';
import { planSweep } from '../../services/sweeps/plan';
import { loadSpecFile } from '../../services/spec';
import { packageRoot } from '../../services/paths';
import { join } from 'node:path';

const sampled = (extra: Record<string, unknown> = {}) => ({
  name: 'sampled',
  base: { dataset: 'synthetic', epochs: 9, validationFraction: 0.2 },
  grid: { backwardSlope: [0, 0.5], learningRate: { loguniform: [0.0001, 0.1] }, batchSize: { choice: [32, 64] } },
  search: { strategy: 'random', budget: 4, seed: 7 },
  ...extra,
});

describe('sampled search spaces', () => {
  test('each grid point gets `budget` draws, inside the bounds, deterministic from the seed', () => {
    const a = validateSpec(sampled());
    assert.equal(a.cells.length, 8);
    for (const c of a.cells) {
      assert.ok(c.params.learningRate >= 0.0001 && c.params.learningRate <= 0.1, String(c.params.learningRate));
      assert.ok([32, 64].includes(c.params.batchSize));
    }
    assert.deepEqual(
      a.cells.map((c) => c.params.backwardSlope),
      [0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5],
    );
    const again = validateSpec(sampled());
    assert.equal(again.sweepId, a.sweepId, 'relaunching the same spec is the same sweep');
    assert.deepEqual(
      again.cells.map((c) => c.key),
      a.cells.map((c) => c.key),
    );
    const otherSeed = validateSpec(sampled({ search: { strategy: 'random', budget: 4, seed: 8 } }));
    assert.notEqual(otherSeed.sweepId, a.sweepId);
    assert.notDeepEqual(
      otherSeed.cells.map((c) => c.params.learningRate),
      a.cells.map((c) => c.params.learningRate),
    );
  });

  test('raising the budget or adding a grid point keeps every existing draw', () => {
    const a = validateSpec(sampled());
    const more = validateSpec(sampled({ search: { strategy: 'random', budget: 6, seed: 7 } }));
    const wider = validateSpec(
      sampled({
        grid: {
          backwardSlope: [0, 0.5, 1],
          learningRate: { loguniform: [0.0001, 0.1] },
          batchSize: { choice: [32, 64] },
        },
      }),
    );
    for (const bigger of [more, wider]) {
      const keys = new Set(bigger.cells.map((c) => c.key));
      for (const c of a.cells) assert.ok(keys.has(c.key), `cell ${c.key} kept`);
    }
  });

  test('int and uniform draws; repeated draws of a small space collapse into one cell', () => {
    const s = validateSpec({
      base: { dataset: 'synthetic' },
      grid: { seed: { int: [0, 1] }, momentum: { uniform: [0.5, 0.9] } },
      search: { strategy: 'random', budget: 3 },
    });
    for (const c of s.cells) assert.ok(Number.isInteger(c.params.seed) && c.params.seed <= 1);
    const few = validateSpec({
      base: { dataset: 'synthetic' },
      grid: { seed: { int: [0, 1] } },
      search: { strategy: 'random', budget: 20 },
    });
    assert.equal(few.cells.length, 2, 'two distinct seeds exist');
  });

  test('every problem is listed with its fix', () => {
    const problems = (raw: Record<string, unknown>) => {
      try {
        validateSpec(raw);
      } catch (err) {
        assert.ok(err instanceof SpecError, String(err));
        return err.message;
      }
      assert.fail('expected a SpecError');
    };
    const m = problems({
      base: { dataset: 'synthetic' },
      grid: { learningRate: { uniform: [0, 0.1] }, momentum: { loguniform: [0.9, 0.5] } },
      search: { strategy: 'random', budget: 2 },
    });
    assert.match(m, /2 problems|3 problems/);
    assert.match(m, /grid\.learningRate\.uniform\[0\]: must be > 0, got 0/);
    assert.match(m, /grid\.momentum\.loguniform: lo must be below hi, got \[0\.9, 0\.5\]/);
    assert.match(
      problems({ grid: { learningRate: { uniform: [0.1, 0.2] } } }),
      /grid\.learningRate is a distribution; set `search: \{strategy: random, budget: N\}`/,
    );
    assert.match(
      problems({ grid: { learningRate: { uniform: [0.1, 0.2] } }, search: { strategy: 'random' } }),
      /search\.budget: give the number of samples per grid point/,
    );
    assert.match(problems({ grid: { seed: [0] }, search: { strategy: 'random', budget: 2 } }), /needs a sampled axis/);
    assert.match(
      problems({ grid: { learningRate: { normal: [0, 1] } } }),
      /grid\.learningRate: must be a list of values or one of/,
    );
  });

  test('a pruner decides on a validation split, at rungs below maxEpochs', () => {
    const s = validateSpec(sampled({ pruner: { type: 'asha', reductionFactor: 3 } }));
    assert.deepEqual(s.pruner, {
      type: 'asha',
      metric: 'valAccuracy',
      mode: 'max',
      minEpochs: 1,
      reductionFactor: 3,
      maxEpochs: 9,
      rungs: [1, 3],
    });
    const bad = (pruner: Record<string, unknown>, base: Record<string, unknown>, re: RegExp) =>
      assert.throws(() => validateSpec(sampled({ pruner: { type: 'asha', ...pruner }, base })), re);
    bad(
      { metric: 'testAccuracy' },
      { dataset: 'synthetic', epochs: 9, validationFraction: 0.2 },
      /would choose cells on the test split; use valAccuracy/,
    );
    bad({}, { dataset: 'synthetic', epochs: 9 }, /needs a validation split: set base\.validationFraction/);
    bad(
      { maxEpochs: 27 },
      { dataset: 'synthetic', epochs: 9, validationFraction: 0.2 },
      /pruner\.maxEpochs is 27 but cells train 9 epochs/,
    );
    bad({ minEpochs: 9 }, { dataset: 'synthetic', epochs: 9, validationFraction: 0.2 }, /no rung to decide at/);
    assert.equal(validateSpec(sampled({ pruner: { type: 'asha', metric: 'valLoss' } })).pruner!.mode, 'min');
  });

  test('sweep plan shows the sampled cells, the search and the rungs (examples/asha-digits.yaml)', () => {
    const plan = planSweep(loadSpecFile(join(packageRoot(), 'examples', 'asha-digits.yaml')));
    assert.equal(plan.cells.length, 16);
    assert.ok(plan.varying.includes('learningRate'), plan.varying.join(', '));
    assert.deepEqual(plan.search, {
      strategy: 'random',
      budget: 8,
      seed: 1,
      sampled: { learningRate: { loguniform: [0.0001, 0.03] } },
    });
    assert.deepEqual(plan.pruner?.rungs, [1, 3]);
  });

  test('specs without search or pruner keep the sweep ids they always had', () => {
    // Pinned: the id of this spec before sampled search existed.
    const s = validateSpec({ name: 'unit', base: { dataset: 'synthetic', epochs: 2 }, grid: { seed: [0, 1] } });
    assert.equal(s.sweepId, 'unit-5b7cf30c');
  });
});
