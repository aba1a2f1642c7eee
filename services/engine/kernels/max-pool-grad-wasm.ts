/**
 * MaxPoolGrad for the wasm backend, in JS on heap views. The stock C++ kernel walks every window once per channel
 * with NHWC strides (~30 ms for one 64×28×28×32 pool layer); here channels are innermost, so each window row is read
 * contiguously. For 2×2 stride-2 windows (every pool layer of our models) a SIMD loop does the work when channels are
 * a multiple of 4: ~1 ms, vs ~7 ms for the JS loop and ~30 ms for the stock kernel.
 *
 * Semantics are the cpu backend's: in each window the first strictly greatest value (rows, then columns) gets the
 * gradient; NaN and −∞ never win, and a window with no winner passes nothing. The stock wasm kernel differs (last
 * maximum wins, and values ≤ FLT_MIN never win, so all-zero windows after a ReLU drop their gradient).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf';
import { heapAddress, simdKernels, type SimdKernels } from './simd-wasm';

type MaxPoolGradArgs = {
  inputs: { dy?: TensorInfo; input?: TensorInfo; output?: TensorInfo };
  backend: BackendWasm;
  attrs: MaxPoolGradAttrs;
};

interface PoolGeometry {
  batch: number;
  inH: number;
  inW: number;
  c: number;
  outH: number;
  outW: number;
  fH: number;
  fW: number;
  sH: number;
  sW: number;
  padTop: number;
  padLeft: number;
}

function poolGeometry(xShape: readonly number[], attrs: MaxPoolGradAttrs): PoolGeometry {
  const info = tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    c: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    fH: info.filterHeight,
    fW: info.filterWidth,
    sH: info.strideHeight,
    sW: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** 2×2 windows at stride 2 with no padding: each input pixel is in at most one window, so four reads, one write. */
function pool2x2(g: PoolGeometry, x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  const { batch, inH, inW, c, outH, outW } = g;
  const rowStride = inW * c;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      let top = (b * inH + 2 * oh) * inW * c;
      let o = (b * outH + oh) * outW * c;
      for (let ow = 0; ow < outW; ow++, top += 2 * c, o += c) {
        for (let ch = 0; ch < c; ch++) {
          // Candidates in scan order; strict > keeps the first of equal values and never picks NaN or −∞.
          const p0 = top + ch;
          const p2 = p0 + rowStride;
          let pos = -1;
          let best = -Infinity;
          if (x[p0] > best) {
            best = x[p0];
            pos = p0;
          }
          if (x[p0 + c] > best) {
            best = x[p0 + c];
            pos = p0 + c;
          }
          if (x[p2] > best) {
            best = x[p2];
            pos = p2;
          }
          if (x[p2 + c] > best) pos = p2 + c;
          if (pos >= 0) dx[pos] = dy[o + ch];
        }
      }
    }
  }
}

/** The 2×2 case on the SIMD module, one output row per call; dx must be zero where no window reaches. */
function pool2x2Simd(simd: SimdKernels, g: PoolGeometry, x: number, dy: number, dx: number): void {
  const { batch, inH, inW, c, outH, outW } = g;
  const rowBytes = inW * c * 4;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      const top = (b * inH + 2 * oh) * rowBytes;
      const dyRow = dy + (b * outH + oh) * outW * c * 4;
      simd.pool2x2(x + top, x + top + rowBytes, dyRow, dx + top, dx + top + rowBytes, outW, c);
    }
  }
}

/** Any window size, stride and padding: per window, a running argmax per channel, then a scatter-add into dx. */
function poolGeneral(g: PoolGeometry, x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  const { batch, inH, inW, c, outH, outW, fH, fW, sH, sW, padTop, padLeft } = g;
  const best = new Float32Array(c);
  const pos = new Int32Array(c);
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      const r0 = oh * sH - padTop;
      const rMin = Math.max(0, r0);
      const rMax = Math.min(inH, r0 + fH);
      for (let ow = 0; ow < outW; ow++) {
        const c0 = ow * sW - padLeft;
        const cMin = Math.max(0, c0);
        const cMax = Math.min(inW, c0 + fW);
        best.fill(-Infinity);
        pos.fill(-1);
        for (let r = rMin; r < rMax; r++) {
          for (let q = cMin; q < cMax; q++) {
            const base = ((b * inH + r) * inW + q) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[base + ch];
              if (v > best[ch]) {
                best[ch] = v;
                pos[ch] = base + ch;
              }
            }
          }
        }
        const o = ((b * outH + oh) * outW + ow) * c;
        for (let ch = 0; ch < c; ch++) if (pos[ch] >= 0) dx[pos[ch]] += dy[o + ch];
      }
    }
  }
}

/** Wraps the stock kernel (captured at registration), which still serves non-float32 inputs. */
export function makeMaxPoolGradWasmConfig(stock: KernelConfig): KernelConfig {
  const stockFunc = stock.kernelFunc as unknown as (args: MaxPoolGradArgs) => TensorInfo;
  const kernelFunc = (args: MaxPoolGradArgs): TensorInfo => {
    const { backend, attrs } = args;
    const { dy, input } = args.inputs;
    if (dy === undefined || input === undefined) throw new Error('MaxPoolGrad needs inputs dy and input');
    if (dy.dtype !== 'float32' || input.dtype !== 'float32') return stockFunc(args);
    const g = poolGeometry(input.shape, attrs);
    const dx = backend.makeOutput(input.shape, 'float32');
    // Views only after the allocation: growing the heap detaches earlier ones.
    const out = backend.typedArrayFromHeap(dx) as Float32Array;
    const xv = backend.typedArrayFromHeap(input) as Float32Array;
    const dyv = backend.typedArrayFromHeap(dy) as Float32Array;
    const tiles = g.fH === 2 && g.fW === 2 && g.sH === 2 && g.sW === 2 && g.padTop === 0 && g.padLeft === 0;
    const simd = tiles && g.c % 4 === 0 ? simdKernels(backend) : null;
    // The SIMD loop writes every pixel of its windows; only a 'valid' remainder row/column needs zeros first.
    if (simd === null || g.outH * 2 !== g.inH || g.outW * 2 !== g.inW) out.fill(0);
    if (tiles && g.outH * 2 <= g.inH && g.outW * 2 <= g.inW) {
      if (simd !== null) {
        pool2x2Simd(
          simd,
          g,
          heapAddress(backend, input.dataId),
          heapAddress(backend, dy.dataId),
          heapAddress(backend, dx.dataId),
        );
      } else {
        pool2x2(g, xv, dyv, out);
      }
    } else {
      poolGeneral(g, xv, dyv, out);
    }
    return dx;
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as KernelFunc };
}
