/**
 * The pixel-space half of activation maximization: what happens to a batch of images between two gradient
 * evaluations. Plain typed-array arithmetic, so every AM protocol behaves the same on every backend and each
 * piece can be checked on its own. Images are NHWC float32, `size` = H·W·C values each.
 */

/** Image geometry shared by the helpers. */
export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

export type AmOptimizerName = 'ascent' | 'momentum' | 'adam';

/** An in-place ascent step on the images `x` along the (already transformed) gradient `g`. */
export interface AmUpdater {
  step(x: Float32Array, g: Float32Array): void;
}

// tfjs' Adam defaults (β1, β2) and its float32 epsilon, so an `adam` arm matches the engine's former Adam AM.
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-7;

/**
 * `ascent`: x ← x + lr·g (the paper's update). `momentum`: v ← μ·v + g, x ← x + lr·v. `adam`: Adam's
 * bias-corrected moment ratio, x ← x + lr·m̂/(√v̂ + ε). State is per value, so batched images stay independent.
 */
export function createUpdater(name: AmOptimizerName, lr: number, length: number, momentum = 0.9): AmUpdater {
  switch (name) {
    case 'ascent':
      return {
        step(x, g) {
          for (let i = 0; i < x.length; i++) x[i] += lr * g[i];
        },
      };
    case 'momentum': {
      const v = new Float32Array(length);
      return {
        step(x, g) {
          for (let i = 0; i < x.length; i++) {
            v[i] = momentum * v[i] + g[i];
            x[i] += lr * v[i];
          }
        },
      };
    }
    case 'adam': {
      const m = new Float32Array(length);
      const v = new Float32Array(length);
      let t = 0;
      return {
        step(x, g) {
          t++;
          const c1 = 1 - ADAM_BETA1 ** t;
          const c2 = 1 - ADAM_BETA2 ** t;
          for (let i = 0; i < x.length; i++) {
            m[i] = ADAM_BETA1 * m[i] + (1 - ADAM_BETA1) * g[i];
            v[i] = ADAM_BETA2 * v[i] + (1 - ADAM_BETA2) * g[i] * g[i];
            x[i] += (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + ADAM_EPSILON);
          }
        },
      };
    }
    default:
      throw new RangeError(`maximizeActivation: optimizer must be ascent, momentum or adam, got ${String(name)}`);
  }
}

/** Divides each image's gradient by its L2 norm (a zero gradient stays zero). In place. */
export function normalizeL2(g: Float32Array, size: number): void {
  for (let start = 0; start < g.length; start += size) {
    let sq = 0;
    for (let i = start; i < start + size; i++) sq += g[i] * g[i];
    if (sq === 0) continue;
    const inv = 1 / Math.sqrt(sq);
    for (let i = start; i < start + size; i++) g[i] *= inv;
  }
}

/** Clips every value into [lo, hi]. In place. */
export function clipInto(x: Float32Array, lo: number, hi: number): void {
  for (let i = 0; i < x.length; i++) x[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
}

/**
 * Rolls each image by (dy, dx) pixels with wrap-around: the pixel at (y, x) moves to (y + dy, x + dx) mod the
 * size. `shifts` holds [dy0, dx0, dy1, dx1, …], one pair per image. Returns a new array.
 */
export function rollImages(src: Float32Array, shape: ImageShape, shifts: Int32Array): Float32Array {
  const { height: h, width: w, channels: c } = shape;
  const size = h * w * c;
  const out = new Float32Array(src.length);
  for (let n = 0; n < src.length / size; n++) {
    const dy = ((shifts[2 * n] % h) + h) % h;
    const dx = ((shifts[2 * n + 1] % w) + w) % w;
    const base = n * size;
    for (let y = 0; y < h; y++) {
      const ty = (y + dy) % h;
      for (let x = 0; x < w; x++) {
        const from = base + (y * w + x) * c;
        const to = base + (ty * w + ((x + dx) % w)) * c;
        for (let k = 0; k < c; k++) out[to + k] = src[from + k];
      }
    }
  }
  return out;
}

/** Normalized 1-D Gaussian taps for offsets -r..r, r = ⌈3σ⌉. */
export function gaussianTaps(sigma: number): Float64Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const taps = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += taps[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < taps.length; i++) taps[i] /= sum;
  return taps;
}

/**
 * Separable Gaussian blur of each image and channel. At the borders the taps that fall outside are dropped
 * and the rest renormalized, so a constant image stays constant and values stay inside their range. In place.
 */
export function blurImages(x: Float32Array, shape: ImageShape, sigma: number): void {
  const { height: h, width: w, channels: c } = shape;
  const taps = gaussianTaps(sigma);
  const r = (taps.length - 1) / 2;
  const size = h * w * c;
  const tmp = new Float64Array(size);
  const pass = (read: (i: number) => number, write: (i: number, v: number) => void, horizontal: boolean) => {
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let k = 0; k < c; k++) {
          let acc = 0;
          let weight = 0;
          for (let t = -r; t <= r; t++) {
            const yy = horizontal ? y : y + t;
            const xs = horizontal ? xx + t : xx;
            if (yy < 0 || yy >= h || xs < 0 || xs >= w) continue;
            acc += taps[t + r] * read((yy * w + xs) * c + k);
            weight += taps[t + r];
          }
          write((y * w + xx) * c + k, acc / weight);
        }
  };
  for (let base = 0; base < x.length; base += size) {
    pass(
      (i) => x[base + i],
      (i, v) => (tmp[i] = v),
      true,
    );
    pass(
      (i) => tmp[i],
      (i, v) => (x[base + i] = v),
      false,
    );
  }
}

/** Fraction of exactly-zero entries and L2 norm of one image's gradient (ProxyGrad's sparsity mechanism). */
export function gradientStats(g: Float32Array, start: number, size: number): { zeroFraction: number; l2Norm: number } {
  let zeros = 0;
  let sq = 0;
  for (let i = start; i < start + size; i++) {
    if (g[i] === 0) zeros++;
    sq += g[i] * g[i];
  }
  return { zeroFraction: zeros / size, l2Norm: Math.sqrt(sq) };
}
