/**
 * Where each file-backed dataset lives under the data dir. Shared by the loaders (what to read) and the
 * fetcher (what to produce), so the two can never disagree.
 */

export type IdxDatasetName = 'mnist' | 'fashion-mnist';
export type CifarDatasetName = 'cifar10' | 'cifar100';
export type FileDatasetName = IdxDatasetName | CifarDatasetName;

/** Uncompressed IDX file names; a `.gz` next to them is accepted too. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export interface CifarLayout {
  /** Folder inside `<dataDir>/<name>/` that the official archive unpacks to. */
  dir: string;
  train: string[];
  test: string[];
  /** Label bytes before the 3072 pixel bytes of each record. */
  labelBytes: number;
  /** Which label byte is the class (cifar100 records are coarse, fine). */
  labelIndex: number;
  classes: number;
  /** Upper bound for every label byte (cifar100's coarse byte has 20 classes). */
  labelLimits: number[];
}

export const CIFAR_LAYOUT: Record<CifarDatasetName, CifarLayout> = {
  cifar10: {
    dir: 'cifar-10-batches-bin',
    train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
    test: ['test_batch.bin'],
    labelBytes: 1,
    labelIndex: 0,
    classes: 10,
    labelLimits: [10],
  },
  cifar100: {
    dir: 'cifar-100-binary',
    train: ['train.bin'],
    test: ['test.bin'],
    labelBytes: 2,
    labelIndex: 1,
    classes: 100,
    labelLimits: [20, 100],
  },
};
