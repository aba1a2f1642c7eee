import { PNG } from 'pngjs';

/**
 * Encodes an AM input (H·W·C values in `range`, C = 1 or 3) as a PNG at its native size; viewers upscale it
 * without smoothing. Gray images are stored as gray, colour as RGB.
 */
export function amImagePng(input: Float32Array, shape: number[], range: [number, number] = [-1, 1]): Buffer {
  const [h, w, c] = shape;
  if (c !== 1 && c !== 3) throw new RangeError(`amImagePng: expected 1 or 3 channels, got ${c}`);
  const [lo, hi] = range;
  const png = new PNG({ width: w, height: h, colorType: c === 1 ? 0 : 2, inputColorType: 6, inputHasAlpha: true });
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) {
      const v = input[p * c + (c === 1 ? 0 : k)];
      png.data[p * 4 + k] = Math.round(Math.min(1, Math.max(0, (v - lo) / (hi - lo))) * 255);
    }
    png.data[p * 4 + 3] = 255;
  }
  return PNG.sync.write(png, { colorType: c === 1 ? 0 : 2, inputColorType: 6, inputHasAlpha: true });
}
