import { tf } from '../tf';
import { rectifier, resolveSlopes } from '../activation';
import { SeededInit, conv, logits, type ModelOptions } from './common';

/**
 * The benchmark CNN, layer for layer the network of shared/bench/torch_reference.py:
 * conv3x3(32, same) → act → maxpool2 → conv3x3(64, same) → act → maxpool2 → dense(classes). Outputs logits.
 */
export function buildSmallCnn(opts: ModelOptions): tf.LayersModel {
  const slopes = resolveSlopes(opts.activation);
  const init = new SeededInit(opts.seed);
  const model = tf.sequential({ name: 'small_cnn' });
  model.add(tf.layers.inputLayer({ inputShape: opts.inputShape }));
  model.add(conv(32, 3, init, { name: 'conv1' }));
  model.add(rectifier(slopes, 'act1'));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }));
  model.add(conv(64, 3, init, { name: 'conv2' }));
  model.add(rectifier(slopes, 'act2'));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(logits(opts.classes, init));
  return model;
}
