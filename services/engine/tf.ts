/**
 * The single TensorFlow.js namespace used by the engine. Everything (ours and callers') must build tensors
 * on this instance: the union package is what @tensorflow/tfjs-node(-gpu) also extend, so native backends
 * register on the very same engine when installed.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export { tf };
export type { Tensor, Tensor1D, Tensor2D, Tensor4D, Rank } from '@tensorflow/tfjs';
