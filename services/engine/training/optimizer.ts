import { tf } from '../tf';

export type OptimizerName = 'adam' | 'sgd';

export interface OptimizerOptions {
  optimizer: OptimizerName;
  learningRate: number;
  /** SGD momentum (0 for plain SGD). Default 0.9. */
  momentum?: number;
}

/** Creates the optimizer; `setLearningRate` adapts to each tfjs optimizer's way of changing it. */
export function createOptimizer(opts: OptimizerOptions): {
  optimizer: tf.Optimizer;
  setLearningRate(lr: number): void;
} {
  if (opts.optimizer === 'adam') {
    const optimizer = tf.train.adam(opts.learningRate);
    // AdamOptimizer reads `learningRate` on every step.
    return {
      optimizer,
      setLearningRate: (lr) => ((optimizer as unknown as { learningRate: number }).learningRate = lr),
    };
  }
  if (opts.optimizer === 'sgd') {
    const momentum = opts.momentum ?? 0.9;
    const optimizer = momentum > 0 ? tf.train.momentum(opts.learningRate, momentum) : tf.train.sgd(opts.learningRate);
    return { optimizer, setLearningRate: (lr) => optimizer.setLearningRate(lr) };
  }
  throw new RangeError(`optimizer must be "adam" or "sgd", got "${String(opts.optimizer)}"`);
}

export type LrSchedule = 'constant' | 'cosine';

/** Learning rate at `step` of `totalSteps` (0-based): constant, or cosine-annealed to 0. */
export function scheduledLearningRate(base: number, schedule: LrSchedule, step: number, totalSteps: number): number {
  if (schedule === 'constant' || totalSteps <= 1) return base;
  return 0.5 * base * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps));
}
