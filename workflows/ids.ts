/** Workflow ids and message names shared by workflows, workers and the CLI (pure: safe in the sandbox). */

export const sweepWorkflowId = (sweepId: string): string => `sweep-${sweepId}`;
export const cellWorkflowId = (sweepId: string, cellKey: string): string => `cell-${sweepId}-${cellKey}`;
