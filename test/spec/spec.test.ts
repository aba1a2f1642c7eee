import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSpec, parseDuration } from '../../services/spec';
import { SpecError } from '../../services/errors';

const spec = (extra: Record<string, unknown> = {}) => ({
  name: 'unit',
  base: { dataset: 'synthetic', epochs: 2 },
  grid: { backwardSlope: [0, 0.3, 1], seed: [0, 1] },
  ...extra,
});

describe('sweep spec', () => {
  test('the grid expands to the cartesian product, first key slowest, with defaults filled in', () => {
    const s = validateSpec(spec());
    assert.equal(s.cells.length, 6);
    assert.deepEqual(
      s.cells.map((c) => [c.idx, c.params.backwardSlope, c.params.seed]),
      [
        [0, 0, 0],
        [1, 0, 1],
        [2, 0.3, 0],
        [3, 0.3, 1],
        [4, 1, 0],
        [5, 1, 1],
      ],
    );
    const p = s.cells[3].params;
    assert.equal(p.activation, 'proxy', 'a backward slope without a mode means ProxyGrad');
    assert.equal(p.forwardSlope, 0);
    assert.deepEqual([p.arch, p.optimizer, p.batchSize, p.schedule], ['small-cnn', 'adam', 64, 'constant']);
    assert.equal(s.spec.execution.maxParallel, 2);
    assert.equal(s.spec.execution.timeouts.heartbeat, 120_000);
  });

  test('without any slope the cells are plain ReLU networks', () => {
    const s = validateSpec({ grid: { seed: [0] } });
    assert.deepEqual([s.cells[0].params.activation, s.cells[0].params.backwardSlope], ['relu', 0]);
    assert.equal(s.name, 'sweep');
  });

  test('cell keys and the sweep id are deterministic; run settings do not change them', () => {
    const a = validateSpec(spec());
    const b = validateSpec(spec({ execution: { maxParallel: 8, taskQueue: 'gpu' } }));
    assert.equal(a.sweepId, b.sweepId);
    assert.match(a.sweepId, /^unit-[0-9a-f]{8}$/);
    assert.deepEqual(
      a.cells.map((c) => c.key),
      b.cells.map((c) => c.key),
    );
    // Reordering the grid keeps each cell's key (keys hash parameters, not positions).
    const reordered = validateSpec(spec({ grid: { seed: [0, 1], backwardSlope: [0, 0.3, 1] } }));
    assert.deepEqual(new Set(reordered.cells.map((c) => c.key)), new Set(a.cells.map((c) => c.key)));
    assert.equal(new Set(a.cells.map((c) => c.key)).size, 6);
    // A different experiment is a different sweep.
    assert.notEqual(validateSpec(spec({ base: { dataset: 'synthetic', epochs: 3 } })).sweepId, a.sweepId);
  });

  test('archOptions can be swept with dotted keys and are checked per architecture', () => {
    const s = validateSpec({
      base: { arch: 'vgg', dataset: 'synthetic' },
      grid: { 'archOptions.width': [8, 16], 'archOptions.batchNorm': [true] },
    });
    assert.deepEqual(
      s.cells.map((c) => c.params.archOptions),
      [
        { width: 8, batchNorm: true },
        { width: 16, batchNorm: true },
      ],
    );
  });

  test('errors name the field, the rule and the value', () => {
    const cases: [Record<string, unknown>, RegExp, string][] = [
      [spec({ base: { epochs: 0 } }), /base\.epochs: must be >= 1, got 0/, 'base.epochs'],
      [spec({ am: { backwardSlopes: [] } }), /am\.backwardSlopes: must list at least 1/, 'am.backwardSlopes'],
      [spec({ am: { backwardSlopes: [0.3], units: [1, 1] } }), /am\.units lists a unit twice/, 'am.units'],
      [
        spec({ am: { backwardSlopes: [0.3], units: [0, 4] } }),
        /am\.units: unit 4 does not exist in dataset synthetic \(4 classes/,
        'am.units',
      ],
      [spec({ execution: { maxParallel: 0 } }), /execution\.maxParallel: must be >= 1, got 0/, 'execution.maxParallel'],
      [
        spec({ base: { optimizer: 'rmsprop' } }),
        /base\.optimizer: must be one of "adam", "sgd", got "rmsprop"/,
        'base.optimizer',
      ],
      [spec({ grid: { seed: [0, 0] } }), /grid points 0 and 1 are the same cell/, 'grid'],
      [spec({ base: { seed: 1 }, grid: { seed: [2] } }), /seed is set in both base and grid/, 'grid.seed'],
      [spec({ name: 'Bad Name' }), /name: must be 1-40 lowercase/, 'name'],
    ];
    for (const [raw, message, path] of cases) {
      assert.throws(
        () => validateSpec(raw),
        (e: unknown) =>
          e instanceof SpecError && message.test(e.message) && e.path === path && !e.message.includes('\n'),
        `${message} (${path})`,
      );
    }
  });

  test('durations', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration(30), 30_000);
    assert.equal(parseDuration('soon'), undefined);
    assert.equal(parseDuration(-1), undefined);
  });
});
