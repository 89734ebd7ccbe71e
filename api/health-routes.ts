import { type ConnectionLike } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { type ApiContext } from './api-context';
import { type HealthResponse, type ReadinessResponse } from './cascade-schemas';
import { type RouteTable } from './route-table';

const { TaskQueueKind, TaskQueueType } = temporal.api.enums.v1;

/**
 * Whether cascades submitted now would run: Temporal answers, and a worker polls the task queue
 * for both workflow and activity tasks. The server lists a poller for a while after its worker
 * stopped, so "ready" can lag a worker's death by about a minute; "not ready" never lags.
 */
export async function checkReadiness(
  connection: ConnectionLike,
  namespace: string,
  taskQueue: string,
  timeoutMs: number,
): Promise<ReadinessResponse> {
  const describe = (taskQueueType: number) =>
    connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType,
    });
  let pollers: { workflow: number; activity: number };
  try {
    const [workflow, activity] = await connection.withDeadline(Date.now() + timeoutMs, () =>
      Promise.all([describe(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW), describe(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)]),
    );
    pollers = { workflow: workflow.pollers?.length ?? 0, activity: activity.pollers?.length ?? 0 };
  } catch {
    return {
      ready: false,
      taskQueue,
      temporal: 'unreachable',
      workflowPollers: 0,
      activityPollers: 0,
      reason: `Temporal did not answer within ${Math.round(timeoutMs / 1000)} s`,
    };
  }
  const missing = [pollers.workflow === 0 ? 'workflow' : '', pollers.activity === 0 ? 'activity' : ''].filter(Boolean);
  return {
    ready: missing.length === 0,
    taskQueue,
    temporal: 'reachable',
    workflowPollers: pollers.workflow,
    activityPollers: pollers.activity,
    ...(missing.length > 0
      ? { reason: `no worker is polling task queue "${taskQueue}" for ${missing.join(' and ')} tasks` }
      : {}),
  };
}

/** `/healthz` (the process answers) and `/readyz` (cascades would run). */
export function registerHealthRoutes(routes: RouteTable, context: ApiContext): void {
  routes.add(
    '/healthz',
    {
      async GET() {
        const body: HealthResponse = { status: 'ok' };
        return body;
      },
    },
    { public: true },
  );

  // Public too: load balancers and orchestrators probe readiness without credentials, and the answer
  // holds only the task queue name and poller counts.
  routes.add(
    '/readyz',
    {
      async GET(_request, reply) {
        const readiness = await checkReadiness(
          context.connection,
          context.namespace,
          context.config.taskQueue,
          Math.min(context.limits.temporalTimeoutMs, 5_000),
        );
        return reply.code(readiness.ready ? 200 : 503).send(readiness);
      },
    },
    { public: true },
  );
}
