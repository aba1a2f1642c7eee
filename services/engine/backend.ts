import { tf } from './tf';
import { UserError } from '../errors';
import { registerCpuKernels, registerTensorflowKernels, registerWasmKernels } from './kernels';
import { gpuVisibility } from './native/gpu';
import { loadNative } from './native/load';
import { nativeStatus, type NativeStatus } from './native/status';

/** The compute backends the engine can run on, fastest first. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKENDS: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendInfo {
  /** What runs the kernels: libtensorflow on a GPU, libtensorflow on CPU, wasm (SIMD), or pure JS. */
  name: BackendName;
  /** tfjs' own backend id ('tensorflow', 'wasm', 'cpu'). */
  tfBackend: string;
  /** Why this one was chosen, or why faster ones were skipped. */
  notes: string[];
}

let current: BackendInfo | undefined;

/** The backend chosen by {@link initBackend}, if it ran. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

/**
 * Picks and initializes the fastest backend that works, in the order tensorflow-gpu (native TensorFlow with a GPU
 * it can use), tensorflow (native TensorFlow on the CPU), wasm, cpu. Native TensorFlow is the build of `proxysweep
 * setup native [--gpu]` when there is one, else a stock `@tensorflow/tfjs-node-gpu` / `@tensorflow/tfjs-node`. `preference` (or PROXYSWEEP_BACKEND) forces one and fails with a UserError if it is unavailable.
 * Idempotent: later calls return the first choice unless a different backend is forced.
 */
export async function initBackend(preference: BackendName | 'auto' = envPreference()): Promise<BackendInfo> {
  if (current && (preference === 'auto' || preference === current.name)) return current;
  if (preference !== 'auto' && !BACKENDS.includes(preference)) {
    throw new UserError(`unknown backend "${String(preference)}"; choose one of auto, ${BACKENDS.join(', ')}`);
  }
  const notes: string[] = [];
  const candidates = preference === 'auto' ? BACKENDS : [preference];
  for (const name of candidates) {
    const reason = await tryBackend(name);
    if (reason === true) {
      if (name.startsWith('tensorflow')) notes.push(`${name}: ${nativeStatus().summary}${threadNote()}`);
      current = { name, tfBackend: tf.getBackend(), notes };
      return current;
    }
    notes.push(`${name}: ${reason}`);
    if (preference !== 'auto') {
      throw new UserError(`backend "${name}" is unavailable (${reason}); ${installHint(name)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be initialized: ${notes.join('; ')}`);
}

function envPreference(): BackendName | 'auto' {
  const v = process.env.PROXYSWEEP_BACKEND;
  return v ? (v as BackendName | 'auto') : 'auto';
}

/** Which backend {@link initBackend} would pick and why, plus what native TensorFlow this checkout has (for `doctor`). */
export async function explainBackend(
  preference: BackendName | 'auto' = envPreference(),
): Promise<{ backend: BackendInfo; native: NativeStatus }> {
  const backend = await initBackend(preference);
  return { backend, native: nativeStatus() };
}

function threadNote(): string {
  const intra = process.env.TF_NUM_INTRAOP_THREADS;
  return intra ? `, ${intra} intra-op thread(s)` : '';
}

/** How to get `name` on this node, for error messages and `doctor`. */
export function installHint(name: BackendName): string {
  switch (name) {
    case 'tensorflow-gpu':
      return 'on a GPU node run `proxysweep setup native --gpu` (CUDA 12 from PyPI; see README, "GPU nodes")';
    case 'tensorflow':
      return 'run `proxysweep setup native` (TensorFlow from PyPI, no other download)';
    default:
      return 'use --backend auto';
  }
}

/** Returns true when `name` is now the active backend, else why not. */
async function tryBackend(name: BackendName): Promise<true | string> {
  try {
    switch (name) {
      case 'tensorflow-gpu': {
        const native = loadNative();
        registerTensorflowKernels();
        if (native.variant === 'cpu')
          return 'the native build is CPU-only (`proxysweep setup native --gpu` builds CUDA 12)';
        if (native.source === 'stock' && native.package === '@tensorflow/tfjs-node') {
          return 'stock @tensorflow/tfjs-node is CPU-only';
        }
        if (!(await tf.setBackend('tensorflow'))) return 'libtensorflow failed to initialize';
        // A missing CUDA/cuDNN only warns and silently runs on the CPU: check for a device.
        const usingGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice;
        if (usingGpu) return true;
        const gpu = gpuVisibility();
        const libs = native.source === 'stock' ? 'CUDA 11.2 / cuDNN 8.1' : 'the driver (CUDA 12 needs ≥ 525.60)';
        return gpu.visible
          ? `a GPU is visible (${gpu.why}) but libtensorflow does not use it: check ${libs} and CUDA_VISIBLE_DEVICES`
          : `no GPU visible (${gpu.why})`;
      }
      case 'tensorflow':
        loadNative();
        registerTensorflowKernels();
        return (await tf.setBackend('tensorflow')) ? true : 'libtensorflow failed to initialize';
      case 'wasm':
        registerWasmKernels();
        return (await tf.setBackend('wasm')) ? true : 'wasm backend failed to initialize';
      case 'cpu':
        registerCpuKernels();
        return (await tf.setBackend('cpu')) ? true : 'cpu backend failed to initialize';
    }
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}
