import { type AddressInfo } from 'node:net';
import { type FastifyInstance } from 'fastify';
import { createAnthropicServer } from './anthropic-server';
import { CallLog } from './call-log';
import { FaultInjector } from './fault-injector';
import { type SimulatorContext } from './simulator-context';
import { createOpenaiServer } from './openai-server';
import { type RouterbenchDataset, routerbenchTrainFiles } from './routerbench-dataset';
import { ReleaseGate } from './release-gate';
import { ScriptResponder } from './script-responder';
import { type SimulatorScript, type SimulatorScriptInput } from './simulator-script';

export interface StartSimulatorOptions {
  /** Interface to listen on; loopback by default. */
  host?: string;
  /** 0 (the default) picks a free port. */
  anthropicPort?: number;
  openaiPort?: number;
  /** The behaviour script; by default every model gets the generic behaviour and RouterBench names replay. */
  script?: SimulatorScriptInput;
  /** RouterBench-format CSVs to replay from; by default the train splits in the shared data folder. */
  replayFiles?: readonly string[];
  /** Load the replay data before returning, instead of on the first replayed call. */
  preloadReplay?: boolean;
  /** Oldest call records are dropped beyond this many. */
  callLogLimit?: number;
}

/** One simulated provider's server. */
export interface SimulatorEndpoint {
  /** Root URL, e.g. `http://127.0.0.1:41234`; the admin API is under `${url}/_admin`. */
  url: string;
  /** What to give the provider's SDK as `baseURL`: the root for Anthropic, `${url}/v1` for OpenAI. */
  baseURL: string;
  port: number;
}

/** A running simulator: both servers, their shared state, and how to stop them. */
export interface SimulatorHandle {
  anthropic: SimulatorEndpoint;
  openai: SimulatorEndpoint;
  callLog: CallLog;
  faults: FaultInjector;
  /** Lets every call held by an `until_released` latency answer now; returns how many. */
  release(): number;
  /** Replaces the script for every later call; throws a `ZodError` when it is invalid. */
  setScript(script: SimulatorScriptInput): SimulatorScript;
  script(): SimulatorScript;
  /** The replay data (loaded on first use). */
  replayDataset(): Promise<RouterbenchDataset>;
  /** Stops both servers, cutting off any call still in flight. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts the simulated Anthropic and OpenAI servers, sharing one script, fault list and call log. */
export async function startSimulator(options: StartSimulatorOptions = {}): Promise<SimulatorHandle> {
  const host = options.host ?? '127.0.0.1';
  const context: SimulatorContext = {
    callLog: new CallLog(options.callLogLimit),
    faults: new FaultInjector(),
    gate: new ReleaseGate(),
    responder: new ScriptResponder(options.script ?? {}, options.replayFiles ?? routerbenchTrainFiles()),
  };
  if (options.preloadReplay) await context.responder.loadDataset();

  const apps: FastifyInstance[] = [];
  const listen = async (app: FastifyInstance, port: number, sdkPath: string): Promise<SimulatorEndpoint> => {
    apps.push(app);
    await app.listen({ host, port });
    const address = app.server.address() as AddressInfo;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    return { url, baseURL: url + sdkPath, port: address.port };
  };
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= Promise.all(apps.map((app) => app.close())).then(() => undefined));

  try {
    const anthropic = await listen(createAnthropicServer(context), options.anthropicPort ?? 0, '');
    const openai = await listen(createOpenaiServer(context), options.openaiPort ?? 0, '/v1');
    return {
      anthropic,
      openai,
      callLog: context.callLog,
      faults: context.faults,
      release: () => context.gate.release(),
      setScript: (script) => context.responder.setScript(script),
      script: () => context.responder.currentScript,
      replayDataset: () => context.responder.loadDataset(),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
