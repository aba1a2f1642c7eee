import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths';

/** Path of the workflow bundle that `npm run build` writes, so workers start without running webpack. */
export function workflowBundlePath(): string {
  return join(packageRoot(), 'dist', 'workflow-bundle.js');
}

/** The compiled workflows entry, for bundling (build step, or a worker when the bundle is missing). */
export function workflowsPath(): string {
  return join(packageRoot(), 'dist', 'workflows', 'index.js');
}

/** Worker options selecting the prebuilt bundle when present, else webpack at start-up. */
export function workflowSource(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const bundle = workflowBundlePath();
  return existsSync(bundle) ? { workflowBundle: { codePath: bundle } } : { workflowsPath: workflowsPath() };
}
