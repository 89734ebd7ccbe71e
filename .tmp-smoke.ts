import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startSimulator } from './simulator/start-simulator';
(async () => {
  const sim = await startSimulator();
  const a = new Anthropic({ baseURL: sim.anthropic.baseURL, apiKey: 'x', maxRetries: 0 });
  const o = new OpenAI({ baseURL: sim.openai.baseURL, apiKey: 'x', maxRetries: 0 });
  for (const when of ['mid_body', 'before_headers'] as const) {
    sim.faults.add({ effect: { type: 'reset', when }, times: 2 });
    const e1 = await a.messages.create({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'Hello there' }] }).catch(e => e);
    console.log(when, 'anthropic', e1?.constructor?.name, String(e1).slice(0, 200), e1?.cause ? String(e1.cause) : '');
    const e2 = await o.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hello there' }] }).catch(e => e);
    console.log(when, 'openai', e2?.constructor?.name, String(e2).slice(0, 200), e2?.cause ? String(e2.cause) : '');
  }
  sim.faults.add({ effect: { type: 'hang' }, times: 1 });
  const t = Date.now();
  const e3 = await a.messages.create({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'Hello there' }] }, { timeout: 200 }).catch(e => e);
  console.log('hang', e3?.constructor?.name, Date.now() - t);
  await new Promise(r => setTimeout(r, 50));
  console.log(sim.callLog.list().map(c => [c.id, c.state, c.status, c.fault?.effect.type]));
  await sim.stop();
})();
