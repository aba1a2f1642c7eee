import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gpuVisibility } from './gpu';
import { activeInstall, installedPackageDir, type NativeManifest } from './layout';

/**
 * What native TensorFlow this checkout has, found without loading it or TensorFlow.js (for `doctor`, backend notes
 * and the CLI); `loadedNative()` says what a process actually loaded.
 */
export interface NativeStatus {
  /** The install `setup native` made active, if any. */
  setup?: { dir: string } & Pick<NativeManifest, 'variant' | 'tensorflow' | 'tfjsNode' | 'builtAt' | 'smoke'>;
  /** Stock packages installed with their own binding in place. */
  stock: string[];
  /** Whether the tfjs-node package (the JS that drives the binding) is in node_modules. */
  tfjsNodePackage: boolean;
  gpu: { visible: boolean; why: string };
  /** One line: what the engine would load, or how to get it. */
  summary: string;
}

export function nativeStatus(): NativeStatus {
  const install = activeInstall();
  const stock = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].filter(hasStockBinding);
  const tfjsNodePackage = installedPackageDir('@tensorflow/tfjs-node') !== undefined;
  const gpu = gpuVisibility();
  const setup = install && {
    dir: install.dir,
    variant: install.manifest.variant,
    tensorflow: install.manifest.tensorflow,
    tfjsNode: install.manifest.tfjsNode,
    builtAt: install.manifest.builtAt,
    smoke: install.manifest.smoke,
  };
  let summary: string;
  if (setup && !tfjsNodePackage) {
    summary = `setup native built TensorFlow ${setup.tensorflow} (${setup.variant}) but @tensorflow/tfjs-node is missing: run \`npm ci\``;
  } else if (setup) {
    const gpuNote =
      setup.variant === 'gpu'
        ? gpu.visible
          ? ', GPU visible'
          : `, no GPU visible (${gpu.why}): runs on the CPU`
        : gpu.visible
          ? '; a GPU is visible: `proxysweep setup native --gpu` builds the CUDA 12 variant'
          : '';
    summary = `TensorFlow ${setup.tensorflow} via setup native (${setup.variant} build in ${setup.dir}${gpuNote})`;
  } else if (stock.length) {
    summary = `stock ${stock[0]} (libtensorflow from its own install script)`;
  } else {
    summary = `native TensorFlow is not set up: \`proxysweep setup native\`${gpu.visible ? ' --gpu' : ''} builds it (wasm is used meanwhile)`;
  }
  return { setup, stock, tfjsNodePackage, gpu, summary };
}

/** node-pre-gyp's layout for Node 20 (N-API 8); the stock install script puts the binding there. */
function hasStockBinding(pkg: string): boolean {
  const dir = installedPackageDir(pkg);
  return dir !== undefined && existsSync(join(dir, 'lib', 'napi-v8', 'tfjs_binding.node'));
}
