import { tf } from './tf';
import { UserError } from '../errors';
import { registerCpuKernels, registerWasmKernels } from './kernels';

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
 * Picks and initializes the fastest backend that works, in the order tensorflow-gpu (when
 * `@tensorflow/tfjs-node-gpu` is installed and a GPU is visible), tensorflow (`@tensorflow/tfjs-node`), wasm,
 * cpu. `preference` (or PROXYSWEEP_BACKEND) forces one and fails with a UserError if it is unavailable.
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

/** How to get `name` on this node, for error messages and `doctor`. */
export function installHint(name: BackendName): string {
  switch (name) {
    case 'tensorflow-gpu':
      return 'on a GPU node run `npm install @tensorflow/tfjs-node-gpu@4.22.0` (needs CUDA 11.x + cuDNN 8.x, see README)';
    case 'tensorflow':
      return 'run `npm install @tensorflow/tfjs-node@4.22.0` (downloads libtensorflow from Google)';
    default:
      return 'use --backend auto';
  }
}

/** Returns true when `name` is now the active backend, else why not. */
async function tryBackend(name: BackendName): Promise<true | string> {
  try {
    switch (name) {
      case 'tensorflow-gpu': {
        if (!loadOptional('@tensorflow/tfjs-node-gpu')) return 'package @tensorflow/tfjs-node-gpu not installed';
        if (!(await tf.setBackend('tensorflow'))) return 'libtensorflow failed to initialize';
        // A missing CUDA/cuDNN only warns and silently runs on the CPU: check for a device.
        const usingGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice;
        return usingGpu ? true : 'no GPU visible to libtensorflow (check CUDA 11 / cuDNN 8 and CUDA_VISIBLE_DEVICES)';
      }
      case 'tensorflow':
        if (!loadOptional('@tensorflow/tfjs-node') && !loadOptional('@tensorflow/tfjs-node-gpu')) {
          return 'package @tensorflow/tfjs-node not installed';
        }
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

function loadOptional(pkg: string): boolean {
  try {
    // Native backends are optional dependencies: a plain require, resolved at run time.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(pkg);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes(pkg))
      return false;
    throw err;
  }
}
