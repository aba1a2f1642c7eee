import { existsSync, readdirSync } from 'node:fs';

/**
 * Whether this process can see an NVIDIA GPU, without loading any CUDA library: the driver's device files or its
 * /proc entries, minus what CUDA_VISIBLE_DEVICES hides. Used to tell "no GPU here" apart from "GPU here but
 * libtensorflow could not use it" (the second is an error worth a fix, the first is not).
 */
export function gpuVisibility(): { visible: boolean; why: string } {
  const mask = process.env.CUDA_VISIBLE_DEVICES;
  if (mask !== undefined && (mask.trim() === '' || mask.trim() === '-1')) {
    return { visible: false, why: `CUDA_VISIBLE_DEVICES="${mask}" hides every GPU` };
  }
  let gpus: string[] = [];
  try {
    gpus = readdirSync('/proc/driver/nvidia/gpus');
  } catch {
    // no NVIDIA kernel driver loaded (or not Linux)
  }
  if (gpus.length > 0) return { visible: true, why: `${gpus.length} NVIDIA GPU(s) in /proc/driver/nvidia/gpus` };
  if (existsSync('/dev/nvidia0')) return { visible: true, why: '/dev/nvidia0 exists' };
  return { visible: false, why: 'no NVIDIA driver or device (/proc/driver/nvidia/gpus, /dev/nvidia0)' };
}
