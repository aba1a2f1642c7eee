import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  blurImages,
  clipInto,
  createUpdater,
  gaussianTaps,
  gradientStats,
  normalizeL2,
  rollImages,
} from '../../services/engine/am-steps';

const f32 = (v: number[]) => Float32Array.from(v);

describe('AM pixel-space steps', () => {
  test('ascent: x ← x + lr·g, exactly in float32', () => {
    const x = f32([0.25, -0.5, 0.1]);
    const g = f32([1.5, -0.2, 0]);
    createUpdater('ascent', 0.3, 3).step(x, g);
    assert.deepEqual(Array.from(x), [0.25 + 0.3 * 1.5, -0.5 + 0.3 * -0.2, 0.1].map(Math.fround));
  });

  test('momentum: v ← μv + g, x ← x + lr·v (the second step of a constant gradient moves (1+μ)·lr·g)', () => {
    const x = f32([0]);
    const u = createUpdater('momentum', 0.1, 1, 0.5);
    u.step(x, f32([2]));
    assert.equal(x[0], Math.fround(0.2));
    u.step(x, f32([2]));
    assert.equal(x[0], Math.fround(Math.fround(0.2) + 0.1 * 3));
  });

  test("adam: the first step moves every value by lr in the gradient's direction, whatever its size", () => {
    const x = f32([0, 0, 0, 0]);
    createUpdater('adam', 0.05, 4).step(x, f32([1000, 0.001, -3, 0]));
    assert.ok(Math.abs(x[0] - 0.05) < 1e-6 && Math.abs(x[2] + 0.05) < 1e-6, `${Array.from(x)}`);
    assert.ok(Math.abs(x[1] - 0.05 * (0.001 / (0.001 + 1e-7))) < 1e-6);
    assert.equal(x[3], 0, 'a zero gradient does not move');
  });

  test('l2 normalization divides each image by its own norm; a zero gradient stays zero', () => {
    const g = f32([3, 4, 0, 0, 0, 0]);
    normalizeL2(g, 2);
    assert.deepEqual(Array.from(g), [0.6, 0.8, 0, 0, 0, 0].map(Math.fround));
  });

  test('clip keeps values in the box', () => {
    const x = f32([-3, -1, 0.5, 1, 2]);
    clipInto(x, -1, 1);
    assert.deepEqual(Array.from(x), [-1, -1, 0.5, 1, 1]);
  });

  test('roll moves pixel (y, x) to (y+dy, x+dx) with wrap-around, per image; rolling back restores it', () => {
    const shape = { height: 2, width: 3, channels: 2 };
    // Two images; value encodes (image, y, x, channel).
    const src = Float32Array.from({ length: 24 }, (_, i) => i);
    const out = rollImages(src, shape, Int32Array.from([1, 1, 0, -1]));
    const at = (a: Float32Array, n: number, y: number, x: number, c: number) => a[n * 12 + (y * 3 + x) * 2 + c];
    assert.equal(at(out, 0, 1, 1, 0), at(src, 0, 0, 0, 0));
    assert.equal(at(out, 0, 0, 0, 1), at(src, 0, 1, 2, 1), 'wraps in both axes');
    assert.equal(at(out, 1, 0, 2, 0), at(src, 1, 0, 0, 0), 'image 1 rolls by its own shift');
    assert.deepEqual(rollImages(out, shape, Int32Array.from([-1, -1, 0, 1])), src);
  });

  test('blur: normalized Gaussian taps; a constant image stays constant; an impulse spreads symmetrically', () => {
    const taps = gaussianTaps(0.5);
    assert.equal(taps.length, 5);
    assert.ok(Math.abs(taps.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    const shape = { height: 5, width: 5, channels: 1 };
    const flat = new Float32Array(25).fill(0.7);
    blurImages(flat, shape, 1);
    assert.ok(flat.every((v) => Math.abs(v - 0.7) < 1e-6));
    // 9×9 with the impulse in the middle: no tap that reaches it falls outside, so its mass is kept.
    const impulse = new Float32Array(81);
    impulse[40] = 1;
    blurImages(impulse, { height: 9, width: 9, channels: 1 }, 0.5);
    assert.ok(impulse[40] < 1 && impulse[40] > impulse[39]);
    assert.equal(impulse[39], impulse[41]);
    assert.equal(impulse[31], impulse[49]);
    assert.ok(Math.abs(impulse[39] - impulse[31]) < 1e-7);
    assert.ok(Math.abs(impulse.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  });

  test('gradient statistics: share of exact zeros and L2 norm of one image', () => {
    assert.deepEqual(gradientStats(f32([9, 0, 3, 0, 4, 0]), 2, 4), { zeroFraction: 0.5, l2Norm: 5 });
  });
});
