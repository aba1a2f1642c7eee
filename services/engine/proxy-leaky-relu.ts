import { tf, type Tensor } from './tf';
import { LEAKY_RELU_GRAD } from './kernels/leaky-relu-grad-tensorflow';

import type { ProxySlopes } from './slopes';

export type { ProxySlopes } from './slopes';

/**
 * ProxyGrad's rectifier: the forward value of a Leaky ReLU with slope `forward` and the gradient of a Leaky
 * ReLU with slope `backward` (dy/dx = 1 for x > 0, `backward` otherwise). Equal slopes are a plain Leaky
 * ReLU (and `{0, 0}` a ReLU) with tfjs' own gradient.
 */
export function proxyLeakyRelu<T extends Tensor>(x: T, slopes: ProxySlopes): T {
  const { forward, backward } = slopes;
  if (!Number.isFinite(forward) || !Number.isFinite(backward)) {
    throw new RangeError(`proxyLeakyRelu: slopes must be finite numbers, got forward=${forward}, backward=${backward}`);
  }
  if (forward === backward) return forward === 0 ? tf.relu(x) : tf.leakyRelu(x, forward);
  return proxyFn(forward, backward)(x) as T;
}

/**
 * dy · leakyRelu'(x, alpha): one native op where the backend registers it (libtensorflow's LeakyReluGrad), else
 * dy · step(x, alpha), step being 1 where x > 0 and alpha elsewhere. Both give the same values.
 */
function leakyReluGrad(dy: Tensor, x: Tensor, alpha: number): Tensor {
  if (tf.getKernel(LEAKY_RELU_GRAD, tf.getBackend())) {
    return tf.engine().runKernel(LEAKY_RELU_GRAD, { dy, x }, { alpha }) as Tensor;
  }
  return tf.mul(dy, tf.step(x, alpha));
}

// customGrad needs Tensor arguments only, so the slopes are closed over; one function per slope pair is cached
// because layers call this on every step and slopes take few distinct values.
const proxyFns = new Map<string, (x: Tensor) => Tensor>();

function proxyFn(forward: number, backward: number): (x: Tensor) => Tensor {
  const key = `${forward}/${backward}`;
  let fn = proxyFns.get(key);
  if (!fn) {
    // tfjs types the arguments as (Tensor | save)[]; at runtime they are (x, save).
    fn = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
      const [input, save] = args as [Tensor, tf.GradSaveFunc];
      save([input]);
      return {
        value: forward === 0 ? tf.relu(input) : tf.leakyRelu(input, forward),
        gradFunc: (dy, saved) => leakyReluGrad(dy as Tensor, saved[0], backward),
      };
    }) as unknown as (x: Tensor) => Tensor;
    proxyFns.set(key, fn);
  }
  return fn;
}
