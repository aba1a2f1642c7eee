import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ashaDecide, ashaDecisions, ashaRungs, emptyAshaState } from '../../workflows/asha';

describe('ASHA promotion rule', () => {
  test('rungs sit at minEpochs·η^k below maxEpochs', () => {
    assert.deepEqual(ashaRungs(1, 3, 27), [1, 3, 9]);
    assert.deepEqual(ashaRungs(1, 2, 8), [1, 2, 4]);
    assert.deepEqual(ashaRungs(2, 3, 5), [2]);
    assert.deepEqual(ashaRungs(5, 3, 5), []);
  });

  test('a cell continues only when it is in the top ⌈n/η⌉ of the n results at its rung so far (max)', () => {
    const state = emptyAshaState();
    const config = { mode: 'max' as const, reductionFactor: 3 };
    const arrivals: [string, number, 'continue' | 'prune'][] = [
      ['a', 0.5, 'continue'], // n=1, top 1: first at a rung always continues
      ['b', 0.4, 'prune'], // n=2, top 1 is a
      ['c', 0.6, 'continue'], // n=3, top 1: c is best
      ['d', 0.55, 'continue'], // n=4, top 2: c, d
      ['e', 0.3, 'prune'], // n=5, top 2: c, d
      ['f', 0.5, 'prune'], // n=6, top 2: c, d (ties with a, which came first)
      ['g', 0.7, 'continue'], // n=7, top 3: g, c, d
    ];
    for (const [cellKey, value, expected] of arrivals) {
      assert.equal(ashaDecide(state, config, { cellKey, rung: 1, value }), expected, `cell ${cellKey}`);
    }
    assert.deepEqual(
      ashaDecisions(state, config)
        .filter((d) => d.pruned)
        .map((d) => d.cellKey),
      ['b', 'e', 'f'],
    );
  });

  test('min mode prunes the larger losses; rungs are independent; NaN is the worst result', () => {
    const state = emptyAshaState();
    const config = { mode: 'min' as const, reductionFactor: 2 };
    const d = (cellKey: string, rung: number, value: number) => ashaDecide(state, config, { cellKey, rung, value });
    assert.equal(d('a', 1, 2.0), 'continue'); // n=1, top 1
    assert.equal(d('b', 1, 1.0), 'continue'); // n=2, top 1: b
    assert.equal(d('c', 1, 3.0), 'prune'); // n=3, top 2: b, a
    assert.equal(d('d', 1, NaN), 'prune'); // n=4, top 2: b, a
    assert.equal(d('a', 2, 1.5), 'continue'); // rung 2 starts its own list
    assert.equal(d('b', 2, 0.9), 'continue'); // n=2 top 1: b
  });

  test('reporting a rung again returns the first decision and records nothing new', () => {
    const state = emptyAshaState();
    const config = { mode: 'max' as const, reductionFactor: 3 };
    ashaDecide(state, config, { cellKey: 'a', rung: 1, value: 0.9 });
    assert.equal(ashaDecide(state, config, { cellKey: 'b', rung: 1, value: 0.1 }), 'prune');
    ashaDecide(state, config, { cellKey: 'c', rung: 1, value: 0.8 });
    ashaDecide(state, config, { cellKey: 'd', rung: 1, value: 0.85 });
    // b again, now that n=4 would admit 2: still pruned, as decided when it arrived.
    assert.equal(ashaDecide(state, config, { cellKey: 'b', rung: 1, value: 0.1 }), 'prune');
    assert.equal(state.rungs['1'].length, 4);
  });
});
