import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ApiError } from './api-error';

export type RouteHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type RouteMethod = 'GET' | 'POST';

export interface RouteOptions {
  /** Served without an API key (`/healthz` and `/readyz`: probes carry no secrets and answer none). */
  public?: boolean;
  /** A body limit of the route's own instead of the API's (the codec server carries whole payloads). */
  bodyLimit?: number;
}

/**
 * Registers the API's routes so that every path answers every method: the wrong method on a known
 * path is a 405 naming the allowed ones rather than a misleading 404. Also remembers the paths,
 * for the 404 message, and which of them are public.
 */
export class RouteTable {
  private readonly entries: { url: string; methods: RouteMethod[] }[] = [];
  private readonly publicUrls = new Set<string>();

  constructor(private readonly app: FastifyInstance) {}

  add(url: string, handlers: Partial<Record<RouteMethod, RouteHandler>>, options: RouteOptions = {}): void {
    const methods = Object.keys(handlers) as RouteMethod[];
    const limit = options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {};
    for (const method of methods) this.app.route({ method, url, handler: handlers[method]!, ...limit });
    const allowed = methods.join(', ');
    const others = METHODS.filter((method) => !methods.includes(method as RouteMethod));
    this.app.route({
      method: others,
      url,
      handler: async (request) => {
        throw new ApiError({
          status: 405,
          code: 'method_not_allowed',
          message: `${request.method} is not allowed on ${url}; use ${allowed}`,
          headers: { allow: allowed },
        });
      },
    });
    this.entries.push({ url, methods });
    if (options.public) this.publicUrls.add(url);
  }

  /** Whether the route a request matched is served without an API key. */
  isPublic(request: FastifyRequest): boolean {
    const url = request.routeOptions.url;
    return url !== undefined && this.publicUrls.has(url);
  }

  /** Every route as `METHOD path`, for the 404 message. */
  describe(): string[] {
    return this.entries.flatMap((entry) => entry.methods.map((method) => `${method} ${entry.url}`));
  }
}
