/** Sweep specs: schema, validation with one-line errors, and deterministic grid expansion. */
export { loadSpecFile, validateSpec } from './load';
export { expandGrid, cellKey, canonicalJson } from './grid';
export { parseDuration } from './duration';
export { expandAmArms, findAmArm, protocolKey, shortArmLabels, DEFAULT_AM_LEARNING_RATE } from './am-arms';
export type { SweepSpec, ParsedSpec, CellParams, AmSpec, AmArm, AmProtocol, ExecutionSpec } from './schema';
