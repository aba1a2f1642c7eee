import { chmodSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../errors';
import { compileBinding } from './compile';
import { gpuVisibility } from './gpu';
import {
  activeFile,
  bindingFile,
  manifestFile,
  nativeRoot,
  readInstall,
  variantDir,
  wheelCacheDir,
  type NativeManifest,
  type SmokeReport,
} from './layout';
import { preflight } from './preflight';
import { runSmokeCheck } from './smoke';
import { extractWheel, fetchWheels } from './wheels';
import { NAPI_VERSION, TENSORFLOW_VERSION, TFJS_NODE_VERSION, WHEELS, type NativeVariant } from './versions';

export interface SetupNativeOptions {
  /** CUDA 12 build (`tensorflow` + NVIDIA's wheels) instead of the CPU-only `tensorflow-cpu`. */
  gpu?: boolean;
  /** Rebuild even if a matching install passes its smoke test. */
  force?: boolean;
  log?: (msg: string) => void;
}

export interface SetupNativeResult {
  variant: NativeVariant;
  action: 'installed' | 'already-installed';
  dir: string;
  tensorflow: string;
  tfjsNode: string;
  /** Bytes pip downloaded (0 when the wheels were cached). */
  downloadedBytes: number;
  /** Wall time of each step, seconds. */
  seconds: { preflight: number; download: number; unpack: number; compile: number; smoke: number; total: number };
  smoke: SmokeReport;
  gpu: { visible: boolean; why: string };
}

const pins = (variant: NativeVariant) => WHEELS[variant].map((w) => `${w.name}==${w.version}`);

function matchesPins(m: NativeManifest, variant: NativeVariant): boolean {
  return (
    m.variant === variant &&
    m.tensorflow === TENSORFLOW_VERSION &&
    m.tfjsNode === TFJS_NODE_VERSION &&
    m.napi === NAPI_VERSION &&
    JSON.stringify(m.wheels) === JSON.stringify(pins(variant))
  );
}

/**
 * `proxysweep setup native [--gpu]`: builds tfjs-node's binding on the TensorFlow C library of PyPI's wheels and
 * makes it the native backend of this checkout. Steps: preflight (fails before any download, naming the fix) →
 * pinned wheels into the cache → unpack + compile + smoke test in a staging directory → rename into place →
 * mark active. Idempotent: a matching install that passes its smoke test is kept. A failure at any step leaves
 * the previous install (if any) as it was and no partial directory behind.
 *
 * The result survives `npm ci`: everything built lives under .tools/native/, and npm ci only reinstalls the
 * tfjs-node package's JS (an optional dependency whose install script is not run), which the engine points at
 * this binding when it loads.
 */
export async function setupNative(opts: SetupNativeOptions = {}): Promise<SetupNativeResult> {
  const log = opts.log ?? (() => undefined);
  const variant: NativeVariant = opts.gpu ? 'gpu' : 'cpu';
  const root = nativeRoot();
  const t0 = performance.now();
  const lap = (() => {
    let last = t0;
    return () => {
      const now = performance.now();
      const s = (now - last) / 1000;
      last = now;
      return Math.round(s * 10) / 10;
    };
  })();
  const seconds = { preflight: 0, download: 0, unpack: 0, compile: 0, smoke: 0, total: 0 };
  const gpu = gpuVisibility();
  const tools = preflight(variant, root);
  if (variant === 'gpu' && !gpu.visible) {
    log(`no GPU visible here (${gpu.why}): the CUDA build is checked on the CPU; it uses a GPU where one is visible`);
  }
  seconds.preflight = lap();
  const finalDir = variantDir(variant, root);

  const existing = readInstall(finalDir);
  if (existing && !opts.force && matchesPins(existing.manifest, variant)) {
    try {
      const smoke = checkSmoke(bindingFile(finalDir), variant, gpu);
      seconds.smoke = lap();
      markActive(root, variant);
      log(`native TensorFlow ${TENSORFLOW_VERSION} (${variant}) is already set up in ${finalDir}`);
      return result('already-installed', 0, smoke);
    } catch (err) {
      log(`the existing install failed its smoke test (${(err as Error).message}); rebuilding`);
    }
  }

  const fetched = await fetchWheels(tools.python, WHEELS[variant], wheelCacheDir(root), log);
  seconds.download = lap();
  const stage = mkdtempSync(join(root, `.staging-${variant}-`));
  chmodSync(stage, 0o755); // mkdtemp makes it private; the install is for every user of this checkout
  try {
    log(
      `unpacking the TensorFlow ${TENSORFLOW_VERSION} libraries${variant === 'gpu' ? ' and the CUDA 12 libraries' : ''}`,
    );
    WHEELS[variant].forEach((w, i) => extractWheel(tools.python, fetched.files[i], w.extract, stage));
    seconds.unpack = lap();
    log(`compiling the tfjs-node ${TFJS_NODE_VERSION} binding with ${tools.cxx}`);
    compileBinding({ ...tools, dir: stage, out: bindingFile(stage) });
    rmSync(join(stage, 'tensorflow', 'include'), { recursive: true, force: true }); // build-time only
    seconds.compile = lap();
    log('smoke test: backend, conv + ProxyGrad gradients against the cpu backend');
    const smoke = checkSmoke(bindingFile(stage), variant, gpu);
    seconds.smoke = lap();
    const manifest: NativeManifest = {
      variant,
      tensorflow: TENSORFLOW_VERSION,
      tfjsNode: TFJS_NODE_VERSION,
      napi: NAPI_VERSION,
      wheels: pins(variant),
      builtAt: new Date().toISOString(),
      smoke,
    };
    writeFileSync(manifestFile(stage), `${JSON.stringify(manifest, null, 2)}\n`);
    replaceDir(stage, finalDir);
    markActive(root, variant);
    log(`native TensorFlow ${TENSORFLOW_VERSION} (${variant}) set up in ${finalDir}`);
    return result('installed', fetched.downloaded, smoke);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }

  function result(action: SetupNativeResult['action'], downloadedBytes: number, smoke: SmokeReport): SetupNativeResult {
    seconds.total = Math.round((performance.now() - t0) / 100) / 10;
    return {
      variant,
      action,
      dir: finalDir,
      tensorflow: TENSORFLOW_VERSION,
      tfjsNode: TFJS_NODE_VERSION,
      downloadedBytes,
      seconds,
      smoke,
      gpu,
    };
  }
}

/** Smoke-tests a binding; with --gpu on a machine that shows a GPU, libtensorflow must use it. */
function checkSmoke(binding: string, variant: NativeVariant, gpu: { visible: boolean; why: string }): SmokeReport {
  const smoke = runSmokeCheck(binding);
  if (variant === 'gpu' && gpu.visible && !smoke.gpuDevice) {
    throw new UserError(
      `a GPU is visible (${gpu.why}) but libtensorflow did not use it: check the NVIDIA driver (CUDA 12 needs ≥ 525.60; \`nvidia-smi\`) and CUDA_VISIBLE_DEVICES`,
    );
  }
  return smoke;
}

/** Puts `stage` at `dir`; an install already there is moved aside first and restored if the swap fails. */
function replaceDir(stage: string, dir: string): void {
  const old = `${dir}.old-${process.pid}`;
  const hadOld = existsSync(dir);
  if (hadOld) renameSync(dir, old);
  try {
    renameSync(stage, dir);
  } catch (err) {
    if (hadOld) renameSync(old, dir);
    throw err;
  }
  if (hadOld) rmSync(old, { recursive: true, force: true });
}

function markActive(root: string, variant: NativeVariant): void {
  const tmp = `${activeFile(root)}.${process.pid}`;
  writeFileSync(tmp, `${variant}\n`);
  renameSync(tmp, activeFile(root));
}
