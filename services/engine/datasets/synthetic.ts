/**
 * `synthetic`: a tiny generated dataset for tests and smoke runs. Class k is a bright bar through the image
 * centre at angle π·k/classes, shifted a little sideways, with random brightness and Gaussian pixel noise. A
 * small CNN separates the orientations within an epoch or two, yet the noise keeps it from being trivial.
 * Labels cycle 0, 1, …, classes-1 so every prefix is class-balanced. Same seed ⇒ same bytes.
 */
import { badOption } from './messages';
import { gaussian, uniform, seed32 } from './prng';
import { capCount, type RawDataset, type RawSplit, type SplitLimits } from './raw-split';
import type { SyntheticOptions } from './types';
import { SYNTHETIC_DEFAULTS } from './catalog';

export { SYNTHETIC_DEFAULTS };

const BOUNDS: Record<keyof SyntheticOptions, [number, number]> = {
  height: [4, 256],
  width: [4, 256],
  channels: [1, 4],
  classes: [2, 64],
  trainSize: [1, 1_000_000],
  testSize: [1, 1_000_000],
};

// Pixel noise (std, on the [0, 1] scale): a 2-epoch small CNN reaches ~95% on the defaults, not 100%.
const NOISE = 0.4;

export function resolveSynthetic(opts: SyntheticOptions | undefined): Required<SyntheticOptions> {
  const out = { ...SYNTHETIC_DEFAULTS };
  for (const key of Object.keys(BOUNDS) as (keyof SyntheticOptions)[]) {
    const value = opts?.[key];
    if (value === undefined) continue;
    const [lo, hi] = BOUNDS[key];
    if (!Number.isInteger(value) || value < lo || value > hi) {
      throw badOption('synthetic', `synthetic.${key} must be an integer in [${lo}, ${hi}], got ${String(value)}`);
    }
    out[key] = value;
  }
  return out;
}

export function loadSynthetic(seed: number, opts: SyntheticOptions | undefined, limits: SplitLimits): RawDataset {
  if (!Number.isSafeInteger(seed)) throw badOption('synthetic', `seed must be an integer, got ${String(seed)}`);
  const o = resolveSynthetic(opts);
  const rand = uniform(seed32(seed));
  // Test examples continue the train stream, so the splits never share an example; limits only truncate.
  const train = generate(o, rand, o.trainSize, capCount(o.trainSize, limits.train));
  const test = generate(o, rand, o.testSize, capCount(o.testSize, limits.test));
  return { inputShape: [o.height, o.width, o.channels], classes: o.classes, train, test };
}

function generate(o: Required<SyntheticOptions>, rand: () => number, size: number, keep: number): RawSplit {
  const { height, width, channels, classes } = o;
  const pixels = height * width * channels;
  const x = new Float32Array(keep * pixels);
  const y = new Int32Array(keep);
  const side = Math.min(height, width);
  const sigma = Math.max(0.6, side / 12);
  const maxShift = side / 8;
  const cy = (height - 1) / 2;
  const cx = (width - 1) / 2;
  // Every example is drawn even when not kept, so a limit never changes the examples that are kept.
  const scratch = new Float32Array(pixels);
  for (let i = 0; i < size; i++) {
    const label = i % classes;
    const angle = (Math.PI * label) / classes;
    const sin = Math.sin(angle);
    const cos = Math.cos(angle);
    const shift = (rand() * 2 - 1) * maxShift;
    const brightness = 0.7 + 0.3 * rand();
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        // Signed distance from the bar's centre line (direction (cos, sin) through the shifted centre).
        const d = (r - cy) * cos - (c - cx) * sin - shift;
        const bar = brightness * Math.exp((-d * d) / (2 * sigma * sigma));
        for (let ch = 0; ch < channels; ch++) {
          const v = Math.min(1, Math.max(0, bar + NOISE * gaussian(rand)));
          scratch[(r * width + c) * channels + ch] = v * 2 - 1;
        }
      }
    }
    if (i < keep) {
      x.set(scratch, i * pixels);
      y[i] = label;
    }
  }
  return { count: keep, x, y };
}
