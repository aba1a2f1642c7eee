import { tf } from '../tf';
import { deriveSeed } from '../rng';
import type { ActivationConfig } from '../activation';

/** What every architecture needs; `seed` makes the initial weights reproducible. */
export interface ModelOptions {
  inputShape: [number, number, number];
  classes: number;
  activation: ActivationConfig;
  seed: number;
}

/** Hands out seeded initializers, one independent stream per layer, so the same seed gives the same weights. */
export class SeededInit {
  private next = 0;
  constructor(private readonly seed: number) {}

  /** He-normal for layers followed by a rectifier. */
  he() {
    return tf.initializers.heNormal({ seed: deriveSeed(this.seed, `layer${this.next++}`) });
  }

  /** Glorot-uniform for the logits layer. */
  glorot() {
    return tf.initializers.glorotUniform({ seed: deriveSeed(this.seed, `layer${this.next++}`) });
  }
}

export function conv(
  filters: number,
  kernelSize: number,
  init: SeededInit,
  opts: { strides?: number; useBias?: boolean; name?: string } = {},
) {
  return tf.layers.conv2d({
    filters,
    kernelSize,
    strides: opts.strides ?? 1,
    padding: 'same',
    useBias: opts.useBias ?? true,
    kernelInitializer: init.he(),
    name: opts.name,
  });
}

export function logits(classes: number, init: SeededInit) {
  return tf.layers.dense({ units: classes, kernelInitializer: init.glorot(), name: 'logits' });
}
