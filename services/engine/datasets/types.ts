import type { Tensor1D, Tensor4D } from '../tf';

/** One split of a dataset: images NHWC with pixels in [-1, 1], integer labels in [0, classes). */
export interface DatasetSplit {
  x: Tensor4D;
  y: Tensor1D;
}

/** The host-memory arrays a split's tensors were made from (NHWC float32 pixels, int32 labels). */
export interface HostSplit {
  x: Float32Array;
  y: Int32Array;
}

/** A loaded dataset. Tensors live on the engine's backend; call {@link disposeDataset} when done. */
export interface Dataset {
  name: string;
  inputShape: [number, number, number];
  classes: number;
  train: DatasetSplit;
  test: DatasetSplit;
  /**
   * The same examples in host memory, set by `loadDataset`. Training assembles batches from these, so every
   * cell of a process shares one copy instead of reading the tensors back per cell. Never modify them.
   */
  host?: { train: HostSplit; test: HostSplit };
}

/** Shape of the generated `synthetic` dataset; every field has a small default (8×8×1, 4 classes, 512/128). */
export interface SyntheticOptions {
  height?: number;
  width?: number;
  channels?: number;
  classes?: number;
  trainSize?: number;
  testSize?: number;
}

export interface LoadDatasetOptions {
  /** Directory holding downloaded dataset files (mnist, fashion-mnist, cifar10, cifar100). */
  dataDir?: string;
  /** Keep only the first N training examples (after the dataset's fixed split). */
  trainLimit?: number;
  /** Keep only the first N test examples. */
  testLimit?: number;
  /** Seed for generated datasets (`synthetic`). */
  seed?: number;
  /** Size and class count of the `synthetic` dataset. */
  synthetic?: SyntheticOptions;
}

/** What {@link listDatasets} reports about one registered dataset. */
export interface DatasetInfo {
  name: string;
  inputShape: [number, number, number];
  classes: number;
  /** Examples per split at full size (for `synthetic`: the defaults). */
  trainSize: number;
  testSize: number;
  description: string;
  /** True when the dataset reads files from the data dir (get them with `proxysweep data fetch <name>`). */
  needsFiles: boolean;
}
