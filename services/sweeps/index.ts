/** Sweep operations shared by the CLI, `run` and the tests: launch, resume, control, status, results. */
export { openSweepContext, type SweepContext } from './context';
export {
  launchSweep,
  resumeSweep,
  sweepWorkflowInput,
  workflowRunning,
  type LaunchResult,
  type ResumeResult,
} from './launch';
export { pauseSweep, unpauseSweep, resizeSweep, cancelSweep, queryProgress } from './control';
export {
  sweepStatus,
  sweepList,
  DEFAULT_STATUS_LIMIT,
  type SweepStatusOptions,
  type SweepStatusReport,
  type SweepListLine,
  type CellStatusLine,
} from './status';
export { sweepResults, type SweepResults, type AccuracyCell, type AmCell } from './results';
export { trainingArmLabel } from './labels';
