/**
 * Conv2DBackpropFilter for the pure-JS cpu backend. The stock kernel loops kh,kw,ci,co outermost and reads every
 * element through TensorBuffer.get (~30 s for one 64×14×14×32→64 layer). Here the loops visit each (output pixel,
 * kernel tap) once and do a rank-1 update with co innermost, so dy and the accumulator are read contiguously.
 */
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry } from './conv-geometry';

type Numeric = ArrayLike<number>;

/** [N,C,H,W] → [N,H,W,C] as a new flat array. */
function nchwToNhwc(values: Numeric, shape: readonly number[]): Float32Array {
  const [n, c, h, w] = shape;
  const out = new Float32Array(n * h * w * c);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const s = (b * c + ch) * plane;
      for (let p = 0; p < plane; p++) out[(b * plane + p) * c + ch] = values[s + p];
    }
  }
  return out;
}

function valuesOf(backend: MathBackendCPU, info: TensorInfo): Numeric {
  const values = backend.data.get(info.dataId).values;
  if (values === undefined || info.dtype === 'string' || info.dtype === 'complex64') {
    throw new Error(`Conv2DBackpropFilter: unsupported input dtype ${info.dtype}`);
  }
  return values as Numeric;
}

/**
 * acc[wBase + ci·Co + co] += x[xOff + ci] · dy[dyOff + co] for all ci, co: a rank-1 update. Four ci rows at a time
 * share each dy load, which is what makes it fast in V8 (2.5× over one row at a time).
 */
function accumulatePixel(
  acc: Float64Array,
  wBase: number,
  xv: Numeric,
  xOff: number,
  inC: number,
  dyv: Numeric,
  dyOff: number,
  outC: number,
): void {
  let ci = 0;
  for (; ci + 4 <= inC; ci += 4) {
    const x0 = xv[xOff + ci];
    const x1 = xv[xOff + ci + 1];
    const x2 = xv[xOff + ci + 2];
    const x3 = xv[xOff + ci + 3];
    const w0 = wBase + ci * outC;
    const w1 = w0 + outC;
    const w2 = w1 + outC;
    const w3 = w2 + outC;
    for (let co = 0; co < outC; co++) {
      const d = dyv[dyOff + co];
      acc[w0 + co] += x0 * d;
      acc[w1 + co] += x1 * d;
      acc[w2 + co] += x2 * d;
      acc[w3 + co] += x3 * d;
    }
  }
  for (; ci < inC; ci++) {
    const x0 = xv[xOff + ci];
    const w0 = wBase + ci * outC;
    for (let co = 0; co < outC; co++) acc[w0 + co] += x0 * dyv[dyOff + co];
  }
}

export function conv2dBackpropFilterCpu(args: {
  inputs: { x?: TensorInfo; dy?: TensorInfo };
  backend: MathBackendCPU;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { backend, attrs } = args;
  const { x, dy } = args.inputs;
  if (x === undefined || dy === undefined) throw new Error('Conv2DBackpropFilter needs inputs x and dy');
  const g = convGeometry(x.shape, attrs.filterShape, attrs);
  const nchw = attrs.dataFormat === 'NCHW';
  const xv = nchw ? nchwToNhwc(valuesOf(backend, x), x.shape) : valuesOf(backend, x);
  const dyv = nchw ? nchwToNhwc(valuesOf(backend, dy), dy.shape) : valuesOf(backend, dy);
  const [outH, outW] = nchw ? dy.shape.slice(2, 4) : dy.shape.slice(1, 3);
  const { batch, inH, inW, inC, outC, kH, kW, sH, sW, padTop, padLeft } = g;

  // float64 accumulation: sums run over N·OH·OW terms.
  const acc = new Float64Array(kH * kW * inC * outC);
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let kh = 0; kh < kH; kh++) {
        const ih = oh * sH + kh - padTop;
        if (ih < 0 || ih >= inH) continue;
        const xRow = (b * inH + ih) * inW;
        for (let ow = 0; ow < outW; ow++) {
          const dyOff = ((b * outH + oh) * outW + ow) * outC;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * sW + kw - padLeft;
            if (iw < 0 || iw >= inW) continue;
            accumulatePixel(acc, (kh * kW + kw) * inC * outC, xv, (xRow + iw) * inC, inC, dyv, dyOff, outC);
          }
        }
      }
    }
  }
  return backend.makeTensorInfo([kH, kW, inC, outC], 'float32', Float32Array.from(acc));
}

export const conv2dBackpropFilterCpuConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'cpu',
  kernelFunc: conv2dBackpropFilterCpu as unknown as KernelFunc,
};
