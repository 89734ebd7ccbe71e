import { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { CallFilter } from './call-log';
import { FaultSpec } from './fault-spec';
import { type SimulatorContext } from './simulator-context';
import { SimulatorScript } from './simulator-script';

/** Where the admin endpoints live on both servers. */
export const ADMIN_PREFIX = '/_admin';

/** The admin API's error body. */
export const AdminErrorBody = z.object({ error: z.object({ message: z.string(), problems: z.array(z.string()) }) });
export type AdminErrorBody = z.infer<typeof AdminErrorBody>;

function invalid(reply: FastifyReply, what: string, error: z.ZodError): FastifyReply {
  const problems = error.issues.map((issue) =>
    issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
  );
  const body: AdminErrorBody = { error: { message: `invalid ${what}`, problems } };
  return reply.code(400).send(body);
}

/**
 * The admin endpoints, the same on both servers (they share one state):
 * - `GET /_admin/health`
 * - `GET /_admin/calls?provider=&model=&state=`, `DELETE /_admin/calls`
 * - `GET /_admin/faults`, `POST /_admin/faults` (a `FaultSpec`), `DELETE /_admin/faults`, `DELETE /_admin/faults/:id`
 * - `GET /_admin/script`, `PUT /_admin/script` (a `SimulatorScript`)
 * - `POST /_admin/release`: answers every call held by an `until_released` latency
 * Bodies are validated; errors are `AdminErrorBody`.
 */
export async function registerAdminRoutes(admin: FastifyInstance, context: SimulatorContext): Promise<void> {
  admin.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const body: AdminErrorBody = { error: { message: error.message, problems: [] } };
    return reply.code(error.statusCode ?? 500).send(body);
  });
  admin.setNotFoundHandler((request, reply) => {
    const body: AdminErrorBody = {
      error: { message: `no admin endpoint ${request.method} ${request.url}`, problems: [] },
    };
    return reply.code(404).send(body);
  });

  admin.get('/health', async () => ({ ok: true }));

  admin.get('/calls', async (request, reply) => {
    const filter = CallFilter.safeParse(request.query);
    if (!filter.success) return invalid(reply, 'call filter', filter.error);
    return { calls: context.callLog.list(filter.data) };
  });
  admin.delete('/calls', async () => {
    const cleared = context.callLog.size;
    context.callLog.clear();
    return { cleared };
  });

  admin.get('/faults', async () => ({ faults: context.faults.list() }));
  admin.post('/faults', async (request, reply) => {
    const spec = FaultSpec.safeParse(request.body);
    if (!spec.success) return invalid(reply, 'fault', spec.error);
    return reply.code(201).send({ fault: context.faults.add(spec.data) });
  });
  admin.delete('/faults', async () => {
    const cleared = context.faults.list().length;
    context.faults.clear();
    return { cleared };
  });
  admin.delete<{ Params: { id: string } }>('/faults/:id', async (request, reply) => {
    if (!context.faults.remove(request.params.id)) {
      const body: AdminErrorBody = { error: { message: `no active fault "${request.params.id}"`, problems: [] } };
      return reply.code(404).send(body);
    }
    return reply.code(204).send();
  });

  admin.post('/release', async () => ({ released: context.gate.release() }));

  admin.get('/script', async () => ({ script: context.responder.currentScript }));
  admin.put('/script', async (request, reply) => {
    const script = SimulatorScript.safeParse(request.body);
    if (!script.success) return invalid(reply, 'script', script.error);
    return { script: context.responder.setScript(script.data) };
  });
}
