/** Build step: bundles the workflows once into dist/workflow-bundle.js (run by `npm run build`). */
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundlePath, workflowsPath } from './bundle';

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: { ...silent } });
  writeFileSync(workflowBundlePath(), code);
}

const noop = () => undefined;
const silent = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
