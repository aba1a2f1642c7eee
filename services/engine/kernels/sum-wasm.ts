/**
 * Sum for the wasm backend, for the one reduction every training step does per layer: a bias gradient, i.e. dy
 * summed over all axes but the last. The stock kernel first transposes the whole tensor so the reduced axes are
 * innermost (~5 ms for a 64×28×28×32 dy); summing rows into per-channel accumulators reads it once, in order: ~0.6 ms
 * with the SIMD loop (channels a multiple of 4), ~2.5 ms in JS. Every other reduction goes to the stock kernel.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, SumAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf';
import { heapAddress, simdKernels, type SimdKernels } from './simd-wasm';

type SumArgs = { inputs: { x?: TensorInfo }; backend: BackendWasm; attrs: SumAttrs };

/** Whether `axis` names exactly the axes before the last one of a rank ≥ 2 shape. */
function reducesLeadingAxes(shape: readonly number[], axis: SumAttrs['axis']): boolean {
  if (shape.length < 2) return false;
  const axes = [...tf.util.parseAxisParam(axis, shape as number[])].sort((a, b) => a - b);
  return axes.length === shape.length - 1 && axes.every((a, i) => a === i);
}

/** out[c] = Σ_rows x[row, c], accumulated in float64 (rows run to N·H·W, ~50k terms). */
function columnSums(x: Float32Array, channels: number, out: Float32Array): void {
  const acc = new Float64Array(channels);
  for (let base = 0; base < x.length; base += channels) {
    for (let c = 0; c < channels; c++) acc[c] += x[base + c];
  }
  out.set(acc);
}

/** Rows per SIMD call: float32 sums over this many rows, float64 across blocks (so ~50k rows stay accurate). */
const BLOCK_ROWS = 512;

function columnSumsSimd(simd: SimdKernels, backend: BackendWasm, x: TensorInfo, channels: number, out: TensorInfo) {
  const rows = tf.util.sizeFromShape(x.shape) / channels;
  const xAddr = heapAddress(backend, x.dataId);
  const outAddr = heapAddress(backend, out.dataId);
  const block = backend.typedArrayFromHeap(out) as Float32Array; // no allocations below: the view stays valid
  const acc = new Float64Array(channels);
  for (let r = 0; r < rows; r += BLOCK_ROWS) {
    block.fill(0);
    simd.colsum(xAddr + r * channels * 4, Math.min(BLOCK_ROWS, rows - r), channels, outAddr);
    for (let c = 0; c < channels; c++) acc[c] += block[c];
  }
  block.set(acc);
}

/** Wraps the stock kernel (captured at registration), which serves every other reduction. */
export function makeSumWasmConfig(stock: KernelConfig): KernelConfig {
  const stockFunc = stock.kernelFunc as unknown as (args: SumArgs) => TensorInfo;
  const kernelFunc = (args: SumArgs): TensorInfo => {
    const { backend, attrs } = args;
    const { x } = args.inputs;
    if (x === undefined) throw new Error('Sum needs input x');
    if (x.dtype !== 'float32' || !reducesLeadingAxes(x.shape, attrs.axis)) return stockFunc(args);
    const channels = x.shape[x.shape.length - 1];
    if (channels === 0 || tf.util.sizeFromShape(x.shape) === 0) return stockFunc(args);
    const shape = attrs.keepDims ? x.shape.map((d, i) => (i === x.shape.length - 1 ? d : 1)) : [channels];
    const out = backend.makeOutput(shape, 'float32');
    const simd = channels % 4 === 0 ? simdKernels(backend) : null;
    if (simd !== null) {
      columnSumsSimd(simd, backend, x, channels, out);
      return out;
    }
    // Views only after the allocation: growing the heap detaches earlier ones.
    columnSums(
      backend.typedArrayFromHeap(x) as Float32Array,
      channels,
      backend.typedArrayFromHeap(out) as Float32Array,
    );
    return out;
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as KernelFunc };
}
