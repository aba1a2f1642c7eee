/** Inputs and results that cross workflow boundaries: ids and small summaries only, never metrics or tensors. */

export interface RetrySettings {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

export interface CellRunSettings {
  taskQueue: string;
  retries: RetrySettings;
  trainTimeoutMs: number;
  amTimeoutMs: number;
  heartbeatTimeoutMs: number;
  /** AM backward slopes to run on every trained cell, for every AM arm (empty: no AM). */
  amSlopes: number[];
  /**
   * The AM arms (protocol keys) to run on every trained cell. Absent in runs started before AM arms existed:
   * those run the sweep's only arm.
   */
  amProtocols?: string[];
}

export interface SweepWorkflowInput {
  sweepId: string;
  maxParallel: number;
  cell: CellRunSettings;
}

/** Carried across continue-as-new. */
export interface SweepState extends SweepWorkflowInput {
  paused: boolean;
  /** Grid index of the last cell started (or skipped); the next page starts after it. */
  cursor: number;
  /** Cells started and not yet reported finished. */
  running: string[];
  /** Cells fetched but not started yet. */
  queued: CellRef[];
  exhausted: boolean;
  finished: { succeeded: number; failed: number; cancelled: number };
  runs: number;
  /** Cells that came back cancelled by an earlier run, to start again (absent in older runs' states). */
  requeue?: string[];
  /** How often each cell was requeued in this sweep run. */
  requeued?: Record<string, number>;
}

export interface CellRef {
  cellId: number;
  cellKey: string;
  idx: number;
}

export interface CellWorkflowInput extends CellRef {
  sweepId: string;
  parentWorkflowId: string;
  settings: CellRunSettings;
}

export type CellOutcome = 'succeeded' | 'failed' | 'cancelled';

export interface CellFinished {
  cellKey: string;
  outcome: CellOutcome;
  error?: string;
}

export interface SweepProgress {
  sweepId: string;
  paused: boolean;
  maxParallel: number;
  running: string[];
  queued: number;
  cursor: number;
  exhausted: boolean;
  finished: SweepState['finished'];
  runs: number;
}

export interface SweepSummary {
  sweepId: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  succeeded: number;
  failed: number;
  cancelled: number;
  total: number;
  error?: string;
}

export interface TrainCellResult {
  epochs: number;
  testAccuracy: number | null;
  testLoss: number | null;
  /** True when the cell had finished training before (a retry or resume found the final checkpoint). */
  alreadyTrained: boolean;
  /** True when the cell had succeeded before (a duplicate run): nothing more to do or record. */
  alreadySucceeded?: boolean;
}

/** Part of every compute heartbeat: who runs this attempt, and who ran the one before (retries). */
export interface AttemptIdentity {
  worker: string;
  previousWorker?: string;
}
