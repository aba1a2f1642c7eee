import type { KernelConfig, KernelFunc, MaxPoolGradAttrs, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf';

/**
 * MaxPoolGrad for the native backend on oneDNN. libtensorflow's eager runtime sends convolutions to oneDNN
 * (`_MklNative*` kernels) but not pooling: its own MaxPoolGrad is a scalar loop, 8.9 ms of a 40 ms training step
 * for one 64×28×28×32 pool layer (1 thread). oneDNN's pooling, forward with its workspace (the argmax) and then
 * backward, takes 0.9 ms and gives the same values bit for bit, ties included (first maximum wins, as in
 * libtensorflow and tfjs' cpu backend), for windows that do not overlap (all our models: 2×2, stride 2). Those kernels carry the label `MklNameChangeOp` that TensorFlow's own
 * rewrite gives them; we call them by that label. Used only where a one-time probe in this process shows them
 * present and equal to the stock kernel (x86 wheels with oneDNN on, not a GPU device); else the stock kernel runs.
 */

/** The parts of tfjs-node's NodeJSKernelBackend used here. */
interface NodeBackend {
  isUsingGpuDevice?: boolean;
  binding: Record<'TF_ATTR_INT' | 'TF_ATTR_STRING' | 'TF_ATTR_BOOL' | 'TF_ATTR_TYPE' | 'TF_FLOAT', number>;
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: TensorInfo[]): TensorInfo;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: TensorInfo[], numOutputs: number): TensorInfo[];
  disposeData(dataId: object): boolean;
}
type OpAttr = { name: string; type: number; value: unknown };

function poolAttrs(b: NodeBackend, input: TensorInfo, attrs: MaxPoolGradAttrs): OpAttr[] | undefined {
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const padding = info.padInfo.type;
  if ((padding !== 'VALID' && padding !== 'SAME') || input.dtype !== 'float32') return undefined;
  // Overlapping windows add several gradients into one input, in another order than libtensorflow (round-off).
  if (info.filterHeight > info.strideHeight || info.filterWidth > info.strideWidth) return undefined;
  return [
    { name: 'T', type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT },
    { name: 'ksize', type: b.binding.TF_ATTR_INT, value: [1, info.filterHeight, info.filterWidth, 1] },
    { name: 'strides', type: b.binding.TF_ATTR_INT, value: [1, info.strideHeight, info.strideWidth, 1] },
    { name: 'padding', type: b.binding.TF_ATTR_STRING, value: padding },
    { name: 'data_format', type: b.binding.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'workspace_enabled', type: b.binding.TF_ATTR_BOOL, value: true },
    { name: '_kernel', type: b.binding.TF_ATTR_STRING, value: 'MklNameChangeOp' },
  ];
}

/** oneDNN forward (for its workspace) + backward. Throws where the kernels are missing. */
function oneDnnMaxPoolGrad(b: NodeBackend, dy: TensorInfo, input: TensorInfo, attrs: OpAttr[]): TensorInfo {
  const [output, workspace] = b.executeMultipleOutputs('_MklNativeMaxPool', attrs, [input], 2);
  try {
    return b.executeSingleOutput('_MklNativeMaxPoolGrad', attrs, [input, output, dy, workspace]);
  } finally {
    b.disposeData(output.dataId);
    b.disposeData(workspace.dataId);
  }
}

let probed: boolean | undefined;

const args = (b: NodeBackend) => b as unknown as Parameters<KernelFunc>[0]['backend'];

/**
 * Whether the oneDNN path is available and exact here: run once on a small input full of ties, with odd sizes
 * (2×2 and 3×3 windows, both paddings), against libtensorflow's own kernel.
 */
function oneDnnUsable(b: NodeBackend, stock: KernelFunc): boolean {
  if (probed !== undefined) return probed;
  probed = false;
  if (b.isUsingGpuDevice) return false; // the _MklNative kernels are CPU kernels
  try {
    let same = true;
    tf.tidy(() => {
      const x = tf.relu(
        tf.tensor4d([0, 1, 1, -1, 2, 2, 0, 0, 3, 1, 3, 0, 0, 2, 2, 1, 0, 0, 1, 1, 0, 2, 0, 2, 1], [1, 5, 5, 1]),
      );
      const x3 = tf.concat([x, x, tf.neg(x)], 3) as tf.Tensor4D;
      for (const [size, pad] of [
        [2, 'valid'],
        [2, 'same'],
        [3, 'same'],
      ] as const) {
        const attrs = { filterSize: size, strides: size, pad } as unknown as MaxPoolGradAttrs;
        const y = tf.maxPool(x3, size, size, pad);
        const dy = tf.randomUniform(y.shape, -1, 1, 'float32', 7);
        const want = stock({
          inputs: { dy, input: x3, output: y },
          attrs: attrs as unknown as NamedAttrMap,
          backend: args(b),
        }) as TensorInfo;
        const got = oneDnnMaxPoolGrad(b, dy, x3, poolAttrs(b, x3, attrs)!);
        const [w, g] = [want, got].map((t) => tf.engine().makeTensorFromTensorInfo(t).dataSync());
        same &&= w.length === g.length && w.every((v, i) => v === g[i]);
      }
    });
    probed = same;
  } catch {
    probed = false; // e.g. TF_ENABLE_ONEDNN_OPTS=0, or a build without oneDNN
  }
  return probed;
}

/** Whether MaxPoolGrad runs on oneDNN in this process (known after the first MaxPoolGrad, or the probe). */
export function maxPoolGradOnOneDnn(): boolean | undefined {
  return probed;
}

export function makeMaxPoolGradTensorflowConfig(stock: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const b = args.backend as unknown as NodeBackend;
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const attrs = poolAttrs(b, input, args.attrs as unknown as MaxPoolGradAttrs);
    if (!attrs || !oneDnnUsable(b, stock.kernelFunc)) return stock.kernelFunc(args);
    return oneDnnMaxPoolGrad(b, dy, input, attrs);
  };
  return { kernelName: 'MaxPoolGrad', backendName: 'tensorflow', kernelFunc };
}
