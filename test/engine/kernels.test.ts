/**
 * Numerical checks of services/engine/kernels against tfjs's stock cpu kernels (captured before ours replace them).
 * IS_TEST makes the engine throw if a kernel leaks a data id, so every call here is also a leak check.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../../services/engine/tf';
import { registerCpuKernels, registerWasmKernels } from '../../services/engine/kernels';
import { simdKernels } from '../../services/engine/kernels/simd-wasm';

tf.env().set('IS_TEST', true);

const kernel = (name: string, backend: string) => tf.getKernel(name, backend) as KernelConfig | undefined;
const stock = {
  cpuFilter: kernel('Conv2DBackpropFilter', 'cpu')!,
  cpuInput: kernel('Conv2DBackpropInput', 'cpu')!,
  wasmInput: kernel('Conv2DBackpropInput', 'wasm')!,
  wasmMatMul: kernel('BatchMatMul', 'wasm')!,
  cpuMaxPoolGrad: kernel('MaxPoolGrad', 'cpu')!,
  wasmIdentity: kernel('Identity', 'wasm')!,
};

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  x: Shape4; // NHWC, or NCHW when nchw
  k: [number, number];
  outC: number;
  strides: number | [number, number];
  pad: Pad;
  nchw?: boolean;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Deterministic values in [-1, 1). */
function values(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/** Asserts |actual − expected| ≤ 1e-4·max(1, max|expected|) elementwise, and that expected is not all zeros. */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let magnitude = 0;
  for (let i = 0; i < expected.length; i++) magnitude = Math.max(magnitude, Math.abs(expected[i]));
  assert.ok(magnitude > 0, `${what}: reference is all zeros, the comparison would prove nothing`);
  const tol = 1e-4 * Math.max(1, magnitude);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(err <= tol, `${what}: index ${i}: ${actual[i]} vs ${expected[i]} (err ${err}, tol ${tol})`);
  }
}

/** Runs a captured kernel directly on the current backend and returns its values and shape. */
function runDirect(config: KernelConfig, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap) {
  const backend = tf.backend();
  const out = config.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
  const result = { values: backend.readSync(out.dataId) as Float32Array, shape: out.shape };
  backend.disposeData(out.dataId);
  return result;
}

/** Runs the kernel currently registered for the current backend (ours where replaced), through the engine. */
function runRegistered(name: string, inputs: Record<string, tf.Tensor>, attrs: NamedAttrMap) {
  const out = tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;
  const result = { values: out.dataSync() as Float32Array, shape: out.shape };
  out.dispose();
  return result;
}

/** Tensors for one case: x, W and a dy of the forward output's shape (non-uniform so transposes would show). */
function caseData(c: ConvCase) {
  const nchw = c.nchw === true;
  const inC = nchw ? c.x[1] : c.x[3];
  const filterShape: Shape4 = [c.k[0], c.k[1], inC, c.outC];
  const info = tf.backend_util.computeConv2DInfo(
    c.x,
    filterShape,
    c.strides,
    1,
    c.pad,
    c.dimRoundingMode,
    false,
    nchw ? 'channelsFirst' : 'channelsLast',
  );
  const dyShape: Shape4 = nchw
    ? [c.x[0], c.outC, info.outHeight, info.outWidth]
    : [c.x[0], info.outHeight, info.outWidth, c.outC];
  const filterAttrs: NamedAttrMap = {
    strides: c.strides,
    pad: c.pad,
    dataFormat: nchw ? 'NCHW' : 'NHWC',
    filterShape,
    ...(c.dimRoundingMode ? { dimRoundingMode: c.dimRoundingMode } : {}),
  };
  const inputAttrs: NamedAttrMap = { ...filterAttrs, inputShape: c.x };
  delete inputAttrs.filterShape;
  return {
    filterShape,
    dyShape,
    filterAttrs,
    inputAttrs,
    make: () => ({
      x: tf.tensor4d(values(size(c.x), 1), c.x),
      w: tf.tensor4d(values(size(filterShape), 2), filterShape),
      dy: tf.tensor4d(values(size(dyShape), 3), dyShape),
    }),
  };
}

/** Stock cpu dW and dx for a case. */
async function cpuReference(c: ConvCase) {
  await tf.setBackend('cpu');
  const d = caseData(c);
  const { x, w, dy } = d.make();
  const dW = runDirect(stock.cpuFilter, { x, dy }, d.filterAttrs);
  const dx = runDirect(stock.cpuInput, { dy, filter: w }, d.inputAttrs);
  tf.dispose([x, w, dy]);
  return { dW, dx };
}

