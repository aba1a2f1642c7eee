/**
 * Conv2DBackpropInput for the wasm backend. The stock kernel is a scalar C++ loop (~180 ms on a small CNN layer);
 * this one is made of forward convs on XNNPACK (the stock Conv2D kernel).
 *
 * dx[h] = Σ_{oh,kh : oh·s + kh − top = h} dy[oh] · W[kh]ᵀ. Only taps with kh ≡ h + top (mod s) reach row h, so the
 * rows of dx split into s phases, each a stride-1 conv of dy with the sub-filter of that phase's taps, flipped and
 * with ci/co swapped (per axis, so sH·sW phases). For stride 1 there is one phase: the plain "dx as conv2d" of notes
 * §3. Unlike zero-dilating dy, no multiply-adds are wasted on zeros. Padding that would be negative (explicit pads
 * larger than the kernel, dy rows that reach no input row) becomes a crop of dy.
 *
 * With few input channels (a first layer) those convs have 1–4 output channels, which XNNPACK runs slowly (7.7 ms
 * for 64×28×28×32→1). There z = dy·Wᵀ (one matrix product, [P, KH·KW·Ci]) folded back by col2im is 1.3–3× faster.
 * tfjs computes this gradient even for the model input (fused conv's gradient returns all of them at once).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry, type ConvGeometry } from './conv-geometry';
import { MAX_GEMM_TAPS } from './conv2d-backprop-filter-wasm';
import { col2im, col2imSimd, pixelCount, tapCount } from './im2col';
import { heapAddress, simdKernels } from './simd-wasm';
import { conv2dWasm, heapF32, matMulWasm, release, sliceWasm, transposeWasm, view, zerosWasm } from './wasm-ops';

/** One phase of one spatial axis. */
interface Phase {
  /** First filter tap (kh = first + m·stride for m < taps). */
  first: number;
  taps: number;
  /** dx index of the phase's first row and how many rows it has (every `stride`-th row). */
  start: number;
  count: number;
  cropStart: number;
  cropEnd: number;
  padStart: number;
  padEnd: number;
}

/** The phase whose rows h satisfy (h + padBefore) mod stride = r, or null if it has no taps or no rows. */
function planPhase(inSize: number, outSize: number, k: number, stride: number, padBefore: number, r: number) {
  const taps = Math.ceil((k - r) / stride);
  const qFirst = Math.ceil((padBefore - r) / stride); // q = (h + padBefore − r) / stride over rows 0 ≤ h < inSize
  const qLast = Math.floor((inSize - 1 + padBefore - r) / stride);
  const count = qLast - qFirst + 1;
  if (taps <= 0 || count <= 0) return null;
  // Row t of this phase is Σ_j dy[t + qFirst − (taps−1) + j] · sub[j]: pad (or crop) dy to fit exactly.
  const before = taps - 1 - qFirst;
  const after = count - outSize + qFirst;
  const phase: Phase = {
    first: r,
    taps,
    start: qFirst * stride + r - padBefore,
    count,
    cropStart: Math.max(0, -before),
    cropEnd: Math.max(0, -after),
    padStart: Math.max(0, before),
    padEnd: Math.max(0, after),
  };
  return outSize - phase.cropStart - phase.cropEnd > 0 ? phase : null;
}

/** sub[jh,jw,co,ci] = W[rows.first + (Th−1−jh)·sH, cols.first + (Tw−1−jw)·sW, ci, co], written by JS on the heap. */
function subFilter(backend: BackendWasm, filter: TensorInfo, rows: Phase, cols: Phase, sH: number, sW: number) {
  const [, kW, cI, cO] = filter.shape;
  const out = backend.makeOutput([rows.taps, cols.taps, cO, cI], 'float32');
  // Views only after the allocation: growing the heap detaches earlier ones.
  const src = backend.typedArrayFromHeap(filter);
  const dst = backend.typedArrayFromHeap(out);
  for (let jh = 0; jh < rows.taps; jh++) {
    const kh = rows.first + (rows.taps - 1 - jh) * sH;
    for (let jw = 0; jw < cols.taps; jw++) {
      const kw = cols.first + (cols.taps - 1 - jw) * sW;
      const s = (kh * kW + kw) * cI * cO;
      const d = (jh * cols.taps + jw) * cO * cI;
      for (let ci = 0; ci < cI; ci++) {
        for (let co = 0; co < cO; co++) dst[d + co * cI + ci] = src[s + ci * cO + co];
      }
    }
  }
  return out;
}

/** dx[n, rows.start + t·sH, cols.start + u·sW, :] = plane[n, t, u, :]. */
function scatterPhase(
  backend: BackendWasm,
  plane: TensorInfo,
  dx: TensorInfo,
  rows: Phase,
  cols: Phase,
  sH: number,
  sW: number,
) {
  const [n, inH, inW, c] = dx.shape;
  const src = backend.typedArrayFromHeap(plane);
  const dst = backend.typedArrayFromHeap(dx);
  for (let b = 0; b < n; b++) {
    for (let t = 0; t < rows.count; t++) {
      const h = rows.start + t * sH;
      for (let u = 0; u < cols.count; u++) {
        const s = ((b * rows.count + t) * cols.count + u) * c;
        const d = ((b * inH + h) * inW + cols.start + u * sW) * c;
        for (let ch = 0; ch < c; ch++) dst[d + ch] = src[s + ch];
      }
    }
  }
}

