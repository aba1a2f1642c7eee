/**
 * Conv2DBackpropFilter for the wasm backend, which ships none (training any conv net throws without it).
 *
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·sH+kh−top, ow·sW+kw−left, ci] · dy[n,oh,ow,co] is itself a forward
 * convolution once the batch becomes the channel axis: input x as [Ci,H,W,N], filter dy as [OH,OW,N,Co] dilated by
 * the stride, stride 1. That runs on XNNPACK's conv (the stock Conv2D kernel) instead of a scalar loop.
 *
 * That conv has only Ci·KH·KW output pixels, too few for XNNPACK to run well when Ci is small (a first layer on
 * 28×28×1: 13 ms for 14 M multiply-adds). With up to 16 input channels (and Co a multiple of 16) the SIMD tiles of
 * conv2d-backprop-filter-simd.ts do it (~3 ms); otherwise, for few taps, dWᵀ = dyᵀ·im2col(x) as one matrix product
 * is ~2× faster than the conv.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry, type ConvGeometry } from './conv-geometry';
import { filterGradBySimd, simdFilterGradApplies } from './conv2d-backprop-filter-simd';
import { im2col, pixelCount, tapCount } from './im2col';
import { simdKernels } from './simd-wasm';
import {
  conv2dWasm,
  heapF32,
  matMulWasm,
  release,
  sliceWasm,
  transposeMatrixWasm,
  transposeWasm,
  view,
} from './wasm-ops';

/**
 * Up to this many taps (KH·KW·Ci) the matrix-product path is used where the SIMD tiles are not. Measured (2-core
 * x86-64, Node 20, batch 64, 3×3 'same', Co 32, per call): 28×28×1 (9 taps) 14.0→7.3 ms; 32×32×3 (27 taps) no gain
 * (22 vs 23 ms); 28×28×4 and 16×16×8 slower.
 */
export const MAX_GEMM_TAPS = 9;

/**
 * Stride 1, NHWC, pads within the kernel: the same product with the roles swapped, dy as the image ([Co,OH,OW,N])
 * and x as the filter ([H,W,N,Ci]). Its output [Co,KH,KW,Ci] holds the taps flipped. XNNPACK runs this shape ~8%
 * faster (14×14×32→64 at batch 64: 23.4 vs 25.3 ms; 16×16: 35.5 vs 37.5 ms).
 */
