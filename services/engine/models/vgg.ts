import { tf } from '../tf';
import { rectifier, resolveSlopes } from '../activation';
import { SeededInit, conv, logits, type ModelOptions } from './common';

export interface VggOptions {
  /** Number of stages; each ends in a 2×2 max-pool while the image is at least 2 pixels wide. Default 3. */
  depth?: number;
  /** 3×3 convolutions per stage. Default 2. */
  convsPerStage?: number;
  /** Filters in the first stage, doubled every stage. Default 32. */
  width?: number;
  /** Batch normalization after every convolution. Default true. */
  batchNorm?: boolean;
  /** Width of a hidden dense layer before the logits; 0 for none. Default 0. */
  hidden?: number;
}

/** A configurable VGG-style CNN (stacks of 3×3 conv + rectifier, max-pool between stages). Outputs logits. */
export function buildVgg(opts: ModelOptions & VggOptions): tf.LayersModel {
  const depth = positiveInt(opts.depth ?? 3, 'depth');
  const convsPerStage = positiveInt(opts.convsPerStage ?? 2, 'convsPerStage');
  const width = positiveInt(opts.width ?? 32, 'width');
  const batchNorm = opts.batchNorm ?? true;
  const hidden = opts.hidden ?? 0;
  const slopes = resolveSlopes(opts.activation);
  const init = new SeededInit(opts.seed);

  const model = tf.sequential({ name: 'vgg' });
  model.add(tf.layers.inputLayer({ inputShape: opts.inputShape }));
  let size = Math.min(opts.inputShape[0], opts.inputShape[1]);
  for (let stage = 0; stage < depth; stage++) {
    const filters = width * 2 ** stage;
    for (let i = 0; i < convsPerStage; i++) {
      const name = `s${stage + 1}c${i + 1}`;
      model.add(conv(filters, 3, init, { useBias: !batchNorm, name: `${name}_conv` }));
      if (batchNorm) model.add(tf.layers.batchNormalization({ name: `${name}_bn` }));
      model.add(rectifier(slopes, `${name}_act`));
    }
    if (size >= 2) {
      model.add(tf.layers.maxPooling2d({ poolSize: 2, name: `s${stage + 1}_pool` }));
      size = Math.floor(size / 2);
    }
  }
  model.add(tf.layers.flatten({ name: 'flatten' }));
  if (hidden > 0) {
    model.add(tf.layers.dense({ units: hidden, kernelInitializer: init.he(), name: 'hidden' }));
    model.add(rectifier(slopes, 'hidden_act'));
  }
  model.add(logits(opts.classes, init));
  return model;
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`vgg: ${name} must be a positive integer, got ${v}`);
  return v;
}
