/**
 * Numerical checks of services/engine/kernels against tfjs's stock cpu kernels (captured before ours replace them).
 * IS_TEST makes the engine throw if a kernel leaks a data id, so every call here is also a leak check.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../../services/engine/tf';
import { registerCpuKernels, registerWasmKernels } from '../../services/engine/kernels';

tf.env().set('IS_TEST', true);

const kernel = (name: string, backend: string) => tf.getKernel(name, backend) as KernelConfig | undefined;
const stock = {
  cpuFilter: kernel('Conv2DBackpropFilter', 'cpu')!,
  cpuInput: kernel('Conv2DBackpropInput', 'cpu')!,
  wasmInput: kernel('Conv2DBackpropInput', 'wasm')!,
  wasmMatMul: kernel('BatchMatMul', 'wasm')!,
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
