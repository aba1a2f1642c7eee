/** The workflows a worker registers (bundled by webpack: only @temporalio/workflow and these files). */
export { sweepWorkflow } from './sweep';
export { cellWorkflow } from './cell';
