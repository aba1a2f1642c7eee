import type { Client } from '@temporalio/client';
import { tsToDate } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';

export interface Poller {
  /** The worker's identity: a proxysweep worker's id in the workers table. */
  identity: string;
  /** When the server last saw it poll (server clock). */
  lastAccessTime?: Date;
}

export interface TaskQueuePollers {
  workflow: Poller[];
  activity: Poller[];
}

const { TaskQueueType, TaskQueueKind } = temporal.api.enums.v1;

/**
 * The pollers Temporal has seen on `taskQueue` recently, for workflow and for activity tasks. The server keeps
 * a poller listed for a few minutes after its last poll: compare `lastAccessTime` to tell live from gone.
 */
export async function taskQueuePollers(client: Client, taskQueue: string): Promise<TaskQueuePollers> {
  const describe = async (taskQueueType: temporal.api.enums.v1.TaskQueueType): Promise<Poller[]> => {
    const r = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType,
    });
    return (r.pollers ?? []).map((p) => ({
      identity: p.identity ?? '',
      lastAccessTime: p.lastAccessTime ? tsToDate(p.lastAccessTime) : undefined,
    }));
  };
  const [workflow, activity] = await Promise.all([
    describe(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
    describe(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY),
  ]);
  return { workflow, activity };
}