const label = (c: ConvCase) =>
  `x ${c.x.join('×')}${c.nchw ? ' NCHW' : ''}, k ${c.k.join('×')}→${c.outC}, stride ${JSON.stringify(c.strides)}, ` +
  `pad ${JSON.stringify(c.pad)}${c.dimRoundingMode ? ` ${c.dimRoundingMode}` : ''}`;

/** Strides 1/2/3 (and mixed), paddings same/valid/number/explicit, kernels 1/3/5 (and non-square), odd and
 * non-square inputs, batch 1 and >1, channels 1/3/8. */
function convCases(): ConvCase[] {
  const strides: ConvCase['strides'][] = [1, 2, 3, [2, 3]];
  const pads: Pad[] = [
    'same',
    'valid',
    1,
    [
      [0, 0],
      [2, 0],
      [1, 3],
      [0, 0],
    ],
  ];
  const kernels: [number, number][] = [
    [1, 1],
    [3, 3],
    [5, 5],
    [3, 2],
  ];
  const inputs: Shape4[] = [
    [1, 7, 7, 1],
    [2, 9, 6, 3],
    [3, 8, 11, 8],
    [2, 5, 9, 3],
  ];
  const outChannels = [1, 3, 8, 4];
  const cases: ConvCase[] = [];
  let i = 0;
  for (const s of strides) {
    for (const pad of pads) {
      for (const k of kernels) {
        const x = inputs[i % inputs.length];
        cases.push({ x, k, outC: outChannels[(i + 1) % outChannels.length], strides: s, pad });
        i++;
      }
    }
  }
  // Explicit pads larger than the kernel (dy rows reaching no input row), rounding modes, NCHW.
  cases.push(
    {
      x: [2, 6, 7, 2],
      k: [1, 2],
      outC: 3,
      strides: 2,
      pad: [
        [0, 0],
        [3, 1],
        [0, 4],
        [0, 0],
      ],
    },
    {
      x: [1, 4, 4, 2],
      k: [1, 1],
      outC: 2,
      strides: 3,
      pad: [
        [0, 0],
        [5, 5],
        [4, 0],
        [0, 0],
      ],
    },
    { x: [2, 8, 7, 3], k: [3, 3], outC: 2, strides: 2, pad: 1, dimRoundingMode: 'ceil' },
    { x: [2, 9, 8, 3], k: [3, 3], outC: 2, strides: 3, pad: 2, dimRoundingMode: 'round' },
    { x: [2, 3, 9, 7], k: [3, 3], outC: 4, strides: 2, pad: 'same', nchw: true },
    { x: [1, 2, 8, 6], k: [5, 3], outC: 3, strides: 1, pad: 'valid', nchw: true },
    {
      x: [2, 3, 7, 7],
      k: [3, 3],
      outC: 2,
      strides: [1, 2],
      pad: [
        [0, 0],
        [0, 0],
        [1, 2],
        [0, 1],
      ],
      nchw: true,
    },
  );
  // Output channels a multiple of 16 and up to 16 input channels: the SIMD filter-gradient tiles (channel groups of
  // 3 plus a remainder); up to 36 taps: the matrix-product input gradient with the SIMD col2im.
  const simdInputs: Shape4[] = [
    [2, 9, 9, 1],
    [3, 8, 11, 2],
    [2, 7, 6, 3],
    [1, 10, 9, 4],
    [2, 6, 7, 5],
    [2, 5, 6, 16],
  ];
  strides.forEach((st, si) =>
    pads.forEach((pad, pi) => {
      const j = si * pads.length + pi;
      cases.push({
        x: simdInputs[j % simdInputs.length],
        k: kernels[(j + 1) % kernels.length],
        outC: 16 * (1 + (j % 2)),
        strides: st,
        pad,
      });
    }),
  );
  return cases.filter((c) => {
    const info = caseData(c);
    return info.dyShape.every((d) => d > 0);
  });
}

const CASES = convCases();

