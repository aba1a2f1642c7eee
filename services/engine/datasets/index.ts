/**
 * The dataset registry: every dataset the engine can train on, by name. Each loader decodes into typed arrays
 * (see raw-split.ts) and this module turns them into tensors once.
 */
import { resolve } from 'node:path';
import { DatasetError } from '../../errors';
import { tf } from '../tf';
import { loadCifarDataset } from './cifar';
import { loadDigits } from './digits';
import { fetchFiles, type FetchOptions } from './fetch';
import { loadIdxDataset } from './idx-datasets';
import { CIFAR_LAYOUT, type FileDatasetName } from './layout';
import { badOption } from './messages';
import { toTensors, type RawDataset, type SplitLimits } from './raw-split';
import { loadSynthetic } from './synthetic';
import { DATASET_CATALOG } from './catalog';
import type { Dataset, DatasetInfo, LoadDatasetOptions } from './types';

export { listDatasets } from './catalog';

export type { Dataset, DatasetInfo, DatasetSplit, HostSplit, LoadDatasetOptions, SyntheticOptions } from './types';
export type { FetchOptions } from './fetch';
export { verifySha256, sha256File } from './checksum';

/** Where file-backed datasets live when no data dir is given (relative to the working directory; git-ignored). */
export const DEFAULT_DATA_DIR = '.data';

interface LoadContext {
  name: string;
  dataDir: string;
  limits: SplitLimits;
  opts: LoadDatasetOptions;
}

type Loader = (ctx: LoadContext) => Promise<RawDataset> | RawDataset;

const LOADERS: Record<string, Loader> = {
  digits: (ctx) => loadDigits(ctx.limits),
  synthetic: (ctx) => loadSynthetic(ctx.opts.seed ?? 0, ctx.opts.synthetic, ctx.limits),
  mnist: (ctx) => loadIdxDataset(ctx, ctx.limits),
  'fashion-mnist': (ctx) => loadIdxDataset(ctx, ctx.limits),
  cifar10: (ctx) => loadCifarDataset(ctx, CIFAR_LAYOUT.cifar10, ctx.limits),
  cifar100: (ctx) => loadCifarDataset(ctx, CIFAR_LAYOUT.cifar100, ctx.limits),
};

/** Loads a dataset as tensors on the current backend. Throws DatasetError naming the fix for any problem. */
export async function loadDataset(name: string, opts: LoadDatasetOptions = {}): Promise<Dataset> {
  const { load } = lookup(name);
  const limits = {
    train: checkLimit(name, 'trainLimit', opts.trainLimit),
    test: checkLimit(name, 'testLimit', opts.testLimit),
  };
  const raw = await load({ name, dataDir: resolveDataDir(opts.dataDir), limits, opts });
  await tf.ready();
  const train = toTensors(raw.train, raw.inputShape);
  try {
    return {
      name,
      inputShape: raw.inputShape,
      classes: raw.classes,
      train,
      test: toTensors(raw.test, raw.inputShape),
      host: { train: { x: raw.train.x, y: raw.train.y }, test: { x: raw.test.x, y: raw.test.y } },
    };
  } catch (err) {
    tf.dispose([train.x, train.y]);
    throw err;
  }
}

/**
 * Downloads, verifies and unpacks a file-backed dataset into `<dataDir>/<name>/`. `digits` and `synthetic` need
 * no files: for them this only logs so and returns no files.
 */
export async function fetchDataset(name: string, opts: FetchOptions): Promise<{ files: string[] }> {
  const { info } = lookup(name);
  if (!info.needsFiles) {
    opts.log?.(`${name}: nothing to fetch, it is ${name === 'digits' ? 'bundled with proxysweep' : 'generated'}`);
    return { files: [] };
  }
  return fetchFiles(name as FileDatasetName, { ...opts, dataDir: resolveDataDir(opts.dataDir) });
}

/** Frees a dataset's tensors; safe to call twice. */
export function disposeDataset(ds: Dataset): void {
  tf.dispose([ds.train.x, ds.train.y, ds.test.x, ds.test.y]);
}

export function resolveDataDir(dataDir: string | undefined): string {
  return resolve(dataDir ?? DEFAULT_DATA_DIR);
}

function lookup(name: string): { info: DatasetInfo; load: Loader } {
  if (!Object.hasOwn(DATASET_CATALOG, name)) {
    throw new DatasetError(`unknown dataset "${name}"; known datasets: ${Object.keys(DATASET_CATALOG).join(', ')}`);
  }
  return { info: DATASET_CATALOG[name], load: LOADERS[name] };
}

function checkLimit(name: string, field: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw badOption(name, `${field} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
