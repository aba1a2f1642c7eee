import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { validateSpec, type SweepSpec } from '../../services/spec';
import { launchSweep, openSweepContext, type SweepContext } from '../../services/sweeps';
import { startLocalWorkers, type LocalWorkers } from '../../services/local/workers';
import type { TestServices } from './services';
import { eventually } from './services';

/** A small, fast spec on synthetic data (tiny CNN, 8×8 images); override any part. */
export function tinySpec(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    base: {
      dataset: 'synthetic',
      arch: 'small-cnn',
      epochs: 2,
      batchSize: 64,
      learningRate: 0.01,
      trainLimit: 256,
      testLimit: 64,
    },
    grid: { backwardSlope: [0, 0.5], seed: [0, 1] },
    am: { backwardSlopes: [0, 1], steps: 5, units: 'all' },
    execution: {
      maxParallel: 2,
      taskQueue: `tq-${name}`,
      retries: { maximumAttempts: 3, initialInterval: '1s' },
      timeouts: { heartbeat: '5s' },
      // Tests crash and resume cells mid-run: checkpoint after every epoch (the default is every 5 minutes).
      checkpointEvery: 0,
    },
    ...overrides,
  };
}

export function writeSpec(dir: string, spec: Record<string, unknown>): string {
  const path = join(dir, `${String(spec.name)}.yaml`);
  writeFileSync(path, stringify(spec));
  return path;
}

export async function launch(
  s: TestServices,
  raw: Record<string, unknown>,
): Promise<{ spec: SweepSpec; ctx: SweepContext; sweepId: string }> {
  const spec = validateSpec(raw);
  const ctx = await openSweepContext(s.targets);
  const r = await launchSweep(ctx, spec);
  return { spec, ctx, sweepId: r.sweepId };
}

export function workers(
  s: TestServices,
  count: number,
  taskQueue: string,
  extraEnv: Record<string, string> = {},
): LocalWorkers {
  return startLocalWorkers(count, s.targets, {
    taskQueue,
    backend: 'wasm',
    dataDir: s.dir,
    extraEnv: { PROXYSWEEP_LOG_LEVEL: 'warn', ...extraEnv },
  });
}

/** Waits for the sweep row to reach a terminal status, then for its workflow to close. */
export async function waitForSweep(s: TestServices, sweepId: string, timeoutMs = 120_000): Promise<string> {
  const status = await eventually(
    async () => {
      const r = await s.pool.query<{ status: string }>('SELECT status FROM sweeps WHERE id = $1', [sweepId]);
      const status = r.rows[0]?.status;
      return status && ['succeeded', 'failed', 'cancelled'].includes(status) ? status : undefined;
    },
    timeoutMs,
    `sweep ${sweepId} to finish`,
  );
  // The final status is written just before the workflow completes: wait for that too.
  await s.client.workflow
    .getHandle(`sweep-${sweepId}`)
    .result()
    .catch(() => undefined);
  return status;
}
