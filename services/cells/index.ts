/** Running one sweep cell (training, AM) against Postgres, independent of Temporal. */
export { runTrainCell, type CellDeps, type RunnerHooks, type TrainProgress } from './train-cell';
export { runAmCell, type AmRunRef } from './am-cell';
export { finalizeSweep } from './sweep-ops';
export { DatasetCache } from './dataset-cache';
export { amImagePng } from './am-image';
export { InjectedFault, maybeInjectSweepFault } from './fault';
export { completeCell } from './complete-cell';
