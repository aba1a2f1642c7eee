import { tf, type Tensor } from './tf';
import { Rng, deriveSeed } from './rng';
import { CancelledError } from '../errors';
import { getBackwardSlopes, restoreBackwardSlopes, setBackwardSlope } from './proxy-leaky-relu-layer';
import {
  blurImages,
  clipInto,
  createUpdater,
  gradientStats,
  normalizeL2,
  rollImages,
  type AmOptimizerName,
  type ImageShape,
} from './am-steps';

export type { AmOptimizerName } from './am-steps';

export interface AmOptions {
  /** Index of the output unit (class logit) to maximize. */
  unit: number;
  /** Backward slope of every ProxyLeakyReLU during the ascent (the proxy); the model's own slopes are restored. */
  backwardSlope: number;
  steps: number;
  learningRate: number;
  seed: number;
  /**
   * Start point: all zeros, seeded uniform noise over `initScale` × the range around its centre, or an explicit
   * image (H·W·C values). Default zeros.
   */
  init?: 'zeros' | 'uniform' | Float32Array;
  /** Fraction of the range the uniform start covers, in (0, 1]. Default 1 (the whole range). */
  initScale?: number;
  /** Box the input is kept in. Default [-1, 1]. */
  range?: [number, number];
  /**
   * The update: `ascent` x ← clip(x + lr·g) (the paper's, the default), `momentum` (heavy ball, `momentum`
   * coefficient), or `adam` (Adam on the input, which rescales every pixel's step).
   */
  optimizer?: AmOptimizerName;
  /** Momentum coefficient for `optimizer: 'momentum'`. Default 0.9. */
  momentum?: number;
  /** `l2`: divide each image's gradient by its L2 norm before the update. Default `none`. */
  normalize?: 'none' | 'l2';
  /** Regularizer: roll the image by up to this many pixels (seeded, per step) for each gradient. Default 0. */
  jitter?: number;
  /** Regularizer: Gaussian-blur the image every this many steps (0: never). Default 0. */
  blurEvery?: number;
  /** Standard deviation of that blur in pixels. Default 0.5. */
  blurSigma?: number;
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
  /**
   * The proxy gradient at the start point: fraction of entries that are exactly zero, and its L2 norm. A ReLU
   * network's input gradient is sparse there; a backward slope makes it dense (the paper's mechanism).
   */
  startGradient: { zeroFraction: number; l2Norm: number };
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
 * Activation maximization with ProxyGrad: gradient ascent on the input using the gradient of the proxy network
 * (every rectifier's backward slope set to `backwardSlope`) while recording the true forward activation. Each
 * step: jitter (optional) → proxy gradient → un-jitter → normalize (optional) → update → clip to `range` →
 * blur every n steps (optional). Leaves the model's slopes as it found them.
 */
export async function maximizeActivation(model: tf.LayersModel, opts: AmOptions): Promise<AmResult> {
  const [result] = await maximizeActivations(model, { ...opts, units: [opts.unit] });
  return result;
}

/**
 * Batched AM: one image per unit, optimized together (samples are independent in inference mode, so the
 * gradient of the summed objective w.r.t. image i is the gradient of unit i alone, and every random draw
 * depends on (seed, unit) only). The same result as unit-by-unit AM, much faster.
 */
export async function maximizeActivations(model: tf.LayersModel, opts: AmBatchOptions): Promise<AmResult[]> {
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  if (inputShape.length !== 3 || inputShape.some((d) => d == null))
    throw new RangeError('maximizeActivation: the model needs a fully defined [H, W, C] input shape');
  const shape: ImageShape = { height: inputShape[0], width: inputShape[1], channels: inputShape[2] };
  const outUnits = model.outputs[0].shape[model.outputs[0].shape.length - 1] as number;
  const o = checkOptions(opts, outUnits);
  const { units, steps, lo, hi } = o;
  const size = inputShape.reduce((a, b) => a * b, 1);
  const n = units.length;
  const x = initialInputs(opts.init ?? 'zeros', units, size, lo, hi, o.initScale, opts.seed);
  const updater = createUpdater(o.optimizer, o.learningRate, n * size, o.momentum);
  const jitterRngs = units.map((u) => new Rng(deriveSeed(opts.seed, `am-jitter/${u}`)));
  const maskValues = new Float32Array(n * outUnits);
  units.forEach((u, i) => (maskValues[i * outUnits + u] = 1));
  const mask = tf.tensor2d(maskValues, [n, outUnits]);
  const traces: number[][] = units.map(() => []);
  const best = units.map(() => ({ value: -Infinity, input: new Float32Array(size) }));
  let startGradient: AmResult['startGradient'][] = [];
  const record = (values: Float32Array, images: Float32Array) => {
    for (let i = 0; i < n; i++) {
      traces[i].push(values[i]);
      if (values[i] > best[i].value) {
        best[i].value = values[i];
        best[i].input = images.slice(i * size, (i + 1) * size);
      }
    }
  };
  // True per-unit activations and the proxy gradient of their sum at `images`.
  const evaluate = (images: Float32Array): { values: Float32Array; grad: Float32Array } =>
    tf.tidy(() => {
      let perUnit: Tensor | undefined;
      const grad = tf.grad((input: Tensor) => {
        // Kept: tf.grad disposes everything its forward pass makes except the returned sum.
        perUnit = tf.keep(tf.sum(tf.mul(model.apply(input, { training: false }) as Tensor, mask), 1));
        return tf.sum(perUnit);
      })(tf.tensor(images, [n, ...inputShape]));
      const values = perUnit!.dataSync() as Float32Array;
      perUnit!.dispose();
      return { values, grad: grad.dataSync() as Float32Array };
    });
  const forward = (images: Float32Array): Float32Array =>
    tf.tidy(
      () =>
        tf
          .sum(tf.mul(model.apply(tf.tensor(images, [n, ...inputShape]), { training: false }) as Tensor, mask), 1)
          .dataSync() as Float32Array,
    );

  const savedSlopes = getBackwardSlopes(model);
  setBackwardSlope(model, opts.backwardSlope);
  try {
    for (let step = 0; step < steps; step++) {
      if (opts.signal?.aborted) throw new CancelledError(`activation maximization cancelled at step ${step}`);
      const shifts = o.jitter > 0 ? drawShifts(jitterRngs, o.jitter) : undefined;
      const seen = shifts ? rollImages(x, shape, shifts) : x.slice();
      const { values, grad } = evaluate(seen);
      // The value belongs to the image the network saw, so that image is what `input` returns.
      record(values, seen);
      if (step === 0) {
        const atStart = shifts && shifts.some((s) => s !== 0) ? evaluate(x).grad : grad;
        startGradient = units.map((_, i) => gradientStats(atStart, i * size, size));
      }
      const g = shifts ? rollImages(grad, shape, negate(shifts)) : grad;
      if (o.normalize === 'l2') normalizeL2(g, size);
      updater.step(x, g);
      clipInto(x, lo, hi);
      if (o.blurEvery > 0 && (step + 1) % o.blurEvery === 0) blurImages(x, shape, o.blurSigma);
      opts.onStep?.(step + 1);
      if (step % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
    }
    if (opts.signal?.aborted) throw new CancelledError(`activation maximization cancelled at step ${steps}`);
    record(forward(x), x);
    if (steps === 0) {
      const { grad } = evaluate(x);
      startGradient = units.map((_, i) => gradientStats(grad, i * size, size));
    }
  } finally {
    restoreBackwardSlopes(model, savedSlopes);
    mask.dispose();
  }
  return units.map((_, i) => ({
    value: best[i].value,
    trace: traces[i],
    input: best[i].input,
    shape: inputShape.slice(),
    startGradient: startGradient[i],
  }));
}

interface CheckedOptions {
  units: number[];
  steps: number;
  learningRate: number;
  lo: number;
  hi: number;
  optimizer: AmOptimizerName;
  momentum: number;
  normalize: 'none' | 'l2';
  initScale: number;
  jitter: number;
  blurEvery: number;
  blurSigma: number;
}

function checkOptions(opts: AmBatchOptions, outUnits: number): CheckedOptions {
  const [lo, hi] = opts.range ?? [-1, 1];
  const { units, steps, learningRate } = opts;
  const fail = (what: string) => {
    throw new RangeError(`maximizeActivation: ${what}`);
  };
  if (!units.length) throw new RangeError('maximizeActivations: units must not be empty');
  for (const u of units) {
    if (!Number.isInteger(u) || u < 0 || u >= outUnits) fail(`unit must be an integer in [0, ${outUnits}), got ${u}`);
  }
  if (!Number.isInteger(steps) || steps < 0) fail(`steps must be a non-negative integer, got ${steps}`);
  if (!(learningRate > 0) || !Number.isFinite(learningRate))
    fail(`learningRate must be a positive number, got ${learningRate}`);
  if (!(hi > lo)) fail(`range must be [lo, hi] with lo < hi, got [${lo}, ${hi}]`);
  const optimizer = opts.optimizer ?? 'ascent';
  if (!['ascent', 'momentum', 'adam'].includes(optimizer))
    fail(`optimizer must be ascent, momentum or adam, got ${String(optimizer)}`);
  const normalize = opts.normalize ?? 'none';
  if (normalize !== 'none' && normalize !== 'l2') fail(`normalize must be none or l2, got ${String(normalize)}`);
  const momentum = opts.momentum ?? 0.9;
  if (!(momentum >= 0 && momentum < 1)) fail(`momentum must be in [0, 1), got ${momentum}`);
  const initScale = opts.initScale ?? 1;
  if (!(initScale > 0 && initScale <= 1)) fail(`initScale must be in (0, 1], got ${initScale}`);
  const jitter = opts.jitter ?? 0;
  if (!Number.isInteger(jitter) || jitter < 0) fail(`jitter must be a non-negative integer, got ${jitter}`);
  const blurEvery = opts.blurEvery ?? 0;
  if (!Number.isInteger(blurEvery) || blurEvery < 0) fail(`blurEvery must be a non-negative integer, got ${blurEvery}`);
  const blurSigma = opts.blurSigma ?? 0.5;
  if (!(blurSigma > 0) || !Number.isFinite(blurSigma)) fail(`blurSigma must be a positive number, got ${blurSigma}`);
  return {
    units,
    steps,
    learningRate,
    lo,
    hi,
    optimizer,
    momentum,
    normalize,
    initScale,
    jitter,
    blurEvery,
    blurSigma,
  };
}

// One (dy, dx) per image, each in [-k, k], from that unit's own stream.
function drawShifts(rngs: Rng[], k: number): Int32Array {
  const shifts = new Int32Array(2 * rngs.length);
  rngs.forEach((rng, i) => {
    shifts[2 * i] = rng.int(2 * k + 1) - k;
    shifts[2 * i + 1] = rng.int(2 * k + 1) - k;
  });
  return shifts;
}

function negate(shifts: Int32Array): Int32Array {
  return shifts.map((s) => -s);
}

// Noise depends on (seed, unit) only, so a unit starts from the same image alone or in a batch.
function initialInputs(
  init: AmOptions['init'],
  units: number[],
  size: number,
  lo: number,
  hi: number,
  scale: number,
  seed: number,
): Float32Array {
  const n = units.length;
  const out = new Float32Array(n * size);
  if (init === 'zeros') return out.fill(Math.min(hi, Math.max(lo, 0)));
  if (init === 'uniform') {
    const mid = (lo + hi) / 2;
    const half = ((hi - lo) / 2) * scale;
    units.forEach((unit, i) => {
      const rng = new Rng(deriveSeed(seed, `am-init/${unit}`));
      for (let j = i * size; j < (i + 1) * size; j++) out[j] = mid - half + 2 * half * rng.next();
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
