import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Tiny writers for the real IDX format (MNIST, Fashion-MNIST), for tests that need files on disk. */

export function idxImages(count: number, pixel: (i: number, p: number) => number, rows = 28, cols = 28): Buffer {
  const buf = Buffer.alloc(16 + count * rows * cols);
  buf.writeUInt32BE(2051, 0);
  buf.writeUInt32BE(count, 4);
  buf.writeUInt32BE(rows, 8);
  buf.writeUInt32BE(cols, 12);
  for (let i = 0; i < count; i++) for (let p = 0; p < rows * cols; p++) buf[16 + i * rows * cols + p] = pixel(i, p);
  return buf;
}

export function idxLabels(labels: number[]): Buffer {
  const buf = Buffer.alloc(8 + labels.length);
  buf.writeUInt32BE(2049, 0);
  buf.writeUInt32BE(labels.length, 4);
  labels.forEach((l, i) => (buf[8 + i] = l));
  return buf;
}

/** Pixel value used by the IDX fixtures: image i, pixel p. Covers 0 and 255. */
export const idxPixel = (i: number, p: number): number => (p === 0 ? 0 : p === 1 ? 255 : (i * 7 + p) % 256);

export const TRAIN_LABELS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 1];
export const TEST_LABELS = [9, 8, 7, 6, 5];

export function writeIdxDataset(dir: string, gz = false): void {
  mkdirSync(dir, { recursive: true });
  const files: [string, Buffer][] = [
    ['train-images-idx3-ubyte', idxImages(TRAIN_LABELS.length, idxPixel)],
    ['train-labels-idx1-ubyte', idxLabels(TRAIN_LABELS)],
    ['t10k-images-idx3-ubyte', idxImages(TEST_LABELS.length, idxPixel)],
    ['t10k-labels-idx1-ubyte', idxLabels(TEST_LABELS)],
  ];
  for (const [name, data] of files) writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(data) : data);
}
