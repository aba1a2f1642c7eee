import { tf, type Tensor } from './tf';
import { proxyLeakyRelu } from './proxy-leaky-relu';

export interface ProxyLeakyReLUArgs {
  /** Negative slope of the forward pass (the function the network computes). Default 0: a ReLU. */
  forwardSlope?: number;
  /** Negative slope used for gradients (the "proxy" network). Default: equal to forwardSlope. */
  backwardSlope?: number;
  name?: string;
  trainable?: boolean;
}

type LayerConfig = ConstructorParameters<typeof tf.layers.Layer>[0];

/**
 * A Leaky ReLU whose backward slope may differ from its forward slope (ProxyGrad). Serializable
 * (registered as `ProxyLeakyReLU`); `backwardSlope` is mutable so AM can switch the proxy in place.
 */
export class ProxyLeakyReLU extends tf.layers.Layer {
  static readonly className = 'ProxyLeakyReLU';
  readonly forwardSlope: number;
  backwardSlope: number;

  constructor(args: ProxyLeakyReLUArgs = {}) {
    super(args as LayerConfig);
    this.forwardSlope = args.forwardSlope ?? 0;
    this.backwardSlope = args.backwardSlope ?? this.forwardSlope;
    this.supportsMasking = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return proxyLeakyRelu(x, { forward: this.forwardSlope, backward: this.backwardSlope });
  }

  override computeOutputShape(inputShape: ReturnType<tf.layers.Layer['computeOutputShape']>) {
    return inputShape;
  }

  override getConfig() {
    return { ...super.getConfig(), forwardSlope: this.forwardSlope, backwardSlope: this.backwardSlope };
  }
}
tf.serialization.registerClass(ProxyLeakyReLU);

/** Every ProxyLeakyReLU layer of `model`, in layer order (nested models included). */
export function proxyLayers(model: tf.LayersModel): ProxyLeakyReLU[] {
  const found: ProxyLeakyReLU[] = [];
  const visit = (layers: tf.layers.Layer[]) => {
    for (const layer of layers) {
      if (layer instanceof ProxyLeakyReLU) found.push(layer);
      else if (layer instanceof tf.LayersModel) visit(layer.layers);
    }
  };
  visit(model.layers);
  return found;
}

/** Sets the backward slope of every ProxyLeakyReLU in `model`, in place. Returns how many layers changed. */
export function setBackwardSlope(model: tf.LayersModel, slope: number): number {
  if (!Number.isFinite(slope)) throw new RangeError(`setBackwardSlope: slope must be a finite number, got ${slope}`);
  const layers = proxyLayers(model);
  for (const layer of layers) layer.backwardSlope = slope;
  return layers.length;
}

/** The backward slope of each ProxyLeakyReLU, to restore later with {@link restoreBackwardSlopes}. */
export function getBackwardSlopes(model: tf.LayersModel): number[] {
  return proxyLayers(model).map((l) => l.backwardSlope);
}

export function restoreBackwardSlopes(model: tf.LayersModel, slopes: number[]): void {
  proxyLayers(model).forEach((layer, i) => (layer.backwardSlope = slopes[i]));
}
