import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fail, pass, warn, type CheckResult } from './check';

export interface GpuInfo {
  index: number;
  name: string;
  /** Total and used memory in MiB (undefined when only the driver's /proc entry is known). */
  memoryMiB?: number;
  usedMiB?: number;
}

export interface GpuListing {
  gpus: GpuInfo[];
  driver?: string;
  /** Where the list came from, or why it is empty. */
  source: string;
}

/**
 * The NVIDIA GPUs this process may use: `nvidia-smi` (names, memory, driver), else the driver's
 * /proc/driver/nvidia/gpus entries; CUDA_VISIBLE_DEVICES (indices) narrows the list as CUDA would.
 */
export function listGpus(env: NodeJS.ProcessEnv = process.env): GpuListing {
  const listing = fromNvidiaSmi(env) ?? fromProc();
  const mask = env.CUDA_VISIBLE_DEVICES;
  if (mask === undefined) return listing;
  const wanted = mask
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  // CUDA stops at the first entry that is no valid index (e.g. -1): what comes before it is visible.
  const visible: number[] = [];
  for (const w of wanted) {
    if (!/^\d+$/.test(w)) break;
    visible.push(Number(w));
  }
  if (wanted.length > 0 && visible.length === 0 && wanted[0].startsWith('GPU-')) return listing; // UUIDs: keep all
  return {
    ...listing,
    gpus: listing.gpus.filter((g) => visible.includes(g.index)),
    source: `${listing.source}, CUDA_VISIBLE_DEVICES="${mask}"`,
  };
}

function fromNvidiaSmi(env: NodeJS.ProcessEnv): GpuListing | undefined {
  const r = spawnSync(
    'nvidia-smi',
    ['--query-gpu=index,name,memory.total,memory.used,driver_version', '--format=csv,noheader,nounits'],
    // nvidia-smi lists every GPU whatever CUDA_VISIBLE_DEVICES says; listGpus applies the mask.
    { encoding: 'utf8', timeout: 15_000, env },
  );
  if (r.error || r.status !== 0) return undefined;
  return parseNvidiaSmi(r.stdout);
}

/** Parses `nvidia-smi --query-gpu=index,name,memory.total,memory.used,driver_version --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(csv: string): GpuListing {
  const gpus: GpuInfo[] = [];
  let driver: string | undefined;
  for (const line of csv.split('\n')) {
    const f = line.split(',').map((s) => s.trim());
    if (f.length < 5 || !/^\d+$/.test(f[0])) continue;
    gpus.push({ index: Number(f[0]), name: f[1], memoryMiB: num(f[2]), usedMiB: num(f[3]) });
    driver = f[4];
  }
  return { gpus, driver, source: 'nvidia-smi' };
}

function fromProc(): GpuListing {
  try {
    const entries = readdirSync('/proc/driver/nvidia/gpus').sort();
    return {
      gpus: entries.map((_, index) => ({ index, name: 'NVIDIA GPU' })),
      source: 'the NVIDIA driver (/proc/driver/nvidia/gpus; nvidia-smi not found)',
    };
  } catch {
    return { gpus: [], source: 'no NVIDIA driver (neither nvidia-smi nor /proc/driver/nvidia/gpus)' };
  }
}

const num = (s: string) => (/^\d+(\.\d+)?$/.test(s) ? Number(s) : undefined);

/** `gpus`: a warning on a CPU node; a failure where a GPU is expected (a GPU backend or `--gpus` asked for). */
export function checkGpus(listing: GpuListing, expectGpu: boolean): CheckResult {
  const data = { gpus: listing.gpus, driver: listing.driver, source: listing.source };
  if (listing.gpus.length === 0) {
    return expectGpu
      ? fail(
          'gpus',
          `no GPU visible (${listing.source}) but this node is meant to train on one`,
          'check the NVIDIA driver (`nvidia-smi`), the container runtime (`--gpus all`, nvidia.com/gpu limits) and CUDA_VISIBLE_DEVICES',
          data,
        )
      : warn('gpus', `no GPU visible (${listing.source}): does not apply on a CPU node`, undefined, data);
  }
  const names = listing.gpus
    .map((g) => `${g.index}: ${g.name}${g.memoryMiB ? ` ${(g.memoryMiB / 1024).toFixed(0)} GiB` : ''}`)
    .join(', ');
  return pass(
    'gpus',
    `${listing.gpus.length} GPU(s) visible (${names})${listing.driver ? `, driver ${listing.driver}` : ''}`,
    data,
  );
}
