/**
 * Fast gradient kernels for the wasm, cpu and tensorflow backends (see notes/tfjs.md §2–3). Registration is idempotent and may
 * happen before or after the backend initialises.
 */
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { tf } from '../tf';
import { makeBatchMatMulWasmConfig } from './batch-mat-mul-wasm';
import { conv2dBackpropFilterCpuConfig } from './conv2d-backprop-filter-cpu';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter-wasm';
import { conv2dBackpropInputWasmConfig } from './conv2d-backprop-input-wasm';
import { makeIdentityWasmConfig } from './identity-wasm';
import { makeMaxPoolGradWasmConfig } from './max-pool-grad-wasm';
import { makeSumWasmConfig } from './sum-wasm';
import { leakyReluGradTensorflowConfig } from './leaky-relu-grad-tensorflow';
import { makeMaxPoolGradTensorflowConfig } from './max-pool-grad-tensorflow';

const ours = new WeakSet<KernelFunc>();
/** The kernels ours replaced, by `backend/kernel`, so wrappers can delegate and re-registration finds them. */
const replaced = new Map<string, KernelConfig>();

function registered(kernelName: string, backendName: string): KernelConfig | undefined {
  return tf.getKernel(kernelName, backendName) as KernelConfig | undefined;
}

/** Installs `make(stock)` unless one of ours is already there; unregistering first avoids tfjs's warning. */
function install(kernelName: string, backendName: string, make: (stock: KernelConfig | undefined) => KernelConfig) {
  const key = `${backendName}/${kernelName}`;
  const current = registered(kernelName, backendName);
  if (current !== undefined && ours.has(current.kernelFunc)) return;
  if (current !== undefined) replaced.set(key, current);
  const config = make(replaced.get(key));
  if (current !== undefined) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(config);
  ours.add(config.kernelFunc);
}

/**
 * Whether BatchMatMul with transpose flags is rerouted to XNNPACK. Measured (bench/kernels, 2-core x86-64, Node 20,
 * inputs fresh each call): Dense backward [64,3136]×[3136,10] 2.4→0.34 ms (dx) and 1.8→0.39 ms (dW);
 * [128,512]×[512,512] 29→3.7 ms and 71→2.5 ms. Results match the cpu backend. On the notes' small CNN the whole
 * trainOnBatch step barely moves (its Dense layer is tiny); wide Dense layers gain a lot.
 */
const OVERRIDE_BATCH_MAT_MUL = true;

/** Wraps a stock kernel: `make` gets the kernel ours replaced, to delegate the cases it does not cover. */
function wrapStock(kernelName: string, make: (stock: KernelConfig) => KernelConfig, backendName = 'wasm') {
  install(kernelName, backendName, (stock) => {
    if (stock === undefined) throw new Error(`${backendName} ${kernelName} kernel is not registered`);
    return make(stock);
  });
}

/**
 * Conv2DBackpropFilter (missing in stock wasm), a fast Conv2DBackpropInput, MaxPoolGrad, bias-gradient Sum, a
 * copy-free Identity and, if enabled, BatchMatMul.
 */
export function registerWasmKernels(): void {
  install('Conv2DBackpropFilter', 'wasm', () => conv2dBackpropFilterWasmConfig);
  install('Conv2DBackpropInput', 'wasm', () => conv2dBackpropInputWasmConfig);
  wrapStock('MaxPoolGrad', makeMaxPoolGradWasmConfig);
  wrapStock('Sum', makeSumWasmConfig);
  wrapStock('Identity', makeIdentityWasmConfig);
  if (OVERRIDE_BATCH_MAT_MUL) {
    wrapStock('BatchMatMul', makeBatchMatMulWasmConfig);
  }
}

/**
 * For the native backend (after tfjs-node registered its kernels): libtensorflow's own LeakyReluGrad for ProxyGrad's
 * gradient, and MaxPoolGrad on oneDNN.
 */
export function registerTensorflowKernels(): void {
  install(leakyReluGradTensorflowConfig.kernelName, 'tensorflow', () => leakyReluGradTensorflowConfig);
  wrapStock('MaxPoolGrad', makeMaxPoolGradTensorflowConfig, 'tensorflow');
}

/** A loop-reordered Conv2DBackpropFilter for the pure-JS cpu backend. */
export function registerCpuKernels(): void {
  install('Conv2DBackpropFilter', 'cpu', () => conv2dBackpropFilterCpuConfig);
}

export { LEAKY_RELU_GRAD } from './leaky-relu-grad-tensorflow';
export { maxPoolGradOnOneDnn } from './max-pool-grad-tensorflow';
export { conv2dBackpropFilterWasm } from './conv2d-backprop-filter-wasm';
export { conv2dBackpropInputWasm } from './conv2d-backprop-input-wasm';
export { conv2dBackpropFilterCpu } from './conv2d-backprop-filter-cpu';
