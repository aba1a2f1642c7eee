import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../paths';
import type { NativeVariant } from './versions';

/**
 * Where `setup native` keeps its work, under the project's tool dir (which `npm ci` never touches):
 *
 *   .tools/native/wheels/            the pinned wheels as pip fetched them (a download cache)
 *   .tools/native/<cpu|gpu>/         one finished install: tensorflow/*.so.2 (+ nvidia/<pkg>/lib for gpu, side by
 *                                    side as the wheels' rpaths expect), tfjs_binding.node, manifest.json
 *   .tools/native/active             which variant the engine loads
 *
 * An install directory appears only complete (built and smoke-tested in a staging directory, then renamed).
 */
export function nativeRoot(): string {
  return process.env.PROXYSWEEP_NATIVE_DIR ?? join(packageRoot(), '.tools', 'native');
}

export const wheelCacheDir = (root = nativeRoot()) => join(root, 'wheels');
export const variantDir = (variant: NativeVariant, root = nativeRoot()) => join(root, variant);
export const activeFile = (root = nativeRoot()) => join(root, 'active');
export const bindingFile = (dir: string) => join(dir, 'tfjs_binding.node');
export const manifestFile = (dir: string) => join(dir, 'manifest.json');

/** What a finished install records about itself. */
export interface NativeManifest {
  variant: NativeVariant;
  tensorflow: string;
  tfjsNode: string;
  napi: number;
  /** The wheels it was built from, `name==version`. */
  wheels: string[];
  builtAt: string;
  /** The smoke test's figures (max differences against the cpu backend). */
  smoke: SmokeReport;
}

export interface SmokeReport {
  backend: string;
  tfVersion: string;
  gpuDevice: boolean;
  /** Max |native - cpu| of the conv forward value and of the gradients w.r.t. input and filter. */
  maxDiff: { value: number; dx: number; dw: number };
}

/** The install the engine should load: the one `active` names, if it is complete. */
export function activeInstall(root = nativeRoot()): { dir: string; manifest: NativeManifest } | undefined {
  let variant: string;
  try {
    variant = readFileSync(activeFile(root), 'utf8').trim();
  } catch {
    return undefined;
  }
  if (variant !== 'cpu' && variant !== 'gpu') return undefined;
  return readInstall(variantDir(variant, root));
}

export function readInstall(dir: string): { dir: string; manifest: NativeManifest } | undefined {
  if (!existsSync(bindingFile(dir))) return undefined;
  try {
    return { dir, manifest: JSON.parse(readFileSync(manifestFile(dir), 'utf8')) as NativeManifest };
  } catch {
    return undefined;
  }
}

/** Directory of an installed npm package, if it resolves from here. */
export function installedPackageDir(pkg: string): string | undefined {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return undefined;
  }
}
