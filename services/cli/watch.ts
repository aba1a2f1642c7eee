import { getSweepOrThrow } from '../db';
import { queryProgress, sweepStatus, type SweepContext, type SweepStatusReport } from '../sweeps';
import type { ProgressView } from './progress';

/**
 * Follows a sweep until its workflow closes (across continue-as-new runs), feeding `view` every `intervalMs`.
 * Returns the final status from Postgres.
 */
export async function watchSweep(
  ctx: SweepContext,
  sweepId: string,
  view: ProgressView,
  intervalMs = 1000,
): Promise<SweepStatusReport> {
  const sweep = await getSweepOrThrow(ctx.pool, sweepId);
  const handle = ctx.client.workflow.getHandle(sweep.workflow_id);
  let closed = false;
  const result = handle.result().then(
    () => undefined,
    () => undefined, // a failed or cancelled sweep is reported from Postgres below
  );
  void result.finally(() => (closed = true));
  try {
    while (!closed) {
      const live = await queryProgress(ctx, sweep.workflow_id);
      view.update(await sweepStatus(ctx.pool, sweepId, live));
      await Promise.race([result, new Promise((r) => setTimeout(r, intervalMs))]);
    }
    const final = await sweepStatus(ctx.pool, sweepId);
    view.update(final);
    return final;
  } finally {
    view.stop();
  }
}
