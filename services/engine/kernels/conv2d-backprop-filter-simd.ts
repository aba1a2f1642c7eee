/**
 * The filter gradient of a conv with few input channels (a first layer, or a narrow one), on the SIMD module's dw
 * tiles.
 *
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·sH+kh−top, ow·sW+kw−left, ci] · dy[n,oh,ow,co]. For one tap (kh, kw) the
 * pixels whose input falls inside the image form a rectangle of (oh, ow), so one dw call per (tap, 16 output
 * channels, image) walks that rectangle with plain strides and keeps its 3×16 sums in registers. XNNPACK has no good
 * shape for this product (~9 output values per input channel, reduced over N·OH·OW): 28×28×1→32 at batch 64 took
 * 13.9 ms as a conv and 7.1 ms as a matrix product, 32×32×3→32 took 22 ms either way; here 2.7 and 5.4 ms.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './conv-geometry';
import { validRange } from './im2col';
import { DW_TILE_CO, heapAddress, type SimdKernels } from './simd-wasm';
import { heapF32, release } from './wasm-ops';

/**
 * Largest input-channel count sent here; channels go in groups of up to 3 (the module's tiles: 1, 2, 3). Measured
 * against XNNPACK (batch 64, 3×3 'same', per call): 28×28×1→32 13.9→2.7 ms, 32×32×3→32 22→5.4 ms, 28×28×4→32
 * 17.5→5.1 ms, 16×16×8→32 7.7→3.4 ms, 16×16×16→32 11.3→7.2 ms; at 32 channels XNNPACK wins (14×14×32→64 25.6 vs
 * 30 ms) or ties (16×16×32→64 37 vs 36 ms).
 */
export const MAX_SIMD_FILTER_CHANNELS = 16;

export function simdFilterGradApplies(g: ConvGeometry): boolean {
  return g.inC <= MAX_SIMD_FILTER_CHANNELS && g.outC % DW_TILE_CO === 0;
}

export function filterGradBySimd(
  simd: SimdKernels,
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  g: ConvGeometry,
): TensorInfo {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, sH, sW, padTop, padLeft } = g;
  const tiles = [simd.dw1, simd.dw2, simd.dw3];
  const acc = backend.makeOutput([3 * DW_TILE_CO], 'float32');
  const out = backend.makeOutput([kH, kW, inC, outC], 'float32');
  // Heap views after the last allocation; the SIMD calls allocate nothing.
  const accView = heapF32(backend, acc);
  const [xAddr, dyAddr, accAddr] = [x, dy, acc].map((t) => heapAddress(backend, t.dataId));
  // float32 sums over one image's pixels, float64 across images: batch·OH·OW terms in all.
  const dW = new Float64Array(kH * kW * inC * outC);
  const strides = [sW * inC * 4, sH * inW * inC * 4, outC * 4, outW * outC * 4] as const;
  for (let kh = 0; kh < kH; kh++) {
    const [oh0, oh1] = validRange(inH, outH, sH, kh, padTop);
    for (let kw = 0; kw < kW; kw++) {
      const [ow0, ow1] = validRange(inW, outW, sW, kw, padLeft);
      if (oh1 === oh0 || ow1 === ow0) continue;
      const ih0 = oh0 * sH + kh - padTop;
      const iw0 = ow0 * sW + kw - padLeft;
      for (let ci0 = 0; ci0 < inC; ci0 += 3) {
        const group = Math.min(3, inC - ci0);
        for (let co0 = 0; co0 < outC; co0 += DW_TILE_CO) {
          for (let b = 0; b < batch; b++) {
            accView.fill(0);
            const xStart = xAddr + (((b * inH + ih0) * inW + iw0) * inC + ci0) * 4;
            const dyStart = dyAddr + (((b * outH + oh0) * outW + ow0) * outC + co0) * 4;
            tiles[group - 1](xStart, dyStart, accAddr, oh1 - oh0, ow1 - ow0, ...strides);
            const base = ((kh * kW + kw) * inC + ci0) * outC + co0;
            for (let ci = 0; ci < group; ci++) {
              for (let co = 0; co < DW_TILE_CO; co++) dW[base + ci * outC + co] += accView[ci * DW_TILE_CO + co];
            }
          }
        }
      }
    }
  }
  heapF32(backend, out).set(dW);
  release(backend, acc);
  return out;
}
