/**
 * Conv2DBackpropInput for the wasm backend. The stock kernel is a scalar C++ loop (~180 ms on a small CNN layer);
 * this one is made of forward convs on XNNPACK (the stock Conv2D kernel).
 *
 * dx[h] = Σ_{oh,kh : oh·s + kh − top = h} dy[oh] · W[kh]ᵀ. Only taps with kh ≡ h + top (mod s) reach row h, so the
 * rows of dx split into s phases, each a stride-1 conv of dy with the sub-filter of that phase's taps, flipped and
 * with ci/co swapped (per axis, so sH·sW phases). For stride 1 there is one phase: the plain "dx as conv2d" of notes
 * §3. Unlike zero-dilating dy, no multiply-adds are wasted on zeros. Padding that would be negative (explicit pads
 * larger than the kernel, dy rows that reach no input row) becomes a crop of dy.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry } from './conv-geometry';
import { conv2dWasm, release, sliceWasm, transposeWasm, zerosWasm } from './wasm-ops';

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