void describe('wasm kernels vs stock cpu kernels', () => {
  before(async () => {
    await tf.setBackend('wasm'); // initialise first, so the stock wasm kernels' setup has run
    registerWasmKernels();
  });

  void test('registration replaced the wasm kernels and is idempotent, without warnings', () => {
    const filter = kernel('Conv2DBackpropFilter', 'wasm');
    const input = kernel('Conv2DBackpropInput', 'wasm');
    assert.ok(filter !== undefined, 'Conv2DBackpropFilter is registered for wasm');
    assert.notEqual(input?.kernelFunc, stock.wasmInput.kernelFunc);
    const warnings: unknown[][] = [];
    const warn = console.warn;
    tf.env().set('IS_TEST', false); // tfjs only warns outside tests
    console.warn = (...args: unknown[]) => void warnings.push(args);
    try {
      registerWasmKernels();
      registerCpuKernels();
      registerCpuKernels();
    } finally {
      console.warn = warn;
      tf.env().set('IS_TEST', true);
    }
    assert.deepEqual(warnings, []);
    assert.equal(kernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc, filter.kernelFunc);
    assert.equal(kernel('Conv2DBackpropInput', 'wasm')?.kernelFunc, input?.kernelFunc);
  });

  for (const c of CASES) {
    void test(label(c), async () => {
      const ref = await cpuReference(c);
      await tf.setBackend('wasm');
      const d = caseData(c);
      const { x, w, dy } = d.make();
      const dW = runRegistered('Conv2DBackpropFilter', { x, dy }, d.filterAttrs);
      const dx = runRegistered('Conv2DBackpropInput', { dy, filter: w }, d.inputAttrs);
      tf.dispose([x, w, dy]);
      assert.deepEqual(dW.shape, ref.dW.shape);
      assert.deepEqual(dx.shape, ref.dx.shape);
      assertClose(dW.values, ref.dW.values, 'dW');
      assertClose(dx.values, ref.dx.values, 'dx');
    });
  }

  // Larger shapes, where the heap may grow mid-kernel: against wasm's own stock input kernel and our cpu kernel
  // (itself checked against the stock cpu one below), which are fast enough at this size.
  for (const c of [
    { x: [8, 28, 28, 16], k: [3, 3], outC: 32, strides: 2, pad: 'same' },
    { x: [4, 30, 26, 8], k: [5, 5], outC: 16, strides: 1, pad: 'valid' },
    { x: [6, 28, 28, 1], k: [3, 3], outC: 32, strides: 1, pad: 'same' }, // first layer: the matrix-product paths
    { x: [3, 33, 31, 1], k: [3, 3], outC: 16, strides: 2, pad: 'valid' },
  ] as ConvCase[]) {
    void test(`larger: ${label(c)}`, async () => {
      const d = caseData(c);
      await tf.setBackend('cpu');
      registerCpuKernels();
      let t = d.make();
      const refW = runRegistered('Conv2DBackpropFilter', { x: t.x, dy: t.dy }, d.filterAttrs);
      tf.dispose([t.x, t.w, t.dy]);
      await tf.setBackend('wasm');
      t = d.make();
      const refX = runDirect(stock.wasmInput, { dy: t.dy, filter: t.w }, d.inputAttrs);
      const dW = runRegistered('Conv2DBackpropFilter', { x: t.x, dy: t.dy }, d.filterAttrs);
      const dx = runRegistered('Conv2DBackpropInput', { dy: t.dy, filter: t.w }, d.inputAttrs);
      tf.dispose([t.x, t.w, t.dy]);
      assert.deepEqual(dx.shape, refX.shape);
      assertClose(dW.values, refW.values, 'dW');
      assertClose(dx.values, refX.values, 'dx');
    });
  }

  void test('no tensors or heap buffers leak', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    const before = backend.numDataIds();
    const c = CASES.find((k) => k.strides === 2 && k.pad === 'same' && k.k[0] === 3);
    assert.ok(c !== undefined);
    const d = caseData(c);
    const t = d.make();
    runRegistered('Conv2DBackpropFilter', { x: t.x, dy: t.dy }, d.filterAttrs);
    runRegistered('Conv2DBackpropInput', { dy: t.dy, filter: t.w }, d.inputAttrs);
    tf.dispose([t.x, t.w, t.dy]);
    assert.equal(backend.numDataIds(), before);
  });
});

