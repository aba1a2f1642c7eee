/**
 * Micro-benchmark of the gradient kernels in services/engine/kernels: stock tfjs kernel vs ours, one JSON line per
 * measurement (median ms over `runs`). Kernels are called directly (no engine), so only the kernel itself is timed.
 *
 *   node dist/bench/kernels.js            # ~20 s
 *   BENCH_SLOW=1 node dist/bench/kernels.js   # adds the stock cpu filter kernel at batch 64 and a stock cpu
 *                                             # trainOnBatch step (~35 s each)
 */
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { performance } from 'node:perf_hooks';
import { registerCpuKernels, registerWasmKernels } from '../services/engine/kernels';
import { tf } from '../services/engine/tf';

const slow = process.env.BENCH_SLOW === '1';

function emit(record: Record<string, unknown>): void {
  const ms = typeof record.ms === 'number' ? Math.round(record.ms * 100) / 100 : record.ms;
  console.log(JSON.stringify({ ...record, ms }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
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

function tensor(shape: number[], seed: number): tf.Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  return tf.tensor(values(size, seed), shape);
}

/**
 * Median wall time of one kernelFunc call on the current backend, output freed each time. Inputs are cloned before
 * every call (untimed) because wasm caches XNNPACK operators per weight tensor id, and in training the weights and
 * activations are new tensors every step.
 */
function timeKernel(config: KernelConfig, inputs: Record<string, tf.Tensor>, attrs: NamedAttrMap, runs: number) {
  const backend = tf.backend();
  const times: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const fresh: Record<string, TensorInfo> = {};
    for (const [name, t] of Object.entries(inputs)) fresh[name] = tf.clone(t);
    const t0 = performance.now();
    const out = config.kernelFunc({ inputs: fresh, backend, attrs }) as TensorInfo;
    const t1 = performance.now();
    backend.disposeData(out.dataId);
    tf.dispose(Object.values(fresh) as tf.Tensor[]);
    if (i > 0) times.push(t1 - t0); // the first call warms up the JIT
  }
  return median(times);
}

function stockKernel(name: string, backend: string): KernelConfig | undefined {
  return tf.getKernel(name, backend) as KernelConfig | undefined;
}

const X = [64, 14, 14, 32];
const W = [3, 3, 32, 64];
const DY = [64, 14, 14, 64];

async function benchWasm(): Promise<void> {
  await tf.setBackend('wasm');
  const stock = {
    input: stockKernel('Conv2DBackpropInput', 'wasm'),
    matMul: stockKernel('BatchMatMul', 'wasm'),
    conv: stockKernel('Conv2D', 'wasm'),
  };
  registerWasmKernels();
  const ours = {
    filter: stockKernel('Conv2DBackpropFilter', 'wasm')!,
    input: stockKernel('Conv2DBackpropInput', 'wasm')!,
    matMul: stockKernel('BatchMatMul', 'wasm')!,
  };

  for (const [stride, hw] of [
    [1, 14],
    [2, 28],
  ]) {
    const xShape = [X[0], hw, hw, X[3]];
    const x = tensor(xShape, 1);
    const w = tensor(W, 2);
    const dy = tensor(DY, 3);
    const base = { backend: 'wasm', x: xShape, dy: DY, w: W, stride, pad: 'same' };
    const conv = { strides: stride, pad: 'same', dataFormat: 'NHWC', dilations: 1 } as NamedAttrMap;
    emit({
      ...base,
      kernel: 'Conv2D (forward, reference)',
      impl: 'stock',
      ms: timeKernel(stock.conv!, { x, filter: w }, conv, 5),
    });
    const fAttrs = { strides: stride, pad: 'same', dataFormat: 'NHWC', filterShape: W } as NamedAttrMap;
    emit({
      ...base,
      kernel: 'Conv2DBackpropFilter',
      impl: 'stock',
      ms: null,
      note: 'not registered in tfjs-backend-wasm 4.22',
    });
    emit({ ...base, kernel: 'Conv2DBackpropFilter', impl: 'ours', ms: timeKernel(ours.filter, { x, dy }, fAttrs, 5) });
    const iAttrs = { strides: stride, pad: 'same', dataFormat: 'NHWC', inputShape: xShape } as NamedAttrMap;
    emit({
      ...base,
      kernel: 'Conv2DBackpropInput',
      impl: 'stock',
      ms: timeKernel(stock.input!, { dy, filter: w }, iAttrs, 3),
    });
    emit({
      ...base,
      kernel: 'Conv2DBackpropInput',
      impl: 'ours',
      ms: timeKernel(ours.input, { dy, filter: w }, iAttrs, 5),
    });
    tf.dispose([x, w, dy]);
  }

  // Dense layer backward: dx = dy·Wᵀ (transposeB), dW = xᵀ·dy (transposeA).
  for (const [batch, inF, outF] of [
    [64, 3136, 10],
    [128, 512, 512],
    [64, 1024, 256],
  ]) {
    const x = tensor([batch, inF], 4);
    const w = tensor([inF, outF], 5);
    const dy = tensor([batch, outF], 6);
    const cases: [string, Record<string, tf.Tensor>, NamedAttrMap][] = [
      ['dx = dy·Wᵀ', { a: dy, b: w }, { transposeA: false, transposeB: true }],
      ['dW = xᵀ·dy', { a: x, b: dy }, { transposeA: true, transposeB: false }],
    ];
    for (const [what, inputs, attrs] of cases) {
      const base = { backend: 'wasm', kernel: 'BatchMatMul', dense: [batch, inF, outF], what };
      emit({ ...base, impl: 'stock', ms: timeKernel(stock.matMul!, inputs, attrs, 5) });
      emit({ ...base, impl: 'ours', ms: timeKernel(ours.matMul, inputs, attrs, 5) });
    }
    tf.dispose([x, w, dy]);
  }
}

async function benchCpu(): Promise<void> {
  await tf.setBackend('cpu');
  const stock = stockKernel('Conv2DBackpropFilter', 'cpu')!;
  registerCpuKernels();
  const ours = stockKernel('Conv2DBackpropFilter', 'cpu')!;
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: W } as NamedAttrMap;
  // The stock kernel is ~0.5 s per sample: time it at batch 2 unless BENCH_SLOW asks for the full batch.
  for (const batch of slow ? [2, 64] : [2]) {
    const x = tensor([batch, ...X.slice(1)], 1);
    const dy = tensor([batch, ...DY.slice(1)], 3);
    const base = {
      backend: 'cpu',
      kernel: 'Conv2DBackpropFilter',
      x: x.shape,
      dy: dy.shape,
      w: W,
      stride: 1,
      pad: 'same',
    };
    emit({ ...base, impl: 'stock', ms: timeKernel(stock, { x, dy }, attrs, 1) });
    emit({ ...base, impl: 'ours', ms: timeKernel(ours, { x, dy }, attrs, 5) });
    tf.dispose([x, dy]);
  }
  if (slow) return;
  const x = tensor(X, 1);
  const dy = tensor(DY, 3);
  const base = { backend: 'cpu', kernel: 'Conv2DBackpropFilter', x: X, dy: DY, w: W, stride: 1, pad: 'same' };
  emit({ ...base, impl: 'ours', ms: timeKernel(ours, { x, dy }, attrs, 5) });
  tf.dispose([x, dy]);
}

