import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tf } from '../tf';
import { Rng } from '../rng';
import { proxyLeakyRelu } from '../proxy-leaky-relu';
import { registerCpuKernels, registerTensorflowKernels } from '../kernels';
import { loadNative } from './load';
import type { SmokeReport } from './layout';

/**
 * Largest |native − cpu| accepted, relative to the largest |cpu| value. On CPU libtensorflow's conv matches tfjs' cpu
 * backend to float32 round-off (measured: forward bit-exact, gradients within ~3e-7 relative). On a GPU, TensorFlow
 * computes float32 convolutions in TF32 (10-bit mantissa) on Ampere and newer, hence the wider bound there.
 */
export const SMOKE_TOLERANCE = { cpu: 1e-5, gpu: 5e-3 };

interface ConvResult {
  value: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
}

/** A 3×3 conv, ProxyGrad's rectifier (slopes 0 / 0.3, on customGrad) and its gradients, on the active backend. */
function convAndGradients(): ConvResult {
  const rng = new Rng(7);
  const fill = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
  const [xs, ws, rs] = [fill(2 * 9 * 9 * 3), fill(3 * 3 * 3 * 4), fill(2 * 9 * 9 * 4)];
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, [2, 9, 9, 3]);
    const w = tf.tensor4d(ws, [3, 3, 3, 4]);
    const r = tf.tensor4d(rs, [2, 9, 9, 4]);
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(
        tf.mul(
          proxyLeakyRelu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), { forward: 0, backward: 0.3 }),
          r,
        ),
      );
    const [dx, dw] = tf.grads(f)([x, w]);
    return {
      value: tf.conv2d(x, w, 1, 'same').dataSync() as Float32Array,
      dx: dx.dataSync() as Float32Array,
      dw: dw.dataSync() as Float32Array,
    };
  });
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

/**
 * Checks the native backend loaded in this process: it initializes as 'tensorflow', and a conv with ProxyGrad's
 * rectifier gives the cpu backend's value and gradients within {@link SMOKE_TOLERANCE}. Throws on a mismatch.
 */
export async function nativeSmokeCheck(binding?: string): Promise<SmokeReport> {
  const native = loadNative({ binding });
  registerTensorflowKernels(); // the gradient kernel workers use
  if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend did not initialize');
  const gpuDevice = Boolean((tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice);
  const onNative = convAndGradients();
  registerCpuKernels();
  await tf.setBackend('cpu');
  const onCpu = convAndGradients();
  await tf.setBackend('tensorflow');
  const maxDiff = {
    value: maxRelDiff(onNative.value, onCpu.value),
    dx: maxRelDiff(onNative.dx, onCpu.dx),
    dw: maxRelDiff(onNative.dw, onCpu.dw),
  };
  const tolerance = gpuDevice ? SMOKE_TOLERANCE.gpu : SMOKE_TOLERANCE.cpu;
  const worst = Math.max(maxDiff.value, maxDiff.dx, maxDiff.dw);
  if (!(worst <= tolerance)) {
    throw new Error(
      `native conv/gradients differ from the cpu backend by ${worst.toExponential(2)} (relative; allowed ${tolerance})`,
    );
  }
  return { backend: tf.getBackend(), tfVersion: native.tfVersion, gpuDevice, maxDiff };
}

/**
 * Runs {@link nativeSmokeCheck} on `binding` in a fresh Node process, so that loading a broken build (or its
 * libtensorflow) cannot take the caller down, and so the caller's own process stays free to load the final install.
 */
export function runSmokeCheck(binding: string, env: NodeJS.ProcessEnv = process.env): SmokeReport {
  const r = spawnSync(process.execPath, [join(__dirname, 'smoke-child.js'), binding], {
    encoding: 'utf8',
    env,
    timeout: 300_000,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let parsed: { ok?: SmokeReport; error?: string } = {};
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    // no result line: the process died (e.g. a library failed to load); stderr says why
  }
  if (parsed.ok) return parsed.ok;
  const why =
    parsed.error ?? (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(-3).join(' | ');
  throw new Error(`the native backend's smoke test failed: ${why}`);
}
