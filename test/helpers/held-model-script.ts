import { type SimulatorScriptInput } from '../../simulator';
import { type LatencySpec } from '../../simulator/simulator-script';

export interface HeldModelScriptOptions {
  seed: number;
  /** Latency of every call that is not held. */
  latency: LatencySpec;
  /** Latency of each request's last call, the one a disruption (worker kill, server restart) should find running. */
  held: LatencySpec;
}

/**
 * The durability and topology scenarios' models: a request marked `group=small`, `group=mid` or
 * `group=frontier` climbs to that tier, each tier below failing it structurally (truncated JSON on
 * the small tier, contradicted facts on the mid tier), and its call there is held; so every call
 * before the held one has been answered and recorded when the disruption comes.
 */
export function heldModelScript(options: HeldModelScriptOptions): SimulatorScriptInput {
  const { seed, latency, held } = options;
  const valid = { type: 'schema_json', facts: 'use' } as const;
  return {
    seed,
    models: {
      'sim-small': {
        latency,
        rules: [
          { name: 'held', when: { promptContains: 'group=small' }, answer: valid, latency: held },
          {
            name: 'broken json',
            when: { promptMatches: { pattern: 'group=(mid|frontier)' } },
            answer: { type: 'invalid_json', style: 'truncated' },
          },
        ],
        defaultAnswer: valid,
      },
      'sim-mid': {
        latency,
        rules: [{ name: 'held', when: { promptContains: 'group=mid' }, answer: valid, latency: held }],
        defaultAnswer: { type: 'schema_json', facts: 'contradict' },
      },
      'sim-frontier': { latency: held, defaultAnswer: valid },
    },
  };
}
