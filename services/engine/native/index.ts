/**
 * The native TensorFlow backend: tfjs-node's N-API binding built on the TensorFlow C library of PyPI's wheels
 * (`setup native`), or a stock tfjs-node(-gpu) install, loaded into the engine's one tfjs instance.
 */
export { loadNative, loadedNative, type NativeLoad } from './load';
export { nativeStatus, type NativeStatus } from './status';
export { setupNative, type SetupNativeOptions, type SetupNativeResult } from './setup';
export { gpuVisibility } from './gpu';
export { nativeThreadEnv } from './threads';
export { TENSORFLOW_VERSION, TFJS_NODE_VERSION, WHEELS, type NativeVariant } from './versions';
