/**
 * Parser for the IDX format of MNIST and Fashion-MNIST (big-endian headers, then raw unsigned bytes). Pure: it
 * throws FormatError with a detail and leaves naming the file and the fix to the caller.
 */
import { FormatError } from './messages';
import { BYTE_TO_PIXEL, type RawSplit } from './raw-split';

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** `count * rows * cols` pixel bytes, row-major. */
  pixels: Uint8Array;
}

export function parseIdxImages(buf: Uint8Array, rows: number, cols: number): IdxImages {
  const view = header(buf, 16, IDX_IMAGES_MAGIC, 'images');
  const count = view.getUint32(4);
  const r = view.getUint32(8);
  const c = view.getUint32(12);
  if (count === 0) throw new FormatError('holds no images');
  if (r !== rows || c !== cols) throw new FormatError(`images are ${r}x${c}, expected ${rows}x${cols}`);
  checkLength(buf.length, 16 + count * r * c, `${count} images`);
  return { count, rows: r, cols: c, pixels: buf.subarray(16) };
}

export function parseIdxLabels(buf: Uint8Array, classes: number): Uint8Array {
  const view = header(buf, 8, IDX_LABELS_MAGIC, 'labels');
  const count = view.getUint32(4);
  if (count === 0) throw new FormatError('holds no labels');
  checkLength(buf.length, 8 + count, `${count} labels`);
  const labels = buf.subarray(8);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classes) throw new FormatError(`label ${labels[i]} at index ${i} is outside [0, ${classes})`);
  }
  return labels;
}

/** Decodes the first `count` examples into the [-1, 1] NHWC (C = 1) layout. */
export function decodeIdx(images: IdxImages, labels: Uint8Array, count: number): RawSplit {
  const pixelsPer = images.rows * images.cols;
  const x = new Float32Array(count * pixelsPer);
  const src = images.pixels;
  for (let i = 0; i < x.length; i++) x[i] = BYTE_TO_PIXEL[src[i]];
  return { count, x, y: Int32Array.from(labels.subarray(0, count)) };
}

function header(buf: Uint8Array, size: number, magic: number, what: string): DataView {
  if (buf.length < size)
    throw new FormatError(`truncated header: ${buf.length} bytes, an IDX ${what} header is ${size}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const found = view.getUint32(0);
  if (found !== magic) throw new FormatError(`bad magic number ${found}, expected ${magic} for IDX ${what}`);
  return view;
}

function checkLength(actual: number, expected: number, holds: string): void {
  if (actual < expected) throw new FormatError(`truncated: ${actual} bytes, expected ${expected} for ${holds}`);
  if (actual > expected) throw new FormatError(`${actual} bytes, expected ${expected} for ${holds} (trailing data)`);
}
