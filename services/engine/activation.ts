import { ProxyLeakyReLU } from './proxy-leaky-relu-layer';
import type { ProxySlopes } from './slopes';

export { resolveSlopes, DEFAULT_LEAKY_SLOPE, type ActivationConfig, type ActivationMode } from './slopes';

/** A rectifier layer for the resolved slopes. Always a ProxyLeakyReLU so AM can change any model's proxy slope. */
export function rectifier(slopes: ProxySlopes, name?: string): ProxyLeakyReLU {
  return new ProxyLeakyReLU({ forwardSlope: slopes.forward, backwardSlope: slopes.backward, name });
}
