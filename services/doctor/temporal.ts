import { connectClient, type TemporalTarget } from '../temporal/connection';
import { taskQueuePollers } from '../temporal/pollers';
import { fail, firstLine, pass, warn, type CheckResult } from './check';

/**
 * `temporal`, `temporal.namespace`, `temporal.pollers`: the frontend answers, the namespace exists, and some
 * worker polls the task queue (a warning when none does: sweeps on it wait, which is fine on the first node).
 */
export async function checkTemporal(target: TemporalTarget, taskQueue: string): Promise<CheckResult[]> {
  let client;
  try {
    client = await connectClient(target);
    const info = await client.workflowService.getSystemInfo({});
    const version = info.serverVersion || 'unknown version';
    const results = [
      pass('temporal', `Temporal ${version} at ${target.address}`, { address: target.address, version }),
    ];
    try {
      await client.workflowService.describeNamespace({ namespace: target.namespace });
    } catch (err) {
      results.push(
        fail(
          'temporal.namespace',
          `namespace "${target.namespace}" not found at ${target.address} (${firstLine(err)})`,
          `set TEMPORAL_NAMESPACE to an existing namespace, or create it: \`temporal operator namespace create -n ${target.namespace} --address ${target.address}\``,
        ),
      );
      return results;
    }
    results.push(pass('temporal.namespace', `namespace "${target.namespace}" exists`));
    const pollers = await taskQueuePollers(client, taskQueue);
    const data = {
      taskQueue,
      workflow: pollers.workflow.map((p) => p.identity),
      activity: pollers.activity.map((p) => p.identity),
    };
    const counts = `${pollers.workflow.length} workflow and ${pollers.activity.length} activity poller(s) on task queue "${taskQueue}"`;
    if (pollers.workflow.length === 0 || pollers.activity.length === 0) {
      results.push(
        warn(
          'temporal.pollers',
          `${counts}: sweeps on it wait for ${pollers.workflow.length === 0 ? 'a workflow' : 'an activity'} worker`,
          `start one: \`proxysweep worker --task-queue ${taskQueue}\` (see \`proxysweep workers\`)`,
          data,
        ),
      );
    } else {
      results.push(pass('temporal.pollers', counts, data));
    }
    return results;
  } catch (err) {
    return [
      fail(
        'temporal',
        `cannot reach Temporal at ${target.address || '(no address)'}: ${reason(err)} (namespace and pollers not checked)`,
        'check TEMPORAL_ADDRESS (and TEMPORAL_TLS_* / TEMPORAL_API_KEY), and that the Temporal server runs',
        { address: target.address },
      ),
    ];
  } finally {
    await client?.connection.close().catch(() => undefined);
  }
}

/** Why a connection failed, without connectClient's own "cannot reach … ; check …" framing. */
function reason(err: unknown): string {
  return firstLine(err)
    .replace(/^cannot reach Temporal at [^:]*: /, '')
    .replace(/; check TEMPORAL_ADDRESS.*$/, '');
}
