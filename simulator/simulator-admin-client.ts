import { z } from 'zod';
import { ADMIN_PREFIX, AdminErrorBody } from './admin-routes';
import { CallFilter, CallRecord } from './call-log';
import { ActiveFault, type FaultSpecInput } from './fault-spec';
import { SimulatorScript, type SimulatorScriptInput } from './simulator-script';

/** An admin call the simulator refused; `problems` lists what was wrong with the input. */
export class SimulatorAdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: string[],
  ) {
    super(problems.length > 0 ? `${message}: ${problems.join('; ')}` : message);
    this.name = 'SimulatorAdminError';
  }
}

/**
 * The admin API over HTTP, for tests that run the simulator in another process. Either server's
 * root URL will do: both serve the same admin state. Responses are validated, since they cross a
 * process boundary.
 */
export class SimulatorAdminClient {
  private readonly adminUrl: string;

  constructor(serverUrl: string) {
    this.adminUrl = serverUrl.replace(/\/+$/, '') + ADMIN_PREFIX;
  }

  /** Resolves once the simulator answers. */
  async health(): Promise<boolean> {
    const { ok } = await this.request('GET', '/health', z.object({ ok: z.boolean() }));
    return ok;
  }

  async calls(filter: CallFilter = {}): Promise<CallRecord[]> {
    const query = new URLSearchParams(
      Object.entries(CallFilter.parse(filter)).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    return (await this.request('GET', `/calls${suffix}`, z.object({ calls: z.array(CallRecord) }))).calls;
  }

  /** Clears the call log; returns how many calls it held. */
  async clearCalls(): Promise<number> {
    return (await this.request('DELETE', '/calls', z.object({ cleared: z.number() }))).cleared;
  }

  async addFault(spec: FaultSpecInput): Promise<ActiveFault> {
    return (await this.request('POST', '/faults', z.object({ fault: ActiveFault }), spec)).fault;
  }

  async faults(): Promise<ActiveFault[]> {
    return (await this.request('GET', '/faults', z.object({ faults: z.array(ActiveFault) }))).faults;
  }

  async removeFault(id: string): Promise<void> {
    await this.request('DELETE', `/faults/${encodeURIComponent(id)}`, z.unknown());
  }

  /** Removes every fault; returns how many were active. */
  async clearFaults(): Promise<number> {
    return (await this.request('DELETE', '/faults', z.object({ cleared: z.number() }))).cleared;
  }

  async script(): Promise<SimulatorScript> {
    return (await this.request('GET', '/script', z.object({ script: SimulatorScript }))).script;
  }

  /** Replaces the script; returns it with defaults applied. */
  async setScript(script: SimulatorScriptInput): Promise<SimulatorScript> {
    return (await this.request('PUT', '/script', z.object({ script: SimulatorScript }), script)).script;
  }

  private async request<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const response = await fetch(this.adminUrl + path, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const json: unknown = text === '' ? undefined : JSON.parse(text);
    if (!response.ok) {
      const error = AdminErrorBody.safeParse(json);
      throw error.success
        ? new SimulatorAdminError(response.status, error.data.error.message, error.data.error.problems)
        : new SimulatorAdminError(response.status, `${method} ${path} failed with HTTP ${response.status}`, []);
    }
    return schema.parse(json);
  }
}