void describe('end to end: tf.grads of conv2d on wasm matches cpu', () => {
  /** Gradients of Σ r·conv2d(leakyRelu(conv2d(x, w1)), w2) w.r.t. x, w1, w2 (r random, so dy is not uniform). */
  async function grads(backend: string) {
    await tf.setBackend(backend);
    const x = tf.tensor4d(values(2 * 17 * 11 * 3, 11), [2, 17, 11, 3]);
    const w1 = tf.tensor4d(values(3 * 3 * 3 * 5, 12), [3, 3, 3, 5]);
    const w2 = tf.tensor4d(values(2 * 3 * 5 * 4, 13), [2, 3, 5, 4]);
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      const h = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'); // [2,9,6,5]
      const y = tf.conv2d(tf.leakyRelu(h, 0.2), c as tf.Tensor4D, [3, 2], 'valid'); // [2,3,2,4]
      return tf.sum(tf.mul(y, tf.tensor(values(size(y.shape), 14), y.shape)));
    };
    const gs = tf.grads(f)([x, w1, w2]);
    const out = gs.map((g) => g.dataSync().slice());
    tf.dispose([x, w1, w2, ...gs]);
    return out;
  }

  void test('dx, dW1, dW2', async () => {
    // Reference with the stock cpu kernels registered, whatever ran before.
    await tf.setBackend('cpu');
    const ours = kernel('Conv2DBackpropFilter', 'cpu')!;
    tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
    tf.registerKernel(stock.cpuFilter);
    const ref = await grads('cpu');
    tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
    tf.registerKernel(ours);

    registerWasmKernels();
    const got = await grads('wasm');
    ['dx', 'dW1', 'dW2'].forEach((what, i) => assertClose(got[i], ref[i], what));
  });
});

void describe('cpu Conv2DBackpropFilter vs the stock cpu kernel', () => {
  before(async () => {
    await tf.setBackend('cpu');
    registerCpuKernels();
  });

  void test('registration replaced the cpu kernel', () => {
    assert.notEqual(kernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc, stock.cpuFilter.kernelFunc);
  });

  for (const c of CASES) {
    void test(label(c), async () => {
      const ref = await cpuReference(c);
      const d = caseData(c);
      const { x, w, dy } = d.make();
      const dW = runRegistered('Conv2DBackpropFilter', { x, dy }, d.filterAttrs);
      tf.dispose([x, w, dy]);
      assert.deepEqual(dW.shape, ref.dW.shape);
      assertClose(dW.values, ref.dW.values, 'dW');
    });
  }
});

void describe('wasm BatchMatMul with transpose flags vs cpu', () => {
  const shapes: [number[], number[], boolean, boolean][] = [
    [[7, 5], [7, 3], true, false], // dW = xᵀ·dy
    [[6, 3], [5, 3], false, true], // dx = dy·Wᵀ
    [[4, 6], [5, 4], true, true],
    [[1, 9, 4], [1, 9, 2], true, false], // rank 3, batch 1
    [[3, 5, 4], [3, 6, 4], false, true], // batched: stock path
    [[64, 31], [64, 10], true, false],
    [[6, 4], [4, 5], false, false],
  ];
  for (const [aShape, bShape, transposeA, transposeB] of shapes) {
    void test(`${aShape.join('×')}${transposeA ? 'ᵀ' : ''} · ${bShape.join('×')}${transposeB ? 'ᵀ' : ''}`, async () => {
      const run = async (backend: string) => {
        await tf.setBackend(backend);
        const a = tf.tensor(values(size(aShape), 5), aShape);
        const b = tf.tensor(values(size(bShape), 6), bShape);
        const out = runRegistered('BatchMatMul', { a, b }, { transposeA, transposeB });
        tf.dispose([a, b]);
        return out;
      };
      const ref = await run('cpu');
      registerWasmKernels();
      const got = await run('wasm');
      assert.deepEqual(got.shape, ref.shape);
      assertClose(got.values, ref.values, 'matMul');
    });
  }
});

/** Few distinct values, a third of them 0 (as after a ReLU), so that windows often hold ties. */
function tiedValues(size: number, seed: number): Float32Array {
  return values(size, seed).map((v) => Math.max(0, Math.round(v * 4) / 4 + 0.25));
}

