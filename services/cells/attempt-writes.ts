import type { EpochMetrics } from '../engine';
import { AttemptSupersededError, CancelledError } from '../errors';
import { cellAttempts, saveCheckpoint, setCellEpochsDone, upsertEpochMetric } from '../db';
import type { CellDeps } from './train-cell';

/** One training attempt of one cell: its writes carry `attempt` and are refused once a newer one exists. */
export interface AttemptRef {
  cellId: number;
  attempt: number;
}

/** How long a stopping attempt tries to save its step-exact checkpoint before giving up on it. */
const CANCEL_SAVE_MS = 10_000;

/**
 * Writes an epoch's metrics, then its checkpoint when one is due (`data`; a crash in between re-runs the epoch
 * and rewrites the same row), then the cell's epoch count. Throws AttemptSupersededError when a newer attempt
 * owns the cell.
 */
export async function writeEpoch(
  deps: CellDeps,
  ref: AttemptRef,
  m: EpochMetrics,
  data: Buffer | undefined,
): Promise<void> {
  const { pool, workerId, backend } = deps;
  const row = {
    cell_id: ref.cellId,
    epoch: m.epoch,
    train_loss: m.trainLoss,
    train_accuracy: m.trainAccuracy,
    test_loss: m.testLoss,
    test_accuracy: m.testAccuracy,
    images_per_sec: m.imagesPerSec,
    learning_rate: m.learningRate,
    worker: workerId,
    backend,
  };
  await assertStored(await upsertEpochMetric(pool, row, ref.attempt), deps, ref, `epoch ${m.epoch}`);
  if (data) {
    const checkpoint = { cell_id: ref.cellId, epoch: m.epoch, step: 0, data, worker: workerId };
    const saved = await saveCheckpoint(pool, checkpoint, ref.attempt);
    await assertStored(saved, deps, ref, `the checkpoint of epoch ${m.epoch}`);
  }
  await setCellEpochsDone(pool, ref.cellId, m.epoch, ref.attempt);
  deps.log?.info(
    `cell ${ref.cellId} attempt ${ref.attempt} stored epoch ${m.epoch}${data ? ' with its checkpoint' : ''} on worker ${workerId}`,
  );
}

/** Saves a checkpoint inside an epoch (the time cadence of a long epoch). */
export async function writeStepCheckpoint(
  deps: CellDeps,
  ref: AttemptRef,
  position: { epoch: number; step: number },
  data: Buffer,
): Promise<void> {
  const checkpoint = { cell_id: ref.cellId, ...position, data, worker: deps.workerId };
  const what = `the checkpoint at epoch ${position.epoch} step ${position.step}`;
  await assertStored(await saveCheckpoint(deps.pool, checkpoint, ref.attempt), deps, ref, what);
}

/** Saves the step-exact checkpoint of a stopping attempt, giving up after CANCEL_SAVE_MS (the epoch one stays). */
export async function writeCancelCheckpoint(
  deps: CellDeps,
  ref: AttemptRef,
  position: { epoch: number; step: number },
  data: Buffer,
): Promise<void> {
  const what = `the checkpoint at epoch ${position.epoch} step ${position.step}`;
  const write = (async () => {
    const checkpoint = { cell_id: ref.cellId, ...position, data, worker: deps.workerId };
    await assertStored(await saveCheckpoint(deps.pool, checkpoint, ref.attempt), deps, ref, what);
  })();
  const timeout = AbortSignal.timeout(CANCEL_SAVE_MS);
  await unlessAborted(write, timeout, `saving ${what}`, deps);
}

/**
 * Waits for `write` unless `signal` aborts first (then throws CancelledError): a stopping attempt must not
 * hang on a database it cannot reach. Sound because every training write is idempotent and fenced: a write
 * that lands later is either still the cell's latest or refused. How an abandoned write ended is logged.
 */
export async function unlessAborted<T>(
  write: Promise<T>,
  signal: AbortSignal,
  what: string,
  deps: CellDeps,
): Promise<T> {
  if (signal.aborted) throw abandoned(write, what, deps);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abandoned(write, what, deps));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([write, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

function abandoned(write: Promise<unknown>, what: string, deps: CellDeps): CancelledError {
  write.catch((err: Error) =>
    err instanceof AttemptSupersededError
      ? deps.log?.warn(`late: ${err.message}`)
      : deps.log?.warn(`a write abandoned while ${what} failed later: ${err.message.split('\n')[0]}`),
  );
  return new CancelledError(`stopped while ${what} (the write may still land; it is fenced)`);
}

/**
 * Stops an attempt whose write was refused because a newer attempt of the cell exists. (A checkpoint can also
 * be refused for being behind the stored one, which is harmless: then the attempt goes on.)
 */
async function assertStored(stored: boolean, deps: CellDeps, ref: AttemptRef, what: string): Promise<void> {
  if (stored) return;
  const latest = await cellAttempts(deps.pool, ref.cellId);
  if (latest === ref.attempt) return;
  throw new AttemptSupersededError(
    `refused a stale write of ${what} by worker ${deps.workerId}: cell ${ref.cellId} attempt ${ref.attempt} was superseded by attempt ${latest} (its heartbeats stopped reaching Temporal); this attempt stops and its work since the last checkpoint is dropped`,
  );
}
