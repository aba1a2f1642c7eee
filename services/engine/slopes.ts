import { SpecError } from '../errors';

/** Negative slopes of a rectifier: `forward` shapes the value, `backward` shapes the gradient. */
export interface ProxySlopes {
  forward: number;
  backward: number;
}

/**
 * The three arms of the training comparison: `relu` (slope 0 in both passes), `leaky` (one slope in both
 * passes), `proxy` (ProxyGrad: forward slope, usually 0, and a different backward slope).
 */
export type ActivationMode = 'relu' | 'leaky' | 'proxy';

export interface ActivationConfig {
  mode: ActivationMode;
  /** Forward negative slope. relu: must be 0 if given; leaky: the slope when no backwardSlope is given; proxy: default 0. */
  forwardSlope?: number;
  /** Backward negative slope. leaky: the slope of both passes (default 0.01); proxy: required. */
  backwardSlope?: number;
}

export const DEFAULT_LEAKY_SLOPE = 0.01;

/**
 * Resolves a mode and optional slopes to the concrete pair every rectifier layer gets; throws SpecError for
 * a combination that cannot mean what it says. Pure (no TensorFlow.js): the spec layer uses it too.
 */
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
      const slope = backwardSlope ?? forwardSlope ?? DEFAULT_LEAKY_SLOPE;
      if (forwardSlope !== undefined && forwardSlope !== slope) {
        throw new SpecError(
          `activation mode "leaky" uses one slope in both passes (got forward ${forwardSlope}, backward ${slope}); use mode "proxy" for different slopes`,
          'activation.forwardSlope',
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
