/** Workflow ids and message names shared by workflows, workers and the CLI (pure: safe in the sandbox). */

export const sweepWorkflowId = (sweepId: string): string => `sweep-${sweepId}`;
export const cellWorkflowId = (sweepId: string, cellKey: string): string => `cell-${sweepId}-${cellKey}`;

/** Failure type of a problem of one worker node (missing dataset files, unreachable database), not of the cell. */
export const NODE_PROBLEM = 'NodeProblem';
