import { tf } from '../tf';
import { rectifier, resolveSlopes } from '../activation';
import type { ProxySlopes } from '../proxy-leaky-relu';
import { SeededInit, conv, logits, type ModelOptions } from './common';

export interface ResNetOptions {
  /** Basic blocks per stage (3 stages): 1 → ResNet-8, 3 → ResNet-20. Default 1. */
  blocksPerStage?: number;
  /** Filters of the first stage, doubled in each later stage. Default 16. */
  width?: number;
  /** Batch normalization after every convolution. Default true. */
  batchNorm?: boolean;
}

type SymbolicTensor = ReturnType<typeof tf.input>;

/**
 * A small CIFAR-style ResNet (He et al. 2016): stem conv, three stages of basic blocks (two 3×3 convs and an
 * identity or 1×1 projection shortcut; stride 2 entering stages 2 and 3), global average pool, logits.
 */
export function buildResNet(opts: ModelOptions & ResNetOptions): tf.LayersModel {
  const blocks = opts.blocksPerStage ?? 1;
  const width = opts.width ?? 16;
  if (!Number.isInteger(blocks) || blocks < 1)
    throw new RangeError(`resnet: blocksPerStage must be a positive integer, got ${blocks}`);
  if (!Number.isInteger(width) || width < 1)
    throw new RangeError(`resnet: width must be a positive integer, got ${width}`);
  const batchNorm = opts.batchNorm ?? true;
  const slopes = resolveSlopes(opts.activation);
  const init = new SeededInit(opts.seed);

  const input = tf.input({ shape: opts.inputShape, name: 'image' });
  let x = convBn(input, width, 1, 3, init, batchNorm, 'stem');
  x = rectifier(slopes, 'stem_act').apply(x) as SymbolicTensor;
  for (let stage = 0; stage < 3; stage++) {
    for (let b = 0; b < blocks; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      x = basicBlock(x, width * 2 ** stage, stride, init, batchNorm, slopes, `s${stage + 1}b${b + 1}`);
    }
  }
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as SymbolicTensor;
  const out = logits(opts.classes, init).apply(x) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'resnet' });
}

function convBn(
  x: SymbolicTensor,
  filters: number,
  strides: number,
  k: number,
  init: SeededInit,
  bn: boolean,
  name: string,
): SymbolicTensor {
  let y = conv(filters, k, init, { strides, useBias: !bn, name: `${name}_conv` }).apply(x) as SymbolicTensor;
  if (bn) y = tf.layers.batchNormalization({ name: `${name}_bn` }).apply(y) as SymbolicTensor;
  return y;
}

function basicBlock(
  x: SymbolicTensor,
  filters: number,
  stride: number,
  init: SeededInit,
  bn: boolean,
  slopes: ProxySlopes,
  name: string,
): SymbolicTensor {
  let y = convBn(x, filters, stride, 3, init, bn, `${name}_a`);
  y = rectifier(slopes, `${name}_a_act`).apply(y) as SymbolicTensor;
  y = convBn(y, filters, 1, 3, init, bn, `${name}_b`);
  const inChannels = x.shape[x.shape.length - 1];
  const shortcut = stride !== 1 || inChannels !== filters ? convBn(x, filters, stride, 1, init, bn, `${name}_proj`) : x;
  const sum = tf.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as SymbolicTensor;
  return rectifier(slopes, `${name}_out_act`).apply(sum) as SymbolicTensor;
}
