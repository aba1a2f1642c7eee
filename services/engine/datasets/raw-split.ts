/**
 * Datasets are decoded into plain typed arrays first and turned into tensors exactly once at the end: no
 * intermediate tensors to leak, and the arrays are already the final float32 / int32 layout.
 */
import { tf } from '../tf';
import type { DatasetSplit } from './types';

/** One split before it becomes tensors: `x` is NHWC float32 in [-1, 1], `y` int32 labels. */
export interface RawSplit {
  count: number;
  x: Float32Array;
  y: Int32Array;
}

export interface RawDataset {
  inputShape: [number, number, number];
  classes: number;
  train: RawSplit;
  test: RawSplit;
}

/** Optional caps on how many examples of each split to decode (the first N, in the dataset's fixed order). */
export interface SplitLimits {
  train?: number;
  test?: number;
}

/** Byte pixel → [-1, 1]: 0 → -1, 255 → 1. A table keeps the hot decode loops to one load per pixel. */
export const BYTE_TO_PIXEL: Float32Array = (() => {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = v / 127.5 - 1;
  return table;
})();

/** How many examples to decode: the split's size, capped by an optional user limit. */
export function capCount(available: number, limit: number | undefined): number {
  return limit === undefined ? available : Math.min(available, limit);
}

export function toTensors(raw: RawSplit, inputShape: [number, number, number]): DatasetSplit {
  const [h, w, c] = inputShape;
  return {
    x: tf.tensor4d(raw.x, [raw.count, h, w, c], 'float32'),
    y: tf.tensor1d(raw.y, 'int32'),
  };
}
