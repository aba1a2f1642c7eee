import type { Client } from '@temporalio/client';
import { listWorkersWithCells, type Queryable, type WorkerWithCell } from '../db';
import { taskQueuePollers, type Poller } from '../temporal/pollers';

/** A poller counts as polling when the server saw it this recently (a long poll lasts about a minute). */
export const POLL_LIVE_SECONDS = 90;

export interface LiveWorker {
  id: string;
  host: string;
  pid: number;
  taskQueue: string;
  backend: string | null;
  /** e.g. "gpu0"; null for a CPU worker. */
  device: string | null;
  slots: number;
  status: WorkerWithCell['status'];
  cell: { sweepId: string; key: string; phase: string | null; epochsDone: number; epochsTotal: number } | null;
  heartbeatAgeSeconds: number;
  /** Status says it runs, but its heartbeat is older than the threshold: crashed, partitioned or frozen. */
  stale: boolean;
  /** Whether Temporal saw it poll recently; undefined when Temporal was not asked or did not answer. */
  polling?: { workflow: boolean; activity: boolean };
  problem: string | null;
}

export interface UnregisteredPoller {
  taskQueue: string;
  identity: string;
  kinds: ('workflow' | 'activity')[];
  lastSeenSecondsAgo?: number;
}

export interface FleetReport {
  workers: LiveWorker[];
  /** Pollers Temporal sees with no workers row: another program, or a worker whose database is gone. */
  unregisteredPollers: UnregisteredPoller[];
  staleAfterSeconds: number;
  /** Why pollers are missing from the report (Temporal unreachable), if they are. */
  temporalError?: string;
}

/**
 * The workers from the workers table, joined with Temporal's pollers of their task queues. Heartbeat ages come
 * from the database's clock (no skew between hosts); poll ages from Temporal's clock against ours.
 */
export async function liveWorkers(
  db: Queryable,
  temporal: Client | undefined,
  opts: { taskQueue?: string; includeStopped?: boolean; staleAfterSeconds: number; temporalError?: string },
): Promise<FleetReport> {
  const rows = await listWorkersWithCells(db, opts);
  const queues = [...new Set([...rows.map((r) => r.task_queue), ...(opts.taskQueue ? [opts.taskQueue] : [])])];
  const pollers = new Map<string, { workflow: Poller[]; activity: Poller[] }>();
  let temporalError = opts.temporalError;
  if (temporal && !temporalError) {
    try {
      for (const q of queues) pollers.set(q, await taskQueuePollers(temporal, q));
    } catch (err) {
      temporalError = (err as Error).message.split('\n')[0];
      pollers.clear();
    }
  }
  const now = Date.now();
  const live = (p: Poller) =>
    p.lastAccessTime !== undefined && now - p.lastAccessTime.getTime() < POLL_LIVE_SECONDS * 1000;
  const workers = rows.map((r): LiveWorker => {
    const q = pollers.get(r.task_queue);
    return {
      id: r.id,
      host: r.hostname,
      pid: r.pid,
      taskQueue: r.task_queue,
      backend: r.backend,
      device: r.device,
      slots: r.slots,
      status: r.status,
      cell:
        r.sweep_id && r.cell_key
          ? {
              sweepId: r.sweep_id,
              key: r.cell_key,
              phase: r.cell_phase,
              epochsDone: r.epochs_done ?? 0,
              epochsTotal: r.epochs_total ?? 0,
            }
          : null,
      heartbeatAgeSeconds: Math.max(0, r.heartbeat_age_s),
      stale: r.status !== 'stopped' && r.heartbeat_age_s > opts.staleAfterSeconds,
      polling: q && {
        workflow: q.workflow.some((p) => p.identity === r.id && live(p)),
        activity: q.activity.some((p) => p.identity === r.id && live(p)),
      },
      problem: r.problem ?? null,
    };
  });
  const known = new Set(rows.map((r) => r.id));
  const unregisteredPollers: UnregisteredPoller[] = [];
  for (const [taskQueue, q] of pollers) {
    const byIdentity = new Map<string, UnregisteredPoller>();
    for (const [kind, list] of [
      ['workflow', q.workflow],
      ['activity', q.activity],
    ] as const) {
      for (const p of list) {
        if (known.has(p.identity) || !live(p)) continue;
        const entry = byIdentity.get(p.identity) ?? { taskQueue, identity: p.identity, kinds: [] };
        entry.kinds.push(kind);
        if (p.lastAccessTime) entry.lastSeenSecondsAgo = Math.round((now - p.lastAccessTime.getTime()) / 1000);
        byIdentity.set(p.identity, entry);
      }
    }
    unregisteredPollers.push(...byIdentity.values());
  }
  return { workers, unregisteredPollers, staleAfterSeconds: opts.staleAfterSeconds, temporalError };
}
