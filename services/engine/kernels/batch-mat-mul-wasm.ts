/**
 * BatchMatMul for the wasm backend. The stock kernel reaches XNNPACK's fully-connected operator only without
 * transpose flags and with batch 1; matMul gradients always set a flag, so Dense backward passes fell to a scalar
 * loop. Transposing the flagged operand explicitly (one cheap copy) and then calling the stock kernel flag-free puts
 * them on XNNPACK. Batched products keep the stock path: XNNPACK is not used for them either way.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { BatchMatMulAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { release, transposeWasm } from './wasm-ops';

type BatchMatMulArgs = { inputs: { a?: TensorInfo; b?: TensorInfo }; backend: BackendWasm; attrs: BatchMatMulAttrs };

/** Swaps the last two axes. */
function transposeLastTwo(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return transposeWasm(backend, x, perm);
}

const outerSize = (shape: readonly number[]): number => shape.slice(0, -2).reduce((p, d) => p * d, 1);

/** Wraps the stock kernel (captured at registration) so that single-matrix products with flags run on XNNPACK. */
export function makeBatchMatMulWasmConfig(stock: KernelConfig): KernelConfig {
  const stockFunc = stock.kernelFunc as unknown as (args: BatchMatMulArgs) => TensorInfo;
  const kernelFunc = (args: BatchMatMulArgs): TensorInfo => {
    const { backend, attrs } = args;
    const { a, b } = args.inputs;
    const flagged = attrs.transposeA || attrs.transposeB;
    if (a === undefined || b === undefined || !flagged || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return stockFunc(args);
    }
    if (outerSize(a.shape) !== 1 || outerSize(b.shape) !== 1) return stockFunc(args);
    const aT = attrs.transposeA ? transposeLastTwo(backend, a) : a;
    const bT = attrs.transposeB ? transposeLastTwo(backend, b) : b;
    const out = stockFunc({ inputs: { a: aT, b: bT }, backend, attrs: { transposeA: false, transposeB: false } });
    if (aT !== a) release(backend, aT);
    if (bT !== b) release(backend, bT);
    return out;
  };
  // The stock setup (cwrap of the C++ entry point) must still run when this is registered before backend init.
  return { ...stock, kernelFunc: kernelFunc as unknown as KernelFunc };
}
