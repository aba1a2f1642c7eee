/**
 * What the engine offers, as plain data: datasets (names, shapes, classes), architectures and their options,
 * and the slope rules of the three activation arms. Pure (no TensorFlow.js), so the spec layer and `sweep plan`
 * can validate a sweep without loading the compute engine.
 */
export { DATASET_CATALOG, listDatasets, SYNTHETIC_DEFAULTS } from './datasets/catalog';
export { ARCH_OPTIONS, ARCHITECTURES, archOptionProblems, type ArchName, type ArchOptionRule } from './models/catalog';
export { resolveSlopes, DEFAULT_LEAKY_SLOPE, type ActivationConfig, type ActivationMode } from './slopes';
export type { ProxySlopes } from './slopes';
