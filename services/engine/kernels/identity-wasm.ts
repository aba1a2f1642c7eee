/**
 * Identity for the wasm backend. The stock kernel copies the tensor; tfjs calls it for every `clone` (customGrad
 * saves its inputs by cloning, so each conv and rectifier clones its activations every step: ~28 copies, 2–3 ms
 * a small-CNN step). Sharing the buffer with a reference count, as the cpu backend and wasm's own Reshape do, is
 * safe because no wasm kernel writes into its inputs.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

type IdentityArgs = { inputs: { x?: TensorInfo }; backend: BackendWasm };

/** Wraps the stock kernel (captured at registration), which still serves strings. */
export function makeIdentityWasmConfig(stock: KernelConfig): KernelConfig {
  const stockFunc = stock.kernelFunc as unknown as (args: IdentityArgs) => TensorInfo;
  const kernelFunc = (args: IdentityArgs): TensorInfo => {
    const { x } = args.inputs;
    if (x === undefined) throw new Error('Identity needs input x');
    if (x.dtype === 'string') return stockFunc(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as KernelFunc };
}
