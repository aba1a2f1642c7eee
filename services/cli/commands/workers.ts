import { resolveTargets } from '../../config';
import { createPool, pingDatabase, redactDatabaseUrl } from '../../db';
import { liveWorkers, type FleetReport, type LiveWorker } from '../../fleet/live-workers';
import { connectClient } from '../../temporal/connection';
import { resolveDataDir } from '../../paths';
import type { Client } from '@temporalio/client';
import { fmtDuration, table, type Output } from '../output';
import type { GlobalOptions } from './shared';

export interface WorkersCommandOptions extends GlobalOptions {
  taskQueue?: string;
  all?: boolean;
  staleAfter: number;
}

/**
 * `workers`: who is working, from the workers table (host, pid, backend, GPU, slots, cell, epoch, heartbeat)
 * and Temporal's pollers. A worker whose heartbeat is older than --stale-after is flagged STALE. Temporal being
 * unreachable only drops the poll column (with a note); PostgreSQL being unreachable is an error.
 */
export async function workersCommand(opts: WorkersCommandOptions, out: Output): Promise<FleetReport> {
  const targets = resolveTargets(resolveDataDir(opts.dataDir), { needTemporal: false });
  const pool = createPool(targets.databaseUrl, 1);
  let client: Client | undefined;
  let temporalError: string | undefined;
  try {
    await pingDatabase(pool, redactDatabaseUrl(targets.databaseUrl));
    if (targets.temporal.address) {
      try {
        client = await connectClient(targets.temporal);
      } catch (err) {
        temporalError = (err as Error).message.split('\n')[0];
      }
    } else {
      temporalError = 'TEMPORAL_ADDRESS is not set';
    }
    const report = await liveWorkers(pool, client, {
      taskQueue: opts.taskQueue,
      includeStopped: opts.all,
      staleAfterSeconds: opts.staleAfter,
      temporalError,
    });
    out.result(report);
    render(report, out);
    return report;
  } finally {
    await client?.connection.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
}

function render(r: FleetReport, out: Output): void {
  if (r.workers.length === 0) out.line('no workers registered (start one with `proxysweep worker`)');
  else {
    out.line(
      table(
        ['host', 'pid', 'queue', 'backend', 'gpu', 'slots', 'cell', 'epoch', 'heartbeat', 'polls', 'state'],
        r.workers.map((w) => [
          w.host,
          w.pid,
          w.taskQueue,
          w.backend,
          w.device ?? '',
          w.slots,
          w.cell ? `${w.cell.sweepId}/${w.cell.key}${w.cell.phase ? ` (${w.cell.phase})` : ''}` : '',
          w.cell ? `${w.cell.epochsDone}/${w.cell.epochsTotal}` : '',
          `${fmtDuration(w.heartbeatAgeSeconds)} ago`,
          polls(w),
          state(w),
        ]),
      ),
    );
  }
  for (const p of r.unregisteredPollers) {
    out.line(
      `poller without a workers row on "${p.taskQueue}": ${p.identity} (${p.kinds.join(' + ')}); not a proxysweep worker, or one that cannot reach PostgreSQL`,
    );
  }
  const stale = r.workers.filter((w) => w.stale).length;
  if (stale > 0) {
    out.line(
      `${stale} worker(s) STALE: no heartbeat for over ${r.staleAfterSeconds} s; their cells are retried elsewhere after the heartbeat timeout`,
    );
  }
  if (r.temporalError) out.line(`note: pollers not shown, Temporal did not answer (${r.temporalError})`);
}

function polls(w: LiveWorker): string {
  if (!w.polling) return '?';
  const kinds = [w.polling.workflow && 'wf', w.polling.activity && 'act'].filter(Boolean);
  return kinds.length ? kinds.join('+') : 'none';
}

function state(w: LiveWorker): string {
  const s = w.stale ? 'STALE' : w.status;
  return w.problem ? `${s}; lacks: ${w.problem}` : s;
}