/** The notes' small CNN (LeakyReLU stands in for the project's asymmetric one: same kernels). */
function smallCnn(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, padding: 'same' }),
      tf.layers.leakyReLU({ alpha: 0.1 }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same' }),
      tf.layers.leakyReLU({ alpha: 0.1 }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
  return model;
}

async function benchTrainStep(backend: string, impl: 'stock' | 'ours', steps: number): Promise<void> {
  await tf.setBackend(backend);
  const model = smallCnn();
  const xs = tensor([64, 28, 28, 1], 7);
  const labels = Array.from({ length: 64 }, (_, i) => i % 10);
  const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
  const times: number[] = [];
  for (let i = 0; i < steps + 1; i++) {
    const t0 = performance.now();
    await model.trainOnBatch(xs, ys);
    if (i > 0) times.push(performance.now() - t0);
  }
  emit({ backend, kernel: 'trainOnBatch (small CNN, batch 64)', impl, ms: median(times), steps });
  model.dispose();
  tf.dispose([xs, ys]);
}

async function main(): Promise<void> {
  try {
    await benchTrainStep('wasm', 'stock', 1); // before registerWasmKernels
  } catch (err) {
    const note = err instanceof Error ? err.message : String(err);
    emit({ backend: 'wasm', kernel: 'trainOnBatch (small CNN, batch 64)', impl: 'stock', ms: null, note });
  }
  await benchWasm();
  await benchTrainStep('wasm', 'ours', 7);
  if (slow) await benchTrainStep('cpu', 'stock', 1); // ~40 s a step
  await benchCpu();
  await benchTrainStep('cpu', 'ours', 3);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