/** The dx rows/cols of one phase pair: [N, rows.count, cols.count, Ci]. */
function phaseConv(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  rows: Phase,
  cols: Phase,
  sH: number,
  sW: number,
) {
  const [n, outH, outW, cO] = dy.shape;
  const cropped = rows.cropStart + rows.cropEnd + cols.cropStart + cols.cropEnd > 0;
  const src = cropped
    ? sliceWasm(
        backend,
        dy,
        [0, rows.cropStart, cols.cropStart, 0],
        [n, outH - rows.cropStart - rows.cropEnd, outW - cols.cropStart - cols.cropEnd, cO],
      )
    : dy;
  const sub = subFilter(backend, filter, rows, cols, sH, sW);
  const plane = conv2dWasm(backend, src, sub, [
    [0, 0],
    [rows.padStart, rows.padEnd],
    [cols.padStart, cols.padEnd],
    [0, 0],
  ]);
  release(backend, sub);
  if (src !== dy) release(backend, src);
  return plane;
}

function phases(inSize: number, outSize: number, k: number, stride: number, padBefore: number): Phase[] {
  const out: Phase[] = [];
  for (let r = 0; r < stride; r++) {
    const p = planPhase(inSize, outSize, k, stride, padBefore, r);
    if (p !== null) out.push(p);
  }
  return out;
}

/**
 * Up to this many taps the matrix-product path is used when col2im runs on the SIMD module (else MAX_GEMM_TAPS, for
 * the JS col2im). Measured (batch 64, 3×3 'same', Co 32, per call): 28×28×1 (9 taps) 7.9→2.7 ms, 32×32×3 (27)
 * 10.2→6.2 ms, 28×28×4 (36) 7.9→5.9 ms, 16×16×8 (72) 2.5→3.5 ms (slower).
 */
const MAX_GEMM_TAPS_SIMD = 36;

/** z[P, taps] = dy[P, Co] · W[taps, Co]ᵀ, then dx = col2im(z); NHWC only. */
function inputGradByGemm(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry): TensorInfo {
  const taps = tapCount(g);
  const wT = transposeWasm(backend, view(filter, [taps, g.outC]), [1, 0]);
  const z = matMulWasm(backend, view(dy, [1, pixelCount(g), g.outC]), view(wT, [1, g.outC, taps]));
  release(backend, wT);
  const dx = backend.makeOutput([g.batch, g.inH, g.inW, g.inC], 'float32');
  const simd = simdKernels(backend);
  if (simd !== null) {
    heapF32(backend, dx).fill(0);
    col2imSimd(simd, g, heapAddress(backend, z.dataId), heapAddress(backend, dx.dataId));
  } else {
    col2im(g, heapF32(backend, z), heapF32(backend, dx));
  }
  release(backend, z);
  return dx;
}

export function conv2dBackpropInputWasm(args: {
  inputs: { dy?: TensorInfo; filter?: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { backend, attrs } = args;
  const { dy, filter } = args.inputs;
  if (dy === undefined || filter === undefined) throw new Error('Conv2DBackpropInput needs inputs dy and filter');
  const g = convGeometry(attrs.inputShape, filter.shape, attrs);
  const nchw = attrs.dataFormat === 'NCHW';
  const maxTaps = simdKernels(backend) !== null ? MAX_GEMM_TAPS_SIMD : MAX_GEMM_TAPS;
  if (!nchw && tapCount(g) <= maxTaps) return inputGradByGemm(backend, dy, filter, g);
  const dyNhwc = nchw ? transposeWasm(backend, dy, [0, 2, 3, 1]) : dy;
  const [, outH, outW] = dyNhwc.shape;
  const rowPhases = phases(g.inH, outH, g.kH, g.sH, g.padTop);
  const colPhases = phases(g.inW, outW, g.kW, g.sW, g.padLeft);
  const dxShape = [g.batch, g.inH, g.inW, g.inC];

  let dx: TensorInfo;
  const single = rowPhases.length === 1 && colPhases.length === 1;
  if (single && rowPhases[0].count === g.inH && colPhases[0].count === g.inW) {
    dx = phaseConv(backend, dyNhwc, filter, rowPhases[0], colPhases[0], g.sH, g.sW); // covers every row: no scatter
  } else {
    dx = zerosWasm(backend, dxShape); // rows no tap reaches stay zero
    for (const rows of rowPhases) {
      for (const cols of colPhases) {
        const plane = phaseConv(backend, dyNhwc, filter, rows, cols, g.sH, g.sW);
        scatterPhase(backend, plane, dx, rows, cols, g.sH, g.sW);
        release(backend, plane);
      }
    }
  }
  if (!nchw) return dx;
  release(backend, dyNhwc);
  const dxNchw = transposeWasm(backend, dx, [0, 3, 1, 2]);
  release(backend, dx);
  return dxNchw;
}

export const conv2dBackpropInputWasmConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInputWasm as unknown as KernelFunc,
};
