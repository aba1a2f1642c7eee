/**
 * proxysweep's compute engine: ProxyGrad (Leaky ReLUs whose backward slope differs from their forward slope)
 * for training and activation maximization in TensorFlow.js. Public surface: `require('proxysweep/engine')`.
 */
export { tf } from './tf';
export { proxyLeakyRelu, type ProxySlopes } from './proxy-leaky-relu';
export {
  ProxyLeakyReLU,
  setBackwardSlope,
  getBackwardSlopes,
  restoreBackwardSlopes,
  proxyLayers,
  type ProxyLeakyReLUArgs,
} from './proxy-leaky-relu-layer';
export { resolveSlopes, type ActivationConfig, type ActivationMode } from './activation';
export { buildModel, ARCHITECTURES, type ArchName, type BuildModelOptions } from './models';
export {
  trainModel,
  validateTrainOptions,
  type TrainOptions,
  type TrainResult,
  type EpochMetrics,
  type StepInfo,
} from './training/trainer';
export { decodeCheckpoint, encodeCheckpoint, restoreWeights, type TrainingState } from './training/checkpoint';
export {
  maximizeActivation,
  maximizeActivations,
  type AmOptions,
  type AmBatchOptions,
  type AmResult,
  type AmOptimizerName,
} from './am';
export { initBackend, currentBackend, BACKENDS, type BackendName, type BackendInfo } from './backend';
export { explainBackend } from './backend';
export { nativeStatus, nativeThreadEnv, type NativeStatus } from './native';
export { loadDataset, listDatasets, fetchDataset, disposeDataset } from './datasets';
export type { Dataset, DatasetSplit, LoadDatasetOptions } from './datasets/types';
export { Rng, deriveSeed } from './rng';
