import type { Rng } from '../rng';

export interface AugmentOptions {
  /** Random horizontal flips (p = 0.5 per image). */
  flip?: boolean;
  /** Random crops after zero-padding by this many pixels on each side (0 = off). */
  crop?: number;
}

/**
 * Assembles one training batch in JS from host copies of the dataset: gathers shuffled rows and applies
 * flip/crop with draws from `rng` (a stream per training step). Doing this on the host keeps it identical on
 * every backend, and per-step streams let a restored run reproduce the exact batches.
 */
export function assembleBatch(
  xs: Float32Array,
  ys: Int32Array,
  indices: Int32Array,
  shape: [number, number, number],
  augment: AugmentOptions,
  rng: Rng,
  outX: Float32Array,
  outY: Int32Array,
): void {
  const [h, w, c] = shape;
  const size = h * w * c;
  const pad = augment.crop ?? 0;
  for (let b = 0; b < indices.length; b++) {
    const src = indices[b] * size;
    const dst = b * size;
    outY[b] = ys[indices[b]];
    const flip = augment.flip ? rng.next() < 0.5 : false;
    const dy = pad > 0 ? rng.int(2 * pad + 1) - pad : 0;
    const dx = pad > 0 ? rng.int(2 * pad + 1) - pad : 0;
    if (!flip && dy === 0 && dx === 0) {
      outX.set(xs.subarray(src, src + size), dst);
      continue;
    }
    for (let r = 0; r < h; r++) {
      const sr = r + dy;
      for (let col = 0; col < w; col++) {
        const sc0 = col + dx;
        const sc = flip ? w - 1 - sc0 : sc0;
        const o = dst + (r * w + col) * c;
        if (sr < 0 || sr >= h || sc0 < 0 || sc0 >= w) {
          outX.fill(0, o, o + c);
        } else {
          const i = src + (sr * w + sc) * c;
          for (let k = 0; k < c; k++) outX[o + k] = xs[i + k];
        }
      }
    }
  }
}
