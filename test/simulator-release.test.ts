import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../simulator';
import { simulatorClients } from './helpers/simulator-clients';

let simulator: SimulatorHandle;
before(async () => {
  simulator = await startSimulator({
    script: {
      models: {
        'sim-held': {
          latency: { type: 'until_released' },
          defaultAnswer: { type: 'text', text: 'released' },
        },
      },
    },
  });
});
after(async () => {
  await simulator?.stop();
});

describe('latency until_released', () => {
  it('holds calls in flight until release(), then answers each of them once', async () => {
    const { anthropic, openai } = simulatorClients(simulator);
    const message = anthropic.messages.create({
      model: 'sim-held',
      max_tokens: 32,
      messages: [{ role: 'user', content: 'a' }],
    });
    const completion = openai.chat.completions.create({
      model: 'sim-held',
      messages: [{ role: 'user', content: 'b' }],
    });
    await simulator.callLog.waitFor({ state: 'in_flight' }, (inFlight) => inFlight.length === 2, 5000);
    // Held: still in flight well after any latency the script could have drawn.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(simulator.callLog.list({ state: 'in_flight' }).length, 2);

    assert.equal(simulator.release(), 2);
    const [first, second] = await Promise.all([message, completion]);
    assert.deepEqual(first.content, [{ type: 'text', text: 'released', citations: null }]);
    assert.equal(second.choices[0]!.message.content, 'released');
    assert.equal(simulator.callLog.list({ state: 'completed' }).length, 2);
    assert.equal(simulator.release(), 0, 'nothing left waiting');
  });

  it('forgets a held call whose client went away: it is aborted, not released later', async () => {
    const { openai } = simulatorClients(simulator);
    const controller = new AbortController();
    const call = openai.chat.completions.create(
      { model: 'sim-held', messages: [{ role: 'user', content: 'c' }] },
      { signal: controller.signal },
    );
    const [held] = await simulator.callLog.waitFor({ state: 'in_flight' }, (inFlight) => inFlight.length === 1, 5000);
    controller.abort();
    await assert.rejects(call);
    await simulator.callLog.waitFor({ state: 'aborted' }, (aborted) => aborted.some((c) => c.id === held!.id), 5000);
    assert.equal(simulator.release(), 0);
  });
});
