import { tf, type Tensor } from '../tf';
import { CancelledError } from '../../errors';
import { Rng, deriveSeed } from '../rng';
import type { Dataset } from '../datasets/types';
import { assembleBatch, type AugmentOptions } from './batches';
import { createOptimizer, scheduledLearningRate, type LrSchedule, type OptimizerName } from './optimizer';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  fromNamedArray,
  restoreWeights,
  toNamedArray,
  type TrainingState,
} from './checkpoint';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: OptimizerName;
  seed: number;
  /** SGD momentum; default 0.9 (0 = plain SGD). Ignored by Adam. */
  momentum?: number;
  /** Learning-rate schedule over all steps of all epochs. Default 'constant'. */
  schedule?: LrSchedule;
  augment?: AugmentOptions;
  /** Batch size for test-set evaluation. Default 256. */
  evalBatchSize?: number;
  /**
   * Called after every training step (e.g. to heartbeat); `checkpoint()` serializes the state after this step,
   * from which a restore continues bit for bit (used for checkpoints on a time cadence inside long epochs).
   */
  onStep?: (step: StepInfo, ctx: { checkpoint: () => Promise<Buffer> }) => void | Promise<void>;
  /** Called after every epoch with its metrics; `checkpoint()` serializes the state reached so far. */
  onEpoch?: (metrics: EpochMetrics, ctx: { checkpoint: () => Promise<Buffer> }) => void | Promise<void>;
  /** Aborting stops training between steps with a CancelledError (after `onCancel`). */
  signal?: AbortSignal;
  /** Called when `signal` stops training mid-epoch, to save a step-exact checkpoint before the error. */
  onCancel?: (ctx: { checkpoint: () => Promise<Buffer> }) => void | Promise<void>;
  /** Continue from a checkpoint made by this trainer (epochs already done are skipped). */
  resumeFrom?: Buffer;
}

export interface StepInfo {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  globalStep: number;
  loss: number;
}

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  imagesPerSec: number;
  learningRate: number;
}

export interface TrainResult {
  /** Metrics of the epochs run by this call (a resumed run omits the epochs before its checkpoint). */
  epochs: EpochMetrics[];
}

/**
 * Trains `model` in place on `dataset`: seeded shuffling and augmentation, per-step and per-epoch callbacks,
 * cancellation between steps, and checkpoints such that stop (at an epoch end or mid-epoch) + restore +
 * continue yields exactly the weights of an uninterrupted run on the same backend. Randomness is drawn from
 * streams derived from (seed, epoch) and (seed, epoch, step), so a restore needs no RNG state beyond the
 * position reached.
 */
export async function trainModel(model: tf.LayersModel, dataset: Dataset, opts: TrainOptions): Promise<TrainResult> {
  const trainer = new Trainer(model, dataset, opts);
  try {
    if (opts.resumeFrom) await trainer.restore(opts.resumeFrom);
    const epochs: EpochMetrics[] = [];
    while (trainer.epoch < opts.epochs) {
      let metrics: EpochMetrics;
      try {
        metrics = await trainer.runEpoch();
      } catch (err) {
        if (err instanceof CancelledError) await opts.onCancel?.({ checkpoint: () => trainer.checkpoint() });
        throw err;
      }
      epochs.push(metrics);
      await opts.onEpoch?.(metrics, { checkpoint: () => trainer.checkpoint() });
    }
    return { epochs };
  } finally {
    trainer.dispose();
  }
}

/** Validates numeric training options with messages naming the field. */
export function validateTrainOptions(opts: TrainOptions): void {
  const check = (ok: boolean, field: string, rule: string, value: unknown) => {
    if (!ok) throw new RangeError(`train.${field} must be ${rule}, got ${String(value)}`);
  };
  check(Number.isInteger(opts.epochs) && opts.epochs >= 1, 'epochs', 'a positive integer', opts.epochs);
  check(Number.isInteger(opts.batchSize) && opts.batchSize >= 1, 'batchSize', 'a positive integer', opts.batchSize);
  check(
    Number.isFinite(opts.learningRate) && opts.learningRate > 0,
    'learningRate',
    'a positive number',
    opts.learningRate,
  );
  check(Number.isInteger(opts.seed), 'seed', 'an integer', opts.seed);
}

