import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { installHint } from '../engine/backend';
import { variantDir } from '../engine/native/layout';
import { fail, pass, warn, type CheckResult } from './check';

/** The libraries a GPU build of libtensorflow opens, and what each one tells about the CUDA userland. */
const LIBRARIES = {
  driver: 'libcuda.so',
  cudart: 'libcudart.so',
  cudnn: 'libcudnn.so',
  cublas: 'libcublas.so',
} as const;
export type CudaLibrary = keyof typeof LIBRARIES;

export interface FoundLibrary {
  /** File name, e.g. libcudart.so.12.5.82 or libcudnn.so.9. */
  file: string;
  dir: string;
  /** The version its name carries (soname or full), e.g. "12.5.82", "9". */
  version: string;
}

export type CudaLibraries = Record<CudaLibrary, FoundLibrary[]>;

/**
 * Directories a CUDA library may come from: LD_LIBRARY_PATH, the linker cache's directories, the usual CUDA
 * and distribution paths, and the CUDA 12 wheels that `proxysweep setup native --gpu` unpacks beside
 * libtensorflow (`.tools/native/gpu/nvidia/<package>/lib`, or under PROXYSWEEP_NATIVE_DIR; found through
 * libtensorflow's rpath).
 */
export function cudaLibraryDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [
    ...(env.LD_LIBRARY_PATH ?? '').split(':'),
    ...linkerCacheDirs(),
    '/usr/local/cuda/lib64',
    '/usr/local/nvidia/lib64',
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib64',
    ...nativeWheelDirs(),
  ];
  return [...new Set(dirs.filter((d) => d !== '' && existsSync(d)))];
}

function nativeWheelDirs(): string[] {
  const root = join(variantDir('gpu'), 'nvidia');
  try {
    return readdirSync(root).map((pkg) => join(root, pkg, 'lib'));
  } catch {
    return [];
  }
}

function linkerCacheDirs(): string[] {
  const r = spawnSync('ldconfig', ['-p'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) return [];
  const dirs = new Set<string>();
  for (const m of r.stdout.matchAll(/=> (\S+)\/lib[^/\s]*\.so[^/\s]*$/gm)) dirs.add(m[1]);
  return [...dirs];
}

/** Every versioned CUDA library in `dirs` (libfoo.so.N[.M…]; the unversioned dev symlink says nothing). */
export function findCudaLibraries(dirs: string[]): CudaLibraries {
  const found: CudaLibraries = { driver: [], cudart: [], cudnn: [], cublas: [] };
  for (const dir of dirs) {
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch {
      continue;
    }
    for (const [key, base] of Object.entries(LIBRARIES) as [CudaLibrary, string][]) {
      for (const file of files) {
        if (!file.startsWith(`${base}.`)) continue;
        const version = file.slice(base.length + 1);
        if (/^\d+(\.\d+)*$/.test(version)) found[key].push({ file, dir, version });
      }
    }
  }
  return found;
}

/** The CUDA and cuDNN major versions a library list offers, newest first, e.g. ["12", "11"]. */
export function majors(libs: FoundLibrary[]): string[] {
  return [...new Set(libs.map((l) => l.version.split('.')[0]))].sort((a, b) => Number(b) - Number(a));
}

/**
 * `cuda`: which CUDA runtime and cuDNN this node offers. Stock @tensorflow/tfjs-node-gpu 4.22 needs CUDA 11 and
 * cuDNN 8; the `setup native --gpu` build brings CUDA 12 and cuDNN 9 with it. Without a GPU it does not apply.
 */
export function checkCudaLibraries(
  libs: CudaLibraries,
  context: { gpuVisible: boolean; gpuBackendWorks: boolean },
): CheckResult {
  const cuda = majors(libs.cudart);
  const cudnn = majors(libs.cudnn);
  const data = {
    cuda,
    cudnn,
    driverLibrary: libs.driver.length > 0,
    files: Object.fromEntries(Object.entries(libs).map(([k, v]) => [k, v.map((l) => join(l.dir, l.file))])),
  };
  const found = `CUDA runtime ${cuda.join(', ') || 'none'}, cuDNN ${cudnn.join(', ') || 'none'}${libs.driver.length ? ', driver library libcuda' : ''}`;
  if (!context.gpuVisible) {
    return warn('cuda', `${found}; no GPU visible, so CUDA does not apply on this node`, undefined, data);
  }
  if (context.gpuBackendWorks) return pass('cuda', `${found} (libtensorflow runs on the GPU)`, data);
  if (libs.driver.length === 0) {
    return fail(
      'cuda',
      `${found}: the driver library libcuda.so.1 is missing`,
      'install the NVIDIA driver on the host; in a container use the NVIDIA container toolkit (`--gpus all`, NVIDIA_DRIVER_CAPABILITIES=compute,utility)',
      data,
    );
  }
  return fail(
    'cuda',
    `${found}: libtensorflow does not run on the GPU`,
    cuda.includes('11') && cudnn.includes('8')
      ? 'the CUDA 11 userland is there: check the backend line for why the GPU backend did not load'
      : installHint('tensorflow-gpu'),
    data,
  );
}
