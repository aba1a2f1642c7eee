/**
 * Thin calls into the wasm backend's own kernels, for composing new kernels out of them. Kernel functions are looked
 * up at call time (not import time) because the registry is filled when the wasm backend package loads; calling a
 * kernelFunc directly bypasses the engine, so nothing here is taped or tracked: callers free every intermediate with
 * `release`.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf';

export type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

/** Runs the wasm kernel registered under `name` right now (so it may be one of ours). */
export function runWasmKernel(
  backend: BackendWasm,
  name: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const config = tf.getKernel(name, 'wasm') as KernelConfig | undefined;
  if (config === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  const out = config.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`wasm kernel ${name} returned several outputs`);
  return out;
}

export function transposeWasm(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return runWasmKernel(backend, 'Transpose', { x }, { perm });
}

export function sliceWasm(backend: BackendWasm, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  return runWasmKernel(backend, 'Slice', { x }, { begin, size });
}

/** XNNPACK-backed NHWC conv2d with explicit per-side padding. */
export function conv2dWasm(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  pad: ExplicitPad,
  dilations: [number, number] = [1, 1],
): TensorInfo {
  return runWasmKernel(backend, 'Conv2D', { x, filter }, { strides: [1, 1], pad, dilations, dataFormat: 'NHWC' });
}

/** A zero-filled float32 tensor on the wasm heap (malloc'd memory is not cleared). */
export function zerosWasm(backend: BackendWasm, shape: number[]): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  backend.typedArrayFromHeap(out).fill(0);
  return out;
}

/** Frees intermediates made by this module's functions. */
export function release(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** The same data under another shape of equal size (a reshape without copy); release the original, not the view. */
export function view(x: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/** a·b for a [1,M,K] and b [1,K,N], without transpose flags: the stock kernel then runs XNNPACK's GEMM. */
export function matMulWasm(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  return runWasmKernel(backend, 'BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
}

/** A float32 view of a tensor on the wasm heap. Take it after the last allocation: heap growth detaches it. */
export function heapF32(backend: BackendWasm, x: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(x) as Float32Array;
}

/**
 * [rows, cols] → [cols, rows] in two passes: each of `blocks` row blocks transposed on its own, then the blocks moved
 * into place. The stock Transpose walks the whole matrix with a long stride and thrashes the cache: for a
 * 50176×32 dy, 4.9 ms in one pass vs 1.4 ms in two (64 blocks). `blocks` must divide `rows`.
 */
export function transposeMatrixWasm(backend: BackendWasm, x: TensorInfo, rows: number, cols: number, blocks: number) {
  if (blocks <= 1 || rows % blocks !== 0) return transposeWasm(backend, view(x, [rows, cols]), [1, 0]);
  const perBlock = transposeWasm(backend, view(x, [blocks, rows / blocks, cols]), [0, 2, 1]);
  const out = transposeWasm(backend, perBlock, [1, 0, 2]);
  release(backend, perBlock);
  return view(out, [cols, rows]);
}
