import { tf, type Tensor } from './tf';
import { Rng, deriveSeed } from './rng';
import { CancelledError } from '../errors';
import { getBackwardSlopes, restoreBackwardSlopes, setBackwardSlope } from './proxy-leaky-relu-layer';

export interface AmOptions {
  /** Index of the output unit (class logit) to maximize. */
  unit: number;
  /** Backward slope of every ProxyLeakyReLU during the ascent (the proxy); the model's own slopes are restored. */
  backwardSlope: number;
  steps: number;
  learningRate: number;
  seed: number;
  /** Start point: all zeros, seeded uniform noise over `range`, or an explicit image (H·W·C values). Default zeros. */
  init?: 'zeros' | 'uniform' | Float32Array;
  /** Box the input is kept in. Default [-1, 1]. */
  range?: [number, number];
}

export interface AmResult {
  /** Best TRUE forward activation reached (forward slopes, not the proxy). */
  value: number;
  /** True activation at each step's input (length steps + 1: the start, then after every update). */
  trace: number[];
  /** The input that reached `value`, H·W·C values. */
  input: Float32Array;
  /** [H, W, C]. */
  shape: number[];
}

export interface AmBatchOptions extends Omit<AmOptions, 'unit'> {
  /** Units to maximize, each in its own image of one batched optimization. */
  units: number[];
  /** Called after every ascent step (e.g. to heartbeat). */
  onStep?: (step: number) => void;
  /** Aborting stops the ascent between steps with a CancelledError (slopes are still restored). */
  signal?: AbortSignal;
}

/**
 * Activation maximization with ProxyGrad: gradient ascent on the input with Adam, using the gradient of the
 * proxy network (every rectifier's backward slope set to `backwardSlope`) while recording the true forward
 * activation. The input is clipped to `range` after every step. Leaves the model's slopes as it found them.
 */
export async function maximizeActivation(model: tf.LayersModel, opts: AmOptions): Promise<AmResult> {
  const [result] = await maximizeActivations(model, { ...opts, units: [opts.unit] });
  return result;
}

/**
 * Batched AM: one image per unit, optimized together (samples are independent in inference mode, so the
 * gradient of the summed objective w.r.t. image i is the gradient of unit i alone). Much faster than a loop.
 */
export async function maximizeActivations(model: tf.LayersModel, opts: AmBatchOptions): Promise<AmResult[]> {
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  if (inputShape.some((d) => d == null))
    throw new RangeError('maximizeActivation: the model needs a fully defined input shape');
  const outUnits = model.outputs[0].shape[model.outputs[0].shape.length - 1] as number;
  const [lo, hi] = opts.range ?? [-1, 1];
  const { units, steps, learningRate } = opts;
  if (!units.length) throw new RangeError('maximizeActivations: units must not be empty');
  for (const u of units) {
    if (!Number.isInteger(u) || u < 0 || u >= outUnits)
      throw new RangeError(`maximizeActivation: unit must be an integer in [0, ${outUnits}), got ${u}`);
  }
  if (!Number.isInteger(steps) || steps < 0)
    throw new RangeError(`maximizeActivation: steps must be a non-negative integer, got ${steps}`);
  if (!(learningRate > 0))
    throw new RangeError(`maximizeActivation: learningRate must be positive, got ${learningRate}`);
  if (!(hi > lo)) throw new RangeError(`maximizeActivation: range must be [lo, hi] with lo < hi, got [${lo}, ${hi}]`);

  const size = inputShape.reduce((a, b) => a * b, 1);
  const n = units.length;
  const start = initialInputs(opts.init ?? 'zeros', units, size, lo, hi, opts.seed);
  const savedSlopes = getBackwardSlopes(model);
  setBackwardSlope(model, opts.backwardSlope);
  const x = tf.variable(tf.tensor(start, [n, ...inputShape]), true, undefined, 'float32');
  const maskValues = new Float32Array(n * outUnits);
  units.forEach((u, i) => (maskValues[i * outUnits + u] = 1));
  const mask = tf.tensor2d(maskValues, [n, outUnits]);
  const optimizer = tf.train.adam(learningRate);
  const traces: number[][] = units.map(() => []);
  const best = units.map(() => ({ value: -Infinity, input: new Float32Array(size) }));
  const record = (values: Float32Array | Int32Array | Uint8Array, images: Float32Array) => {
    for (let i = 0; i < n; i++) {
      traces[i].push(values[i]);
      if (values[i] > best[i].value) {
        best[i].value = values[i];
        best[i].input = images.slice(i * size, (i + 1) * size);
      }
    }
  };
  try {
    for (let step = 0; step <= steps; step++) {
      if (opts.signal?.aborted) throw new CancelledError(`activation maximization cancelled at step ${step}`);
      const images = x.dataSync() as Float32Array;
      if (step === steps) {
        // Value of the final input: forward only.
        const values = tf.tidy(() => tf.sum(tf.mul(model.apply(x, { training: false }) as Tensor, mask), 1).dataSync());
        record(values as Float32Array, images);
        break;
      }
      let perUnit: Tensor | undefined;
      tf.tidy(() => {
        // Minimizing the negated objective = ascent. The forward value is the true network's (customGrad).
        optimizer.minimize(
          () => {
            const logits = model.apply(x, { training: false }) as Tensor;
            perUnit = tf.keep(tf.sum(tf.mul(logits, mask), 1));
            return tf.neg(tf.sum(perUnit)) as tf.Scalar;
          },
          false,
          [x],
        );
        x.assign(tf.clipByValue(x, lo, hi));
      });
      record(perUnit!.dataSync() as Float32Array, images);
      perUnit!.dispose();
      opts.onStep?.(step + 1);
      if (step % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    restoreBackwardSlopes(model, savedSlopes);
    optimizer.dispose();
    x.dispose();
    mask.dispose();
  }
  return units.map((_, i) => ({
    value: best[i].value,
    trace: traces[i],
    input: best[i].input,
    shape: inputShape.slice(),
  }));
}

// Noise depends on (seed, unit) only, so a unit starts from the same image alone or in a batch.
function initialInputs(
  init: AmOptions['init'],
  units: number[],
  size: number,
  lo: number,
  hi: number,
  seed: number,
): Float32Array {
  const n = units.length;
  const out = new Float32Array(n * size);
  if (init === 'zeros') return out.fill(Math.min(hi, Math.max(lo, 0)));
  if (init === 'uniform') {
    units.forEach((unit, i) => {
      const rng = new Rng(deriveSeed(seed, `am-init/${unit}`));
      for (let j = i * size; j < (i + 1) * size; j++) out[j] = lo + (hi - lo) * rng.next();
    });
    return out;
  }
  if (init instanceof Float32Array) {
    if (init.length !== size)
      throw new RangeError(`maximizeActivation: init has ${init.length} values, the input needs ${size}`);
    for (let i = 0; i < n; i++) out.set(init, i * size);
    return out;
  }
  throw new RangeError(`maximizeActivation: init must be 'zeros', 'uniform' or a Float32Array`);
}
