/** Loader for `mnist` and `fashion-mnist`: the four standard IDX files under `<dataDir>/<name>/`. */
import { join } from 'node:path';
import { DatasetError } from '../../errors';
import { fileSize, readMaybeGzip, type FileContext } from './files';
import { decodeIdx, parseIdxImages, parseIdxLabels } from './idx';
import { IDX_FILES } from './layout';
import { corruptFile, fetchCommand, FormatError, missingFile } from './messages';
import { capCount, type RawDataset, type RawSplit, type SplitLimits } from './raw-split';

const SIDE = 28;
const CLASSES = 10;

export async function loadIdxDataset(ctx: FileContext, limits: SplitLimits): Promise<RawDataset> {
  const dir = join(ctx.dataDir, ctx.name);
  const train = await loadSplit(ctx, dir, IDX_FILES.trainImages, IDX_FILES.trainLabels, limits.train);
  const test = await loadSplit(ctx, dir, IDX_FILES.testImages, IDX_FILES.testLabels, limits.test);
  return { inputShape: [SIDE, SIDE, 1], classes: CLASSES, train, test };
}

async function loadSplit(
  ctx: FileContext,
  dir: string,
  imagesBase: string,
  labelsBase: string,
  limit: number | undefined,
): Promise<RawSplit> {
  const imagesFile = await locate(ctx, dir, imagesBase);
  const labelsFile = await locate(ctx, dir, labelsBase);
  const images = await parseFile(ctx, imagesFile, (buf) => parseIdxImages(buf, SIDE, SIDE));
  const labels = await parseFile(ctx, labelsFile, (buf) => parseIdxLabels(buf, CLASSES));
  if (images.count !== labels.length) {
    throw new DatasetError(
      `dataset "${ctx.name}": ${imagesFile} holds ${images.count} images but ${labelsFile} holds ${labels.length} labels; ` +
        `delete both and run \`${fetchCommand(ctx.name, ctx.dataDir)}\``,
    );
  }
  return decodeIdx(images, labels, capCount(images.count, limit));
}

/** The uncompressed file if present, else its `.gz`. */
async function locate(ctx: FileContext, dir: string, base: string): Promise<string> {
  const raw = join(dir, base);
  if ((await fileSize(ctx, raw)) !== undefined) return raw;
  const gz = `${raw}.gz`;
  if ((await fileSize(ctx, gz)) !== undefined) return gz;
  throw missingFile(ctx.name, ctx.dataDir, `${raw} (or ${base}.gz)`);
}

async function parseFile<T>(ctx: FileContext, file: string, parse: (buf: Buffer) => T): Promise<T> {
  try {
    return parse(await readMaybeGzip(ctx, file));
  } catch (err) {
    if (err instanceof FormatError) throw corruptFile(ctx.name, ctx.dataDir, file, err.message);
    throw err;
  }
}
