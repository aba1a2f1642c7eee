/** Sweep specs: schema, validation with one-line errors, and deterministic grid expansion. */
export { loadSpecFile, validateSpec } from './load';
export { expandGrid, cellKey, canonicalJson } from './grid';
export { parseDuration } from './duration';
export type { SweepSpec, ParsedSpec, CellParams, AmSpec, ExecutionSpec } from './schema';
