import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type SimulatorHandle } from '../../simulator/start-simulator';

/** Real SDK clients aimed at a simulator, changed from the defaults only in `baseURL`, `apiKey` and retries. */
export function simulatorClients(simulator: SimulatorHandle): { anthropic: Anthropic; openai: OpenAI } {
  return {
    anthropic: new Anthropic({ baseURL: simulator.anthropic.baseURL, apiKey: 'test-key', maxRetries: 0 }),
    openai: new OpenAI({ baseURL: simulator.openai.baseURL, apiKey: 'test-key', maxRetries: 0 }),
  };
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** 200 when a call succeeds, else the HTTP status of the SDK error it fails with (other errors are rethrown). */
export async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number') return status;
    throw error;
  }
}
