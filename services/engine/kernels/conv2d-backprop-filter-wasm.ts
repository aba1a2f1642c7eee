/**
 * Conv2DBackpropFilter for the wasm backend, which ships none (training any conv net throws without it).
 *
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·sH+kh−top, ow·sW+kw−left, ci] · dy[n,oh,ow,co] is itself a forward
 * convolution once the batch becomes the channel axis: input x as [Ci,H,W,N], filter dy as [OH,OW,N,Co] dilated by
 * the stride, stride 1. That runs on XNNPACK's conv (the stock Conv2D kernel) instead of a scalar loop.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry } from './conv-geometry';
import { conv2dWasm, release, sliceWasm, transposeWasm } from './wasm-ops';

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