interface PoolCase {
  x: Shape4;
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** dx of MaxPool through the stock cpu kernel (dy, x and the pooled output y all made on cpu). */
async function cpuMaxPoolGrad(p: PoolCase, x: Float32Array, dyValues: (size: number) => Float32Array) {
  await tf.setBackend('cpu');
  const xt = tf.tensor4d(x, p.x);
  const y = tf.maxPool(xt, p.filterSize, p.strides, p.pad, p.dimRoundingMode);
  const dy = tf.tensor(dyValues(size(y.shape)), y.shape);
  const attrs = { filterSize: p.filterSize, strides: p.strides, pad: p.pad, dimRoundingMode: p.dimRoundingMode };
  const dx = runDirect(stock.cpuMaxPoolGrad, { dy, input: xt, output: y }, attrs as NamedAttrMap);
  tf.dispose([xt, y, dy]);
  return dx;
}

async function wasmMaxPoolGrad(p: PoolCase, x: Float32Array, dyValues: (size: number) => Float32Array) {
  await tf.setBackend('wasm');
  const xt = tf.tensor4d(x, p.x);
  const y = tf.maxPool(xt, p.filterSize, p.strides, p.pad, p.dimRoundingMode);
  const dy = tf.tensor(dyValues(size(y.shape)), y.shape);
  const attrs = { filterSize: p.filterSize, strides: p.strides, pad: p.pad, dimRoundingMode: p.dimRoundingMode };
  const dx = runRegistered('MaxPoolGrad', { dy, input: xt, output: y }, attrs as NamedAttrMap);
  tf.dispose([xt, y, dy]);
  return dx;
}

const poolLabel = (p: PoolCase) =>
  `x ${p.x.join('×')}, window ${JSON.stringify(p.filterSize)}, stride ${JSON.stringify(p.strides)}, ` +
  `pad ${JSON.stringify(p.pad)}${p.dimRoundingMode ? ` ${p.dimRoundingMode}` : ''}`;

void describe('wasm MaxPoolGrad vs the stock cpu kernel', () => {
  before(async () => {
    await tf.setBackend('wasm');
    registerWasmKernels();
  });

  void test('the SIMD module loads on this engine (else the JS loops run: correct but slower)', () => {
    assert.ok(simdKernels(tf.backend() as BackendWasm) !== null);
  });

  const cases: PoolCase[] = [
    // 2×2 stride 2, the models' pool: SIMD (channels % 4 = 0) and JS (other channel counts), even and odd sizes.
    { x: [2, 8, 8, 4], filterSize: 2, strides: 2, pad: 'valid' },
    { x: [3, 6, 10, 8], filterSize: 2, strides: 2, pad: 'same' },
    { x: [2, 7, 9, 4], filterSize: 2, strides: 2, pad: 'valid' }, // remainder row and column get no gradient
    { x: [2, 7, 9, 4], filterSize: 2, strides: 2, pad: 'same' }, // padded bottom/right: general path
    { x: [2, 8, 6, 3], filterSize: 2, strides: 2, pad: 'valid' },
    { x: [1, 5, 5, 1], filterSize: 2, strides: 2, pad: 'valid' },
    { x: [4, 28, 28, 32], filterSize: 2, strides: 2, pad: 'valid' },
    // Overlapping windows (scatter-add), larger and non-square windows, strides, paddings, rounding modes.
    { x: [2, 9, 9, 3], filterSize: 3, strides: 2, pad: 'same' },
    { x: [2, 9, 9, 4], filterSize: 3, strides: 1, pad: 'valid' },
    { x: [1, 10, 7, 2], filterSize: [2, 3], strides: [1, 2], pad: 'same' },
    { x: [2, 11, 8, 5], filterSize: 3, strides: 3, pad: 'valid' },
    { x: [2, 8, 8, 4], filterSize: 2, strides: 1, pad: 'same' },
    { x: [2, 9, 8, 3], filterSize: 3, strides: 2, pad: 1, dimRoundingMode: 'ceil' },
    { x: [1, 7, 7, 2], filterSize: 1, strides: 2, pad: 'valid' },
    { x: [2, 4, 4, 4], filterSize: 4, strides: 4, pad: 'valid' },
  ];
  for (const p of cases) {
    void test(poolLabel(p), async () => {
      const x = tiedValues(size(p.x), 21);
      const dy = (n: number) => values(n, 22);
      const ref = await cpuMaxPoolGrad(p, x, dy);
      const got = await wasmMaxPoolGrad(p, x, dy);
      assert.deepEqual(got.shape, ref.shape);
      assertClose(got.values, ref.values, 'dx');
    });
  }

  void test('ties go to the first maximum; NaN and −∞ never win; windows of −∞ pass nothing', async () => {
    // One image, 4×4, channels: [ties at 0 (post-ReLU), a NaN beside smaller values, all −∞, −∞ then a real value].
    const cells = [
      [0, 1, -Infinity, -Infinity],
      [0, NaN, -Infinity, -Infinity],
      [0, -1, -Infinity, -Infinity],
      [0, -2, -Infinity, 5],
    ];
    for (const c of [4, 8]) {
      // Every 2×2 window of every image holds `cells` in scan order; c = 8 repeats the 4 channels.
      const p: PoolCase = { x: [2, 4, 4, c], filterSize: 2, strides: 2, pad: 'valid' };
      const x = new Float32Array(size(p.x));
      for (let i = 0; i < x.length; i++) {
        const ch = i % c;
        const w = Math.floor(i / c) % 4; // column inside the 4-wide row
        const row = Math.floor(i / (c * 4)) % 4;
        x[i] = cells[(row % 2) * 2 + (w % 2)][ch % 4];
      }
      const dy = (n: number) => Float32Array.from({ length: n }, (_, i) => i + 1);
      const ref = await cpuMaxPoolGrad(p, x, dy);
      const got = await wasmMaxPoolGrad(p, x, dy);
      assert.deepEqual(Array.from(got.values), Array.from(ref.values), `channels ${c}: exactly the cpu kernel's dx`);
      // The first window's four positions, channel by channel.
      const at = (row: number, col: number, ch: number) => got.values[(row * 4 + col) * c + ch];
      assert.deepEqual([at(0, 0, 0), at(0, 1, 0), at(1, 0, 0), at(1, 1, 0)], [1, 0, 0, 0], 'tie: first position');
      assert.deepEqual([at(0, 0, 1), at(0, 1, 1), at(1, 0, 1), at(1, 1, 1)], [2, 0, 0, 0], 'NaN skipped');
      assert.deepEqual([at(0, 0, 2), at(0, 1, 2), at(1, 0, 2), at(1, 1, 2)], [0, 0, 0, 0], 'all −∞: none');
      assert.deepEqual([at(0, 0, 3), at(0, 1, 3), at(1, 0, 3), at(1, 1, 3)], [0, 0, 0, 4], 'last is the max');
    }
  });

  void test('no data ids leak', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    const before = backend.numDataIds();
    await wasmMaxPoolGrad(cases[0], tiedValues(size(cases[0].x), 3), (n) => values(n, 4));
    await tf.setBackend('wasm');
    assert.equal(backend.numDataIds(), before);
  });
});

