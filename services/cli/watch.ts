import { getSweepOrThrow } from '../db';
import { queryProgress, sweepStatus, type SweepContext, type SweepStatusReport } from '../sweeps';
import { ProxysweepError } from '../errors';
import type { ProgressView } from './progress';

/** Waits `ms`, or less when `signal` aborts; the abort listener goes with the wait (one poll, one listener). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (signal?.aborted) done();
    else signal?.addEventListener('abort', done, { once: true });
  });
}

/** The user stopped watching (Ctrl-C); the sweep itself goes on. Exit code 130, like any interrupted command. */
export class InterruptedError extends ProxysweepError {
  override readonly exitCode = 130;
}

/**
 * Follows a sweep until its workflow closes (across continue-as-new runs), feeding `view` every `intervalMs`.
 * Returns the final status from Postgres; throws InterruptedError when `signal` aborts first.
 */
export async function watchSweep(
  ctx: SweepContext,
  sweepId: string,
  view: ProgressView,
  intervalMs = 1000,
  signal?: AbortSignal,
): Promise<SweepStatusReport> {
  const sweep = await getSweepOrThrow(ctx.pool, sweepId);
  const handle = ctx.client.workflow.getHandle(sweep.workflow_id);
  let closed = false;
  // The long poll for the result must end with this function, or it outlives the connection.
  const stopPolling = new AbortController();
  const result = ctx.client
    .withAbortSignal(stopPolling.signal, () => handle.result())
    .then(
      () => undefined,
      () => undefined, // a failed or cancelled sweep is reported from Postgres below
    );
  void result.finally(() => (closed = true));
  try {
    while (!closed) {
      if (signal?.aborted) throw new InterruptedError(`stopped following sweep ${sweepId}`);
      const live = await queryProgress(ctx, sweep.workflow_id);
      // The view shows counts, ETA and a few running cells: a small page keeps each poll cheap at any size.
      view.update(await sweepStatus(ctx.pool, sweepId, live, { state: 'running', limit: 8 }));
      // pause() removes its abort listener when it ends, so polls never pile listeners onto `signal`.
      await Promise.race([result, pause(intervalMs, signal)]);
    }
    const final = await sweepStatus(ctx.pool, sweepId, undefined, { state: 'running', limit: 8 });
    view.update(final);
    return final;
  } finally {
    stopPolling.abort();
    view.stop();
  }
}