/** Running sums of the epoch in progress, so a mid-epoch restore still reports whole-epoch metrics. */
export interface PartialEpoch {
  /** Steps of the current epoch already applied. */
  step: number;
  lossSum: number;
  correct: number;
  seconds: number;
  learningRate: number;
}

function emptyPartial(): PartialEpoch {
  return { step: 0, lossSum: 0, correct: 0, seconds: 0, learningRate: 0 };
}

class Trainer {
  /** Epochs completed. */
  epoch = 0;
  private globalStep = 0;
  /** Progress inside the epoch being run (non-zero only when a mid-epoch checkpoint was restored or taken). */
  private partial: PartialEpoch = emptyPartial();
  private readonly optimizer: tf.Optimizer;
  private readonly setLr: (lr: number) => void;
  private readonly trainX: Float32Array;
  private readonly trainY: Int32Array;
  private readonly testX: Float32Array;
  private readonly testY: Int32Array;
  private readonly stepsPerEpoch: number;
  private readonly vars: tf.Variable[];

  constructor(
    private readonly model: tf.LayersModel,
    private readonly dataset: Dataset,
    private readonly opts: TrainOptions,
  ) {
    validateTrainOptions(opts);
    ({ optimizer: this.optimizer, setLearningRate: this.setLr } = createOptimizer(opts));
    // Batches are assembled in JS (see assembleBatch) and evaluation slices contiguous ranges, from host arrays:
    // the dataset's own (shared by every cell of the process), else a copy read back from the tensors.
    const host = dataset.host;
    this.trainX = host?.train.x ?? (dataset.train.x.dataSync() as Float32Array);
    this.trainY = host?.train.y ?? Int32Array.from(dataset.train.y.dataSync());
    this.testX = host?.test.x ?? (dataset.test.x.dataSync() as Float32Array);
    this.testY = host?.test.y ?? Int32Array.from(dataset.test.y.dataSync());
    this.stepsPerEpoch = Math.ceil(this.trainY.length / opts.batchSize);
    // A fixed variable order keeps optimizer slots aligned with variables across checkpoint and restore.
    this.vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  async runEpoch(): Promise<EpochMetrics> {
    const { batchSize, signal } = this.opts;
    const [h, w, c] = this.dataset.inputShape;
    const size = h * w * c;
    const n = this.trainY.length;
    const totalSteps = this.stepsPerEpoch * this.opts.epochs;
    const epoch = this.epoch + 1;
    const perm = new Rng(deriveSeed(this.opts.seed, `shuffle/${epoch}`)).permutation(n);
    const bufX = new Float32Array(batchSize * size);
    const bufY = new Int32Array(batchSize);
    const p = this.partial;
    const t0 = performance.now();
    let lastYield = t0;
    for (let step = p.step; step < this.stepsPerEpoch; step++) {
      if (signal?.aborted) {
        p.seconds += (performance.now() - t0) / 1000;
        throw new CancelledError(`training cancelled in epoch ${epoch} at step ${step}`);
      }
      const idx = perm.subarray(step * batchSize, Math.min(n, (step + 1) * batchSize));
      const bx = idx.length === batchSize ? bufX : bufX.subarray(0, idx.length * size);
      const by = idx.length === batchSize ? bufY : bufY.subarray(0, idx.length);
      const augRng = new Rng(deriveSeed(this.opts.seed, `augment/${epoch}/${step}`));
      assembleBatch(this.trainX, this.trainY, idx, [h, w, c], this.opts.augment ?? {}, augRng, bx, by);
      p.learningRate = scheduledLearningRate(
        this.opts.learningRate,
        this.opts.schedule ?? 'constant',
        this.globalStep,
        totalSteps,
      );
      this.setLr(p.learningRate);
      const [loss, hits] = this.trainStep(bx, by);
      p.lossSum += loss * idx.length;
      p.correct += hits;
      p.step = step + 1;
      this.globalStep++;
      await this.opts.onStep?.(
        { epoch, step: step + 1, stepsPerEpoch: this.stepsPerEpoch, globalStep: this.globalStep, loss },
        { checkpoint: () => this.checkpoint() },
      );
      // Compute is synchronous on cpu/wasm: give timers, heartbeats and abort events a turn regularly.
      if (performance.now() - lastYield > 50) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    const seconds = p.seconds + (performance.now() - t0) / 1000;
    const test = this.evaluate();
    this.epoch = epoch;
    this.partial = emptyPartial();
    return {
      epoch,
      trainLoss: p.lossSum / n,
      trainAccuracy: p.correct / n,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      imagesPerSec: n / seconds,
      learningRate: p.learningRate,
    };
  }

  /** One optimizer step; returns [mean loss, correct predictions]. */
  private trainStep(bx: Float32Array, by: Int32Array): [number, number] {
    const [h, w, c] = this.dataset.inputShape;
    return tf.tidy(() => {
      const x = tf.tensor4d(bx, [by.length, h, w, c]);
      const y = tf.tensor1d(by, 'int32');
      const labels = tf.oneHot(y, this.dataset.classes);
      let hits: Tensor | undefined;
      const loss = this.optimizer.minimize(
        () => {
          const logits = this.model.apply(x, { training: true }) as Tensor;
          hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), 'int32')));
          return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
        },
        true,
        this.vars,
      ) as tf.Scalar;
      const result: [number, number] = [loss.dataSync()[0], hits!.dataSync()[0]];
      hits!.dispose();
      return result;
    });
  }

  /** Mean loss and accuracy on the test split, in inference mode. */
  evaluate(): { loss: number; accuracy: number } {
    const [h, w, c] = this.dataset.inputShape;
    const size = h * w * c;
    const n = this.testY.length;
    if (n === 0) return { loss: NaN, accuracy: NaN };
    const bs = this.opts.evalBatchSize ?? 256;
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < n; start += bs) {
      const end = Math.min(n, start + bs);
      const [l, hits] = tf.tidy(() => {
        const x = tf.tensor4d(this.testX.subarray(start * size, end * size), [end - start, h, w, c]);
        const y = tf.tensor1d(this.testY.subarray(start, end), 'int32');
        const logits = this.model.apply(x, { training: false }) as Tensor;
        const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(y, this.dataset.classes), logits);
        const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), 'int32'));
        return [loss.dataSync()[0], hits.dataSync()[0]];
      });
      lossSum += l * (end - start);
      correct += hits;
    }
    return { loss: lossSum / n, accuracy: correct / n };
  }

  async checkpoint(): Promise<Buffer> {
    const weights = this.model.weights.map((w) => toNamedArray(w.originalName, w.read()));
    const optimizerWeights = (await this.optimizer.getWeights()).map((nt) => toNamedArray(nt.name, nt.tensor));
    const state: TrainingState = {
      epoch: this.epoch,
      globalStep: this.globalStep,
      partial: { ...this.partial },
      optimizer: this.opts.optimizer,
      weights,
      optimizerWeights,
    };
    return encodeCheckpoint(state);
  }

  async restore(buf: Buffer): Promise<void> {
    const state = decodeCheckpoint(buf);
    if (state.optimizer !== this.opts.optimizer) {
      throw new RangeError(`checkpoint was made with optimizer "${state.optimizer}", not "${this.opts.optimizer}"`);
    }
    restoreWeights(this.model, state);
    if (state.optimizerWeights.length) {
      const slots = state.optimizerWeights.map((a) => ({ name: a.name, tensor: fromNamedArray(a) }));
      await this.optimizer.setWeights(slots);
      tf.dispose(slots.map((s) => s.tensor)); // the optimizer's variables hold their own references
    }
    this.epoch = state.epoch;
    this.globalStep = state.globalStep;
    this.partial = { ...state.partial };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
