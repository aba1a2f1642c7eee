/**
 * im2col and its adjoint for NHWC convs, as JS loops over flat arrays (wasm heap views). A conv whose input has few
 * channels is a poor fit for XNNPACK's conv (tiny inner dimension, or 1–3 output channels in the backward passes);
 * unfolding it into a matrix with one row per output pixel and one column per (kh, kw, ci) tap turns both gradients
 * into well-shaped matrix products.
 */
import type { ConvGeometry } from './conv-geometry';
import type { SimdKernels } from './simd-wasm';

/** Columns of the unfolded matrix: KH·KW·Ci, ordered (kh, kw, ci) like an HWIO filter's first three axes. */
export const tapCount = (g: ConvGeometry): number => g.kH * g.kW * g.inC;

/** Rows of the unfolded matrix: one per output pixel, N·OH·OW. */
export const pixelCount = (g: ConvGeometry): number => g.batch * g.outH * g.outW;

/** col[p, (kh,kw,ci)] = x[n, oh·sH+kh−top, ow·sW+kw−left, ci], 0 where that falls in the padding. Writes all of col. */
export function im2col(g: ConvGeometry, x: Float32Array, col: Float32Array): void {
  const { batch, inH, inW, inC, outH, outW, kH, kW, sH, sW, padTop, padLeft } = g;
  let d = 0;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * sH + kh - padTop;
          const rowInside = ih >= 0 && ih < inH;
          const rowBase = (b * inH + ih) * inW;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * sW + kw - padLeft;
            if (rowInside && iw >= 0 && iw < inW) {
              const s = (rowBase + iw) * inC;
              for (let ci = 0; ci < inC; ci++) col[d++] = x[s + ci];
            } else {
              for (let ci = 0; ci < inC; ci++) col[d++] = 0;
            }
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: dx[n, ih, iw, ci] = Σ of z over the (pixel, tap) pairs that read it. Writes all of dx. */
export function col2im(g: ConvGeometry, z: Float32Array, dx: Float32Array): void {
  const { batch, inH, inW, inC, outH, outW, kH, kW, sH, sW, padTop, padLeft } = g;
  dx.fill(0);
  let s = 0;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * sH + kh - padTop;
          if (ih < 0 || ih >= inH) {
            s += kW * inC;
            continue;
          }
          const rowBase = (b * inH + ih) * inW;
          for (let kw = 0; kw < kW; kw++, s += inC) {
            const iw = ow * sW + kw - padLeft;
            if (iw < 0 || iw >= inW) continue;
            const d = (rowBase + iw) * inC;
            for (let ci = 0; ci < inC; ci++) dx[d + ci] += z[s + ci];
          }
        }
      }
    }
  }
}

/** [first, end) of the outputs o with 0 ≤ o·stride + k − pad < size, clipped to [0, outSize). */
export function validRange(size: number, outSize: number, stride: number, k: number, pad: number): [number, number] {
  const first = Math.max(0, Math.ceil((pad - k) / stride));
  const end = Math.min(outSize, Math.floor((size - 1 + pad - k) / stride) + 1);
  return [first, Math.max(first, end)];
}

/**
 * col2im with the module's scatterAdd: per (tap, image), the pixels whose input is inside the image form a rectangle,
 * walked with plain strides. `z` and `dx` are byte addresses; dx must be zero-filled.
 */
export function col2imSimd(simd: SimdKernels, g: ConvGeometry, z: number, dx: number): void {
  const { batch, inH, inW, inC, outH, outW, kH, kW, sH, sW, padTop, padLeft } = g;
  const taps = tapCount(g);
  for (let kh = 0; kh < kH; kh++) {
    const [oh0, oh1] = validRange(inH, outH, sH, kh, padTop);
    for (let kw = 0; kw < kW; kw++) {
      const [ow0, ow1] = validRange(inW, outW, sW, kw, padLeft);
      if (oh1 === oh0 || ow1 === ow0) continue;
      const ih0 = oh0 * sH + kh - padTop;
      const iw0 = ow0 * sW + kw - padLeft;
      const tap = (kh * kW + kw) * inC;
      for (let b = 0; b < batch; b++) {
        const dst = dx + ((b * inH + ih0) * inW + iw0) * inC * 4;
        const src = z + (((b * outH + oh0) * outW + ow0) * taps + tap) * 4;
        const strides = [sW * inC * 4, sH * inW * inC * 4, taps * 4, outW * taps * 4] as const;
        simd.scatterAdd(dst, src, oh1 - oh0, ow1 - ow0, inC, ...strides);
      }
    }
  }
}
