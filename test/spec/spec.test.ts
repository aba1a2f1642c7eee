import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { validateSpec, parseDuration, shortArmLabels } from '../../services/spec';
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
      [spec({ grid: { seed: [0, 0] } }), /grid\.seed\[1\]: 0 is listed twice \(also at \[0\]\)/, 'grid.seed[1]'],
      [spec({ am: { backwardSlopes: [0], optimizer: 'sgd' } }), /am\.optimizer: /, 'am.optimizer'],
      [
        spec({ am: { backwardSlopes: [0], jitter: [0, 1, 2, 3], blurEvery: [0, 1, 2, 3], steps: [1, 2, 3, 4, 5] } }),
        /am: the listed fields give 80 AM arms; the limit is 64/,
        'am',
      ],
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

  test('the three training arms: one ReLU cell per seed, one leaky and one proxy cell per slope and seed', () => {
    const s = validateSpec({
      base: { dataset: 'synthetic', forwardSlope: 0 },
      grid: { activation: ['relu', 'leaky', 'proxy'], backwardSlope: [0.1, 0.3], seed: [0, 1] },
    });
    const arms = s.cells.map((c) => [
      c.idx,
      c.params.activation,
      c.params.forwardSlope,
      c.params.backwardSlope,
      c.params.seed,
    ]);
    assert.deepEqual(arms, [
      [0, 'relu', 0, 0, 0],
      [1, 'relu', 0, 0, 1],
      [2, 'leaky', 0.1, 0.1, 0],
      [3, 'leaky', 0.1, 0.1, 1],
      [4, 'leaky', 0.3, 0.3, 0],
      [5, 'leaky', 0.3, 0.3, 1],
      [6, 'proxy', 0, 0.1, 0],
      [7, 'proxy', 0, 0.1, 1],
      [8, 'proxy', 0, 0.3, 0],
      [9, 'proxy', 0, 0.3, 1],
    ]);
    assert.equal(new Set(s.cells.map((c) => c.key)).size, 10);
    // A leaky ReLU without a backward slope takes the forward slope, or 0.01.
    const leaky = (base: Record<string, unknown>) =>
      validateSpec({ base: { dataset: 'synthetic', activation: 'leaky', ...base }, grid: { seed: [0] } }).cells[0]
        .params;
    assert.deepEqual([leaky({}).forwardSlope, leaky({}).backwardSlope], [0.01, 0.01]);
    assert.deepEqual(
      [leaky({ forwardSlope: 0.2 }).forwardSlope, leaky({ forwardSlope: 0.2 }).backwardSlope],
      [0.2, 0.2],
    );
    assert.throws(
      () => validateSpec({ base: { activation: 'relu', forwardSlope: 0.2 }, grid: { seed: [0] } }),
      /activation mode "relu" has slope 0 in both passes/,
    );
  });

  test('AM arms: every listed field is an axis; fields that do not apply never split an arm', () => {
    const s = validateSpec(
      spec({
        am: {
          backwardSlopes: [0, 0.3],
          optimizer: ['ascent', 'adam'],
          normalize: ['none', 'l2'],
          momentum: [0.5, 0.9],
        },
      }),
    );
    assert.deepEqual(
      s.amArms.map((a) => a.key),
      [
        'ascent lr=0.1 steps=200 init=zeros norm=none jitter=0 blur=off',
        'ascent lr=0.1 steps=200 init=zeros norm=l2 jitter=0 blur=off',
        'adam lr=0.05 steps=200 init=zeros norm=none jitter=0 blur=off',
        'adam lr=0.05 steps=200 init=zeros norm=l2 jitter=0 blur=off',
      ],
    );
    assert.deepEqual(s.amArms[0].protocol, {
      optimizer: 'ascent',
      learningRate: 0.1,
      steps: 200,
      normalize: 'none',
      init: 'zeros',
      jitter: 0,
      blurEvery: 0,
    });
    const full = validateSpec(
      spec({
        am: {
          backwardSlopes: [0],
          optimizer: 'momentum',
          momentum: 0.8,
          learningRate: [0.01, 0.02],
          init: 'uniform',
          initScale: 0.25,
          jitter: 2,
          blurEvery: 4,
          blurSigma: 0.5,
        },
      }),
    );
    assert.deepEqual(
      full.amArms.map((a) => a.key),
      [
        'momentum(0.8) lr=0.01 steps=200 init=uniform(0.25) norm=none jitter=2 blur=4/0.5',
        'momentum(0.8) lr=0.02 steps=200 init=uniform(0.25) norm=none jitter=2 blur=4/0.5',
      ],
    );
    // The protocol is part of the experiment: another optimizer is another sweep.
    assert.notEqual(
      validateSpec(spec({ am: { backwardSlopes: [0], optimizer: 'adam' } })).sweepId,
      validateSpec(spec({ am: { backwardSlopes: [0] } })).sweepId,
    );
    assert.deepEqual(
      [...shortArmLabels(s.amArms.map((a) => a.key)).values()],
      ['ascent lr=0.1 norm=none', 'ascent lr=0.1 norm=l2', 'adam lr=0.05 norm=none', 'adam lr=0.05 norm=l2'],
    );
  });

  test('validating a spec does not load TensorFlow.js (sweep plan runs without the engine)', () => {
    const script = `require(${JSON.stringify(require.resolve('../../services/spec'))}).validateSpec({grid: {seed: [0]}, am: {backwardSlopes: [0]}});
      const tf = Object.keys(require.cache).filter((k) => k.includes('@tensorflow'));
      process.stdout.write(JSON.stringify(tf));`;
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), []);
  });

  test('a spec with several mistakes lists every one, one line each, like a compiler', () => {
    const raw = {
      base: { epochs: 0, optimizer: 'rmsprop' },
      grid: { seed: [0] },
      execution: { maxParallel: 0 },
    };
    assert.throws(
      () => validateSpec(raw),
      (e: unknown) => {
        assert.ok(e instanceof SpecError);
        const lines = e.message.split('\n');
        assert.equal(lines[0], 'invalid spec: 3 problems');
        assert.deepEqual(lines.slice(1).sort(), [
          '  base.epochs: must be >= 1, got 0',
          '  base.optimizer: must be one of "adam", "sgd", got "rmsprop"',
          '  execution.maxParallel: must be >= 1, got 0',
        ]);
        assert.equal(e.problems.length, 3);
        return true;
      },
    );
    // Grid problems too: every bad value of every axis.
    assert.throws(
      () => validateSpec({ grid: { seed: [0, 'one', 0], epochs: [-1] } }),
      (e: unknown) =>
        e instanceof SpecError &&
        /grid\.seed\[1\]: expected number, got "one"/.test(e.message) &&
        /grid\.seed\[2\]: 0 is listed twice/.test(e.message) &&
        /grid\.epochs\[0\]: must be >= 1, got -1/.test(e.message) &&
        e.problems.length === 3,
    );
  });

  test('archOptions are checked at launch against the architecture, and can never replace seed or classes', () => {
    const bad =
      (archOptions: Record<string, unknown>, arch = 'vgg') =>
      () =>
        validateSpec({ base: { dataset: 'synthetic', arch, archOptions }, grid: { seed: [0] } });
    assert.throws(
      bad({ widht: 8 }),
      /arch "vgg" has no option "widht"; allowed: depth, convsPerStage, width, batchNorm, hidden/,
    );
    assert.throws(bad({ seed: 3 }), /arch "vgg" has no option "seed"/);
    assert.throws(bad({ classes: 100 }, 'resnet'), /arch "resnet" has no option "classes"/);
    assert.throws(bad({ depth: 2.5 }), /archOptions\.depth must be an integer from 1 to 8, got 2\.5/);
    assert.throws(bad({ batchNorm: 1 }), /archOptions\.batchNorm must be true or false, got 1/);
    assert.throws(bad({ width: 4 }, 'small-cnn'), /arch "small-cnn" has no option "width"; it takes no options/);
    assert.throws(
      () => validateSpec({ base: { arch: 'vgg', dataset: 'synthetic' }, grid: { 'archOptions.width': [8, 0] } }),
      /archOptions\.width must be an integer from 1 to 2048, got 0/,
    );
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
