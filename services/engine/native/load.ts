import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { activeInstall, bindingFile, installedPackageDir, type NativeManifest } from './layout';
import type { NativeVariant } from './versions';
import { tf } from '../tf';

/** A loaded native TensorFlow: which package's JS, which binding file, which libtensorflow. */
export interface NativeLoad {
  /** 'setup': built by `proxysweep setup native` on PyPI's TensorFlow; 'stock': the package's own install. */
  source: 'setup' | 'stock';
  package: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';
  binding: string;
  /** The libtensorflow version the binding reports. */
  tfVersion: string;
  /** For 'setup' builds: CPU-only (`tensorflow-cpu`) or CUDA 12 (`tensorflow` + nvidia wheels). */
  variant?: NativeVariant;
}

type PreGyp = { find: (packageJson: string, opts?: unknown) => string };

let loaded: NativeLoad | Error | undefined;

/**
 * Loads native TensorFlow into this process once (libtensorflow cannot be unloaded, and both packages register the
 * same 'tensorflow' backend): `binding` if given (the smoke test of a staged build), else the install that `setup
 * native` made active, else a stock `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node` whose own install
 * script put a binding in place. Throws an Error whose first line says what is missing and how to fix it.
 * Requiring tfjs-node makes 'tensorflow' the active backend as a side effect; callers set the one they want.
 */
export function loadNative(opts: { binding?: string } = {}): NativeLoad {
  if (loaded === undefined) {
    try {
      loaded = load(opts.binding);
    } catch (err) {
      loaded = err instanceof Error ? err : new Error(String(err));
    }
  }
  if (loaded instanceof Error) throw loaded;
  return loaded;
}

/** The result of an earlier {@link loadNative} in this process, if any. */
export function loadedNative(): NativeLoad | undefined {
  return loaded instanceof Error ? undefined : loaded;
}

function load(stagedBinding: string | undefined): NativeLoad {
  quietTensorflowLogs();
  if (stagedBinding) return loadWithBinding(stagedBinding, undefined);
  const install = activeInstall();
  if (install) return loadWithBinding(bindingFile(install.dir), install.manifest);
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const) {
    const dir = installedPackageDir(pkg);
    if (!dir) continue;
    const binding = preGyp(dir).find(join(dir, 'package.json'));
    if (!existsSync(binding)) continue; // installed without its script (the usual case for tfjs-node): not usable
    requireNode(pkg);
    return { source: 'stock', package: pkg, binding, tfVersion: tfVersion() };
  }
  throw new Error(
    'native TensorFlow is not set up: run `proxysweep setup native` (or `npm run setup:native`; `--gpu` on GPU nodes)',
  );
}

/** tfjs-node's JS with our binding: its loader asks node-pre-gyp where the binding is, so we answer for it. */
function loadWithBinding(binding: string, manifest: NativeManifest | undefined): NativeLoad {
  const dir = installedPackageDir('@tensorflow/tfjs-node');
  if (!dir) {
    throw new Error(
      '@tensorflow/tfjs-node is not in node_modules (an npm older than 11.16 runs its install script, which needs ' +
        "Google's storage, and drops it): run `npm install --no-save --ignore-scripts @tensorflow/tfjs-node@4.22.0`",
    );
  }
  const finder = preGyp(dir);
  const original = finder.find;
  const ownPackageJson = join(dir, 'package.json');
  finder.find = (packageJson, o) => (resolve(packageJson) === ownPackageJson ? binding : original(packageJson, o));
  try {
    requireNode('@tensorflow/tfjs-node');
  } finally {
    finder.find = original;
  }
  return {
    source: 'setup',
    package: '@tensorflow/tfjs-node',
    binding,
    tfVersion: tfVersion(),
    variant: manifest?.variant,
  };
}

/**
 * node-pre-gyp's `find`, from the copy tfjs-node itself resolves. Its package exports `find` through a getter that
 * reads `lib/pre-binding.js` (pinned by tfjs-node 4.22.0 to node-pre-gyp 1.0.9), so that module is the one to patch.
 */
function preGyp(packageDirectory: string): PreGyp {
  const main = require.resolve('@mapbox/node-pre-gyp', { paths: [packageDirectory] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(dirname(main), 'pre-binding.js')) as PreGyp;
}

function requireNode(pkg: string): void {
  // Optional native packages, resolved at run time (never bundled, absent on most machines).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(pkg);
}

/** The version libtensorflow reports (tfjs-node has just made its backend the active one). */
function tfVersion(): string {
  return (tf.backend() as { binding?: { TF_Version?: string } }).binding?.TF_Version ?? 'unknown';
}

/** libtensorflow logs INFO lines (oneDNN, CPU features) to stderr at load; keep warnings and errors. */
function quietTensorflowLogs(): void {
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '1';
}
