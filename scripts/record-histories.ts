/**
 * Records real workflow histories into test/fixtures/histories/ for the replay test, which then guards every
 * later change to workflows/ against breaking running sweeps (non-determinism). Run after an intentional,
 * versioned workflow change:  npm run build && node dist/scripts/record-histories.js
 * Covers: a successful sweep, a sweep with a failing cell, and pause / resize / unpause / cancel.
 */
import { mkdirSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection, Worker, Runtime, DefaultLogger } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { createActivities } from '../activities';
import { DatasetCache } from '../services/cells';
import { initBackend } from '../services/engine';
import { startEphemeralServices, type EphemeralServices } from '../services/local/ephemeral';
import { validateSpec } from '../services/spec';
import { launchSweep, openSweepContext, pauseSweep, resizeSweep, unpauseSweep, cancelSweep } from '../services/sweeps';
import { workflowSource } from '../services/temporal/bundle';
import { packageRoot } from '../services/paths';

const TASK_QUEUE = 'record-histories';
const OUT = join(packageRoot(), 'test', 'fixtures', 'histories');

function spec(name: string, extra: Record<string, unknown> = {}) {
  return validateSpec({
    name,
    base: { dataset: 'synthetic', epochs: 1, batchSize: 64, trainLimit: 128, testLimit: 32, backwardSlope: 0.3 },
    grid: { seed: [0, 1] },
    am: { backwardSlopes: [1], steps: 2, units: [0] },
    execution: {
      maxParallel: 2,
      taskQueue: TASK_QUEUE,
      retries: { maximumAttempts: 2, initialInterval: '1s' },
      timeouts: { heartbeat: '10s' },
    },
    ...extra,
  });
}

async function settle(s: EphemeralServices, sweepId: string): Promise<void> {
  await s.client.workflow
    .getHandle(`sweep-${sweepId}`)
    .result()
    .catch(() => undefined);
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  await initBackend('wasm');
  const s = await startEphemeralServices();
  const connection = await NativeConnection.connect({ address: s.targets.temporal.address });
  const worker = await Worker.create({
    connection,
    taskQueue: TASK_QUEUE,
    ...workflowSource(),
    activities: createActivities({
      pool: s.pool,
      workerId: 'recorder',
      backend: 'wasm',
      datasets: new DatasetCache(undefined),
    }),
    maxConcurrentActivityTaskExecutions: 2,
  });
  const ctx = await openSweepContext(s.targets);
  try {
    await worker.runUntil(async () => {
      const ok = await launchSweep(ctx, spec('hist-ok'));
      await settle(s, ok.sweepId);

      process.env.PROXYSWEEP_INJECT_FAULT = 'train:seed=1';
      const failing = await launchSweep(ctx, spec('hist-fail'));
      await settle(s, failing.sweepId);
      delete process.env.PROXYSWEEP_INJECT_FAULT;

      process.env.PROXYSWEEP_TEST_STEP_DELAY_MS = '300';
      const control = await launchSweep(
        ctx,
        spec('hist-control', {
          base: { dataset: 'synthetic', epochs: 1, batchSize: 16, trainLimit: 128, testLimit: 32, backwardSlope: 0.3 },
          grid: { seed: [0, 1, 2] },
          execution: { maxParallel: 1, taskQueue: TASK_QUEUE },
        }),
      );
      await new Promise((r) => setTimeout(r, 1000));
      await pauseSweep(ctx, control.sweepId);
      await resizeSweep(ctx, control.sweepId, 2);
      await unpauseSweep(ctx, control.sweepId);
      await new Promise((r) => setTimeout(r, 1000));
      await cancelSweep(ctx, control.sweepId);
      await settle(s, control.sweepId);
      await new Promise((r) => setTimeout(r, 2000)); // let cancelled cells record their end
      delete process.env.PROXYSWEEP_TEST_STEP_DELAY_MS;
    });
    mkdirSync(OUT, { recursive: true });
    for (const f of readdirSync(OUT)) rmSync(join(OUT, f));
    let n = 0;
    for await (const wf of s.client.workflow.list()) {
      const history = await s.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      writeFileSync(join(OUT, `${wf.workflowId}--${wf.runId.slice(0, 8)}.json`), historyToJSON(history));
      n++;
    }
    console.log(`recorded ${n} histories into ${OUT}`);
  } finally {
    await ctx.close();
    await connection.close();
    await s.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