void describe('wasm Sum (bias gradients) vs cpu', () => {
  const sumCases: [number[], number | number[], boolean][] = [
    [[64, 28, 28, 32], [0, 1, 2], false], // the conv bias gradient: SIMD, many row blocks
    [[5, 7, 8], [0, 1], true],
    [[3, 4, 6], [1, 0], false], // 6 channels: the JS loop
    [[9, 4], 0, false], // a Dense bias gradient
    [[2, 3, 4, 12], [-4, -3, -2], false],
    [[1, 1, 4], [0, 1], false],
    [[4, 6, 5], 2, false], // not a bias gradient: the stock kernel
    [[4, 6, 5], [0, 2], true],
    [[4, 6, 5], [0, 1, 2], false],
  ];
  for (const [shape, axis, keepDims] of sumCases) {
    void test(`sum of ${shape.join('×')} over ${JSON.stringify(axis)}${keepDims ? ' keepDims' : ''}`, async () => {
      const run = async (backend: string) => {
        await tf.setBackend(backend);
        if (backend === 'wasm') registerWasmKernels();
        const x = tf.tensor(values(size(shape), 31), shape);
        const out = runRegistered('Sum', { x }, { axis, keepDims });
        x.dispose();
        return out;
      };
      const ref = await run('cpu');
      const got = await run('wasm');
      assert.deepEqual(got.shape, ref.shape);
      assertClose(got.values, ref.values, 'sum');
    });
  }
});

void describe('wasm Identity', () => {
  void test('clones share the buffer by reference count and stay valid after the original is disposed', async () => {
    await tf.setBackend('wasm');
    registerWasmKernels();
    assert.notEqual(kernel('Identity', 'wasm')?.kernelFunc, stock.wasmIdentity.kernelFunc);
    const backend = tf.backend();
    const before = backend.numDataIds();
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const b = tf.clone(a);
    assert.equal(backend.numDataIds(), before + 1, 'no copy');
    a.dispose();
    assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3, 4]);
    const c = tf.add(b, 1); // kernels read the shared buffer as usual
    b.dispose();
    assert.deepEqual(Array.from(c.dataSync()), [2, 3, 4, 5]);
    c.dispose();
    assert.equal(backend.numDataIds(), before);
    const t = tf.tensor(['x', 'y']);
    const s = tf.clone(t); // strings take the stock path
    assert.deepEqual(s.dataSync(), ['x', 'y']);
    tf.dispose([t, s]);
  });
});
