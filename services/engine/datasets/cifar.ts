/**
 * Loader for `cifar10` / `cifar100` binary versions: fixed-size records of label byte(s) then 3072 pixel bytes
 * stored channel-major (1024 R, 1024 G, 1024 B), converted here to NHWC.
 */
import { join } from 'node:path';
import { readPrefix, requireFile, type FileContext } from './files';
import { type CifarLayout } from './layout';
import { corruptFile } from './messages';
import { BYTE_TO_PIXEL, capCount, type RawDataset, type RawSplit, type SplitLimits } from './raw-split';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = PLANE * 3;

interface SizedFile {
  path: string;
  records: number;
}

export async function loadCifarDataset(
  ctx: FileContext,
  layout: CifarLayout,
  limits: SplitLimits,
): Promise<RawDataset> {
  const dir = join(ctx.dataDir, ctx.name, layout.dir);
  // Check every file before decoding any, so a missing test batch fails in milliseconds, not after the train set.
  const train = await sizeFiles(
    ctx,
    layout,
    layout.train.map((f) => join(dir, f)),
  );
  const test = await sizeFiles(
    ctx,
    layout,
    layout.test.map((f) => join(dir, f)),
  );
  return {
    inputShape: [SIDE, SIDE, 3],
    classes: layout.classes,
    train: await decodeSplit(ctx, layout, train, limits.train),
    test: await decodeSplit(ctx, layout, test, limits.test),
  };
}

async function sizeFiles(ctx: FileContext, layout: CifarLayout, paths: string[]): Promise<SizedFile[]> {
  const record = layout.labelBytes + PIXELS;
  const out: SizedFile[] = [];
  for (const path of paths) {
    const size = await requireFile(ctx, path);
    if (size === 0 || size % record !== 0) {
      throw corruptFile(
        ctx.name,
        ctx.dataDir,
        path,
        `size ${size} is not a positive multiple of the ${record}-byte record`,
      );
    }
    out.push({ path, records: size / record });
  }
  return out;
}

async function decodeSplit(
  ctx: FileContext,
  layout: CifarLayout,
  files: SizedFile[],
  limit: number | undefined,
): Promise<RawSplit> {
  const record = layout.labelBytes + PIXELS;
  const count = capCount(
    files.reduce((n, f) => n + f.records, 0),
    limit,
  );
  const x = new Float32Array(count * PIXELS);
  const y = new Int32Array(count);
  let done = 0;
  for (const file of files) {
    if (done === count) break;
    const take = Math.min(file.records, count - done);
    const buf = await readPrefix(ctx, file.path, take * record);
    if (buf.length !== take * record) throw corruptFile(ctx.name, ctx.dataDir, file.path, 'file shrank while reading');
    for (let r = 0; r < take; r++) {
      const at = r * record;
      for (let b = 0; b < layout.labelBytes; b++) {
        if (buf[at + b] >= layout.labelLimits[b]) {
          const detail = `record ${r} has label ${buf[at + b]}, outside [0, ${layout.labelLimits[b]})`;
          throw corruptFile(ctx.name, ctx.dataDir, file.path, detail);
        }
      }
      y[done] = buf[at + layout.labelIndex];
      chwToHwc(buf, at + layout.labelBytes, x, done * PIXELS);
      done++;
    }
  }
  return { count, x, y };
}

/** One 3×32×32 channel-major image → 32×32×3 pixel-major, scaled to [-1, 1]. */
export function chwToHwc(src: Uint8Array, from: number, dst: Float32Array, to: number): void {
  for (let p = 0; p < PLANE; p++) {
    const o = to + p * 3;
    dst[o] = BYTE_TO_PIXEL[src[from + p]];
    dst[o + 1] = BYTE_TO_PIXEL[src[from + PLANE + p]];
    dst[o + 2] = BYTE_TO_PIXEL[src[from + 2 * PLANE + p]];
  }
}
