import { SpecError } from '../errors';
import { ProxyLeakyReLU } from './proxy-leaky-relu-layer';
import type { ProxySlopes } from './proxy-leaky-relu';

/** How a model's rectifiers behave: `relu` (slope 0 both passes), `leaky` (one slope), `proxy` (ProxyGrad). */
export type ActivationMode = 'relu' | 'leaky' | 'proxy';

export interface ActivationConfig {
  mode: ActivationMode;
  /** Forward negative slope. relu: must be 0 if given; leaky: default 0.01; proxy: default 0. */
  forwardSlope?: number;
  /** Backward negative slope. leaky: must equal forwardSlope if given; proxy: required. */
  backwardSlope?: number;
}

export const DEFAULT_LEAKY_SLOPE = 0.01;

/** Resolves a mode and optional slopes to the concrete pair every rectifier layer gets; throws SpecError. */
export function resolveSlopes(activation: ActivationConfig): ProxySlopes {
  const { mode, forwardSlope, backwardSlope } = activation;
  const finite = (v: number | undefined, field: string) => {
    if (v !== undefined && !Number.isFinite(v))
      throw new SpecError(`activation.${field} must be a finite number, got ${v}`, `activation.${field}`);
  };
  finite(forwardSlope, 'forwardSlope');
  finite(backwardSlope, 'backwardSlope');
  switch (mode) {
    case 'relu':
      if ((forwardSlope ?? 0) !== 0 || (backwardSlope ?? 0) !== 0) {
        throw new SpecError(
          'activation mode "relu" has slope 0 in both passes; use mode "leaky" or "proxy" for other slopes',
          'activation',
        );
      }
      return { forward: 0, backward: 0 };
    case 'leaky': {
      const slope = forwardSlope ?? backwardSlope ?? DEFAULT_LEAKY_SLOPE;
      if (backwardSlope !== undefined && backwardSlope !== slope) {
        throw new SpecError(
          'activation mode "leaky" uses one slope in both passes; use mode "proxy" for different slopes',
          'activation.backwardSlope',
        );
      }
      return { forward: slope, backward: slope };
    }
    case 'proxy':
      if (backwardSlope === undefined) {
        throw new SpecError('activation mode "proxy" needs a backwardSlope (e.g. 0.3)', 'activation.backwardSlope');
      }
      return { forward: forwardSlope ?? 0, backward: backwardSlope };
    default:
      throw new SpecError(
        `activation.mode must be one of relu, leaky, proxy; got "${String(mode)}"`,
        'activation.mode',
      );
  }
}

/** A rectifier layer for the resolved slopes. Always a ProxyLeakyReLU so AM can change any model's proxy slope. */
export function rectifier(slopes: ProxySlopes, name?: string): ProxyLeakyReLU {
  return new ProxyLeakyReLU({ forwardSlope: slopes.forward, backwardSlope: slopes.backward, name });
}
