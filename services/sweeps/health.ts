import { defaultPayloadConverter, type WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { listWorkers, type SweepRow, type StatusCounts } from '../db';
import { cellWorkflowId } from '../../workflows/ids';
import type { AttemptIdentity } from '../../workflows/types';
import type { SweepContext } from './context';

/** A running cell whose compute activity is being retried, with why its last attempt ended. */
export interface RetryingCell {
  cellKey: string;
  attempt: number;
  lastFailure: string;
}

/** Whether a sweep can make progress, from PostgreSQL (worker heartbeats) and Temporal (pollers, retries). */
export interface SweepHealth {
  stalled: boolean;
  /** One line: why nothing progresses, and what to do. */
  reason?: string;
  /** Workers on the sweep's task queue that heartbeated PostgreSQL within LIVE_SECONDS. */
  liveWorkers: string[];
  /** Identities polling the task queue in Temporal within LIVE_SECONDS. */
  pollers: string[];
  /** Pollers with no recent PostgreSQL heartbeat: they reach Temporal but not this database. */
  withoutDatabase: string[];
  retrying: RetryingCell[];
}

/** Workers heartbeat PostgreSQL every 10 s; a minute without one means it cannot. */
export const LIVE_SECONDS = 60;
const MAX_DESCRIBED_CELLS = 50;
// Enum values of temporal.api.enums.v1 (TaskQueueType, TimeoutType, PendingActivityState).
const TASK_QUEUE_TYPE_WORKFLOW = 1;
const TASK_QUEUE_TYPE_ACTIVITY = 2;
const TIMEOUT_TYPE_HEARTBEAT = 4;
const PENDING_ACTIVITY_STATE_SCHEDULED = 1;

/**
 * Diagnoses a sweep: stalled when cells wait or run but no worker on its task queue reaches PostgreSQL (a
 * worker that loses the database stops taking work, so nothing else would tell). Names pollers that reach
 * Temporal but not PostgreSQL, and running cells on a retry with the reason their last attempt ended.
 */
export async function sweepHealth(
  ctx: SweepContext,
  sweep: SweepRow,
  counts: StatusCounts,
  runningKeys: string[],
): Promise<SweepHealth> {
  const q = sweep.task_queue;
  const now = Date.now();
  const liveWorkers = (await listWorkers(ctx.pool))
    .filter(
      (w) => w.task_queue === q && w.status === 'running' && now - w.last_heartbeat_at.getTime() < LIVE_SECONDS * 1000,
    )
    .map((w) => w.id);
  const pollers = await taskQueuePollers(ctx, q, now);
  const withoutDatabase = pollers.filter((p) => !liveWorkers.includes(p));
  const retrying = await retryingCells(ctx, sweep.id, runningKeys.slice(0, MAX_DESCRIBED_CELLS));
  const active = ['pending', 'running'].includes(sweep.status) && counts.pending + counts.running > 0;
  const stalled = active && liveWorkers.length === 0;
  let reason: string | undefined;
  if (stalled && withoutDatabase.length > 0) {
    reason = `${withoutDatabase.length} worker(s) poll task queue ${q} in Temporal but none reached PostgreSQL in the last ${LIVE_SECONDS} s (${withoutDatabase.join(', ')}): they cannot reach this database (a wrong DATABASE_URL or password, or a network partition); fix their environment and restart them`;
  } else if (stalled) {
    reason = `no worker on task queue ${q} reached PostgreSQL in the last ${LIVE_SECONDS} s and none polls Temporal; start one with \`proxysweep worker --task-queue ${q}\` (a worker that loses PostgreSQL stops taking work and its log says why)`;
  }
  return { stalled, reason, liveWorkers, pollers, withoutDatabase, retrying };
}

async function taskQueuePollers(ctx: SweepContext, taskQueue: string, now: number): Promise<string[]> {
  const seen = new Set<string>();
  for (const taskQueueType of [TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY]) {
    const r = await ctx.client.workflowService.describeTaskQueue({
      namespace: ctx.client.options.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType,
    });
    for (const p of r.pollers ?? []) {
      const at = p.lastAccessTime ? tsToMs(p.lastAccessTime) : 0;
      if (p.identity && now - at < LIVE_SECONDS * 1000) seen.add(p.identity);
    }
  }
  return [...seen].sort();
}

async function retryingCells(ctx: SweepContext, sweepId: string, cellKeys: string[]): Promise<RetryingCell[]> {
  const out: RetryingCell[] = [];
  for (const cellKey of cellKeys) {
    let described;
    try {
      described = await ctx.client.workflow.getHandle(cellWorkflowId(sweepId, cellKey)).describe();
    } catch {
      continue; // not started yet, or closed meanwhile
    }
    for (const a of described.raw.pendingActivities ?? []) {
      if ((a.attempt ?? 1) > 1 && a.lastFailure) {
        out.push({ cellKey, attempt: a.attempt!, lastFailure: describeFailure(a.lastFailure, failedWorker(a)) });
      }
    }
  }
  return out;
}

type PendingActivity = NonNullable<Awaited<ReturnType<WorkflowHandle['describe']>>['raw']['pendingActivities']>[number];
type Failure = NonNullable<PendingActivity['lastFailure']>;

/**
 * The worker of the attempt that failed. Waiting for a retry, that is the last worker; once the retry runs,
 * the heartbeat details are still the failed attempt's until the new one heartbeats, which then names its
 * predecessor (see the activities' heartbeats).
 */
function failedWorker(a: PendingActivity): string | undefined {
  let details: AttemptIdentity | undefined;
  try {
    const payload = a.heartbeatDetails?.payloads?.[0];
    details = payload ? defaultPayloadConverter.fromPayload<AttemptIdentity>(payload) : undefined;
  } catch {
    details = undefined;
  }
  if (a.state === PENDING_ACTIVITY_STATE_SCHEDULED) return a.lastWorkerIdentity || details?.worker;
  return details?.worker === a.lastWorkerIdentity ? (details?.previousWorker ?? details?.worker) : details?.worker;
}

/** The server records a heartbeat timeout as a bare TimeoutFailure: name the worker that went silent. */
function describeFailure(f: Failure, worker: string | undefined): string {
  if (f.timeoutFailureInfo?.timeoutType === TIMEOUT_TYPE_HEARTBEAT) {
    return `heartbeat timeout on worker ${worker ?? '(unknown)'}`;
  }
  return (f.message ?? 'unknown failure').split('\n')[0];
}
