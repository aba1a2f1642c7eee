import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * `LeakyReluGrad(dy, x; alpha)` = dy where x > 0, alpha·dy elsewhere: the gradient of ProxyGrad's rectifier at its
 * backward slope. libtensorflow has it as one op; tfjs-node has no kernel for it, and its `Step` kernel (the
 * portable path, dy·step(x, alpha)) is six full-size ops (isNaN, greater, ones, fill, where, select). Measured on
 * the benchmark CNN (1 thread, batch 64): Step 16 ms of a 49 ms training step.
 */
export const LEAKY_RELU_GRAD = 'LeakyReluGrad';

/** The parts of tfjs-node's NodeJSKernelBackend this kernel uses. */
interface NodeBackend {
  binding: { TF_ATTR_FLOAT: number; TF_ATTR_TYPE: number; TF_FLOAT: number };
  executeSingleOutput(
    name: string,
    attrs: { name: string; type: number; value: unknown }[],
    inputs: TensorInfo[],
  ): TensorInfo;
}

const leakyReluGrad: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  if (dy.dtype !== 'float32' || x.dtype !== 'float32') throw new TypeError(`${LEAKY_RELU_GRAD} takes float32 tensors`);
  const b = backend as unknown as NodeBackend;
  return b.executeSingleOutput(
    LEAKY_RELU_GRAD,
    [
      { name: 'alpha', type: b.binding.TF_ATTR_FLOAT, value: (attrs as { alpha: number }).alpha },
      { name: 'T', type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT },
    ],
    [dy, x],
  );
};

export const leakyReluGradTensorflowConfig: KernelConfig = {
  kernelName: LEAKY_RELU_GRAD,
  backendName: 'tensorflow',
  kernelFunc: leakyReluGrad,
};