function filterGradSwapped(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo | null {
  const padBottom = g.outH - 1 + g.kH - g.inH - g.padTop;
  const padRight = g.outW - 1 + g.kW - g.inW - g.padLeft;
  const pads = [g.padTop, padBottom, g.padLeft, padRight];
  if (g.sH !== 1 || g.sW !== 1 || pads.some((p, i) => p < 0 || p > (i < 2 ? g.kH : g.kW) - 1)) return null;
  const { batch, outH, outW, kH, kW, inC, outC } = g;
  // dy → [Co,OH,OW,N] in two cache-friendly passes (per image, then [N, rest] → [rest, N]): one 4-D transpose with a
  // 2^k stride took 4.9 ms for 64×16×16×64, these two 2.1 ms.
  const perImage = transposeWasm(backend, view(dy, [batch, outH * outW, outC]), [0, 2, 1]);
  const dyT = transposeWasm(backend, view(perImage, [batch, outC * outH * outW]), [1, 0]);
  release(backend, perImage);
  const xT = transposeWasm(backend, x, [1, 2, 0, 3]);
  const flipped = conv2dWasm(backend, view(dyT, [outC, outH, outW, batch]), xT, [
    [0, 0],
    [g.kH - 1 - g.padTop, g.kH - 1 - padBottom],
    [g.kW - 1 - g.padLeft, g.kW - 1 - padRight],
    [0, 0],
  ]);
  release(backend, dyT, xT);
  const dW = backend.makeOutput([kH, kW, inC, outC], 'float32');
  const src = heapF32(backend, flipped);
  const dst = heapF32(backend, dW);
  // dW[kh,kw,ci,co] = flipped[co, KH−1−kh, KW−1−kw, ci]
  for (let co = 0; co < outC; co++) {
    for (let a = 0; a < kH; a++) {
      for (let b = 0; b < kW; b++) {
        const s = ((co * kH + a) * kW + b) * inC;
        const d = ((kH - 1 - a) * kW + (kW - 1 - b)) * inC * outC + co;
        for (let ci = 0; ci < inC; ci++) dst[d + ci * outC] = src[s + ci];
      }
    }
  }
  release(backend, flipped);
  return dW;
}

/** dWᵀ[Co, taps] = dyᵀ[Co, P] · col[P, taps], NHWC only. */
function filterGradByGemm(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const taps = tapCount(g);
  const pixels = pixelCount(g);
  const col = backend.makeOutput([1, pixels, taps], 'float32');
  im2col(g, heapF32(backend, x), heapF32(backend, col));
  const dyT = transposeMatrixWasm(backend, dy, pixels, g.outC, g.batch);
  const dWT = matMulWasm(backend, view(dyT, [1, g.outC, pixels]), col);
  release(backend, col, dyT);
  const dW = transposeWasm(backend, view(dWT, [g.outC, taps]), [1, 0]);
  release(backend, dWT);
  return view(dW, [g.kH, g.kW, g.inC, g.outC]); // rows of dW are already in (kh, kw, ci) order
}

export function conv2dBackpropFilterWasm(args: {
  inputs: { x?: TensorInfo; dy?: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { backend, attrs } = args;
  const { x, dy } = args.inputs;
  if (x === undefined || dy === undefined) throw new Error('Conv2DBackpropFilter needs inputs x and dy');
  const g = convGeometry(x.shape, attrs.filterShape, attrs);
  const nchw = attrs.dataFormat === 'NCHW';
  const simd = !nchw && simdFilterGradApplies(g) ? simdKernels(backend) : null;
  if (simd !== null) return filterGradBySimd(simd, backend, x, dy, g);
  if (!nchw && tapCount(g) <= MAX_GEMM_TAPS) return filterGradByGemm(backend, x, dy, g);
  const swapped = nchw ? null : filterGradSwapped(backend, x, dy, g);
  if (swapped !== null) return swapped;
  const [outH, outW] = nchw ? dy.shape.slice(2, 4) : dy.shape.slice(1, 3);

  // One transpose each takes any layout straight to the "batch as channels" layout.
  const xT = transposeWasm(backend, x, nchw ? [1, 2, 3, 0] : [3, 1, 2, 0]); // [Ci,H,W,N]
  const dyT = transposeWasm(backend, dy, nchw ? [2, 3, 0, 1] : [1, 2, 0, 3]); // [OH,OW,N,Co]

  // Bottom/right padding only has to make the result reach KH×KW; any surplus rows (input remainder that the
  // forward conv never read) are sliced off below.
  const padBottom = Math.max(0, g.kH + (outH - 1) * g.sH - g.inH - g.padTop);
  const padRight = Math.max(0, g.kW + (outW - 1) * g.sW - g.inW - g.padLeft);
  const grad = conv2dWasm(
    backend,
    xT,
    dyT,
    [
      [0, 0],
      [g.padTop, padBottom],
      [g.padLeft, padRight],
      [0, 0],
    ],
    [g.sH, g.sW],
  ); // [Ci,KH',KW',Co]
  release(backend, xT, dyT);

  let fitted = grad;
  if (grad.shape[1] !== g.kH || grad.shape[2] !== g.kW) {
    fitted = sliceWasm(backend, grad, [0, 0, 0, 0], [g.inC, g.kH, g.kW, g.outC]);
    release(backend, grad);
  }
  const dW = transposeWasm(backend, fitted, [1, 2, 0, 3]); // [KH,KW,Ci,Co]
  release(backend, fitted);
  return dW;
}

export const conv2dBackpropFilterWasmConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm as unknown as KernelFunc,
};
