import { renderAnswer, type RenderedAnswer } from './answer-renderer';
import { type ChatRequest, lastUserText } from './chat-request';
import { isRouterbenchModel, RouterbenchDataset, ROUTERBENCH_MODELS } from './routerbench-dataset';
import { sampleLatencyMs } from './sample-latency';
import {
  type ModelBehaviour,
  type PatternSpec,
  type PromptCondition,
  SimulatorScript,
  type SimulatorScriptInput,
} from './simulator-script';
import { unitHash } from './unit-hash';

/** What the script decided for one call: an answer or an error, after `latencyMs` (or once released). */
export type ScriptedReply = RenderedAnswer & {
  latencyMs: number;
  /** Held until the simulator's `release()` instead of a latency. */
  untilReleased?: boolean;
  /** Which rule answered, for the call log. */
  rule: string;
};

const MAX_TRACKED_PROMPTS = 100_000;

const REPLAY_BEHAVIOUR: ModelBehaviour = {
  rules: [],
  defaultAnswer: { type: 'replay' },
  latency: { type: 'fixed', ms: 0 },
};

/**
 * Answers model calls by the current script. The RouterBench data is loaded on the first replayed
 * call and kept; a failed load is retried on the next one.
 */
export class ScriptResponder {
  private script: SimulatorScript;
  private datasetLoad: Promise<RouterbenchDataset> | undefined;
  private readonly occurrences = new Map<string, number>();
  private readonly compiledPatterns = new Map<string, RegExp>();

  constructor(
    script: SimulatorScriptInput,
    private readonly replayFiles: readonly string[],
  ) {
    this.script = SimulatorScript.parse(script);
  }

  get currentScript(): SimulatorScript {
    return structuredClone(this.script);
  }

  /** Replaces the script; throws a `ZodError` (and keeps the old one) when it is invalid. */
  setScript(script: SimulatorScriptInput): SimulatorScript {
    this.script = SimulatorScript.parse(script);
    this.occurrences.clear();
    return this.currentScript;
  }

  /** The recorded RouterBench answers, loaded once. */
  loadDataset(): Promise<RouterbenchDataset> {
    this.datasetLoad ??= RouterbenchDataset.load(this.replayFiles).catch((error: unknown) => {
      this.datasetLoad = undefined;
      throw error;
    });
    return this.datasetLoad;
  }

  /** The model names the script answers for by name (others get `otherModels` unless `strictModels`). */
  knownModels(): string[] {
    const names = Object.keys(this.script.models);
    if (this.script.replayDatasetModels) names.push(...ROUTERBENCH_MODELS.filter((m) => !names.includes(m)));
    return names;
  }

  async respond(request: ChatRequest): Promise<ScriptedReply> {
    const found = this.behaviourOf(request.model);
    if (!found) {
      return {
        kind: 'error',
        status: 404,
        message: request.model,
        code: 'model_not_found',
        latencyMs: 0,
        rule: 'strictModels',
      };
    }
    const { behaviour, label } = found;
    const prompt = lastUserText(request);
    const seed = this.script.seed;
    const share = unitHash(seed, 'fraction', request.model, prompt);
    const ruleIndex = behaviour.rules.findIndex((rule) => this.holds(rule.when, request, share));
    const rule = behaviour.rules[ruleIndex];
    const answer = rule?.answer ?? behaviour.defaultAnswer;
    const ruleLabel = rule
      ? `${label} rules[${ruleIndex}]${rule.name ? ` (${rule.name})` : ''}`
      : `${label} defaultAnswer`;

    // Each repeat of a prompt draws a fresh latency, still the same from run to run.
    const occurrenceKey = `${request.model}\u0000${prompt}`;
    const occurrence = this.occurrences.get(occurrenceKey) ?? 0;
    // A bound on memory for long benchmarks; restarting the counts only changes later draws.
    if (this.occurrences.size >= MAX_TRACKED_PROMPTS) this.occurrences.clear();
    this.occurrences.set(occurrenceKey, occurrence + 1);
    const latency = rule?.latency ?? behaviour.latency;
    const untilReleased = latency.type === 'until_released';
    const latencyMs =
      latency.type === 'until_released'
        ? 0
        : sampleLatencyMs(
            latency,
            unitHash(seed, 'latency', request.model, prompt, occurrence),
            unitHash(seed, 'latency-2', request.model, prompt, occurrence),
          );

    const rendered = await renderAnswer(answer, {
      request,
      salt: `${seed}\u0000${request.model}\u0000${prompt}`,
      loadDataset: () => this.loadDataset(),
    });
    return { ...rendered, latencyMs, ...(untilReleased ? { untilReleased } : {}), rule: ruleLabel };
  }

  private behaviourOf(model: string): { behaviour: ModelBehaviour; label: string } | undefined {
    const named = this.script.models[model];
    if (named) return { behaviour: named, label: model };
    if (this.script.replayDatasetModels && isRouterbenchModel(model))
      return { behaviour: REPLAY_BEHAVIOUR, label: 'replay' };
    if (this.script.strictModels) return undefined;
    return { behaviour: this.script.otherModels, label: 'otherModels' };
  }

  private holds(condition: PromptCondition, request: ChatRequest, share: number): boolean {
    const prompt = lastUserText(request);
    if (condition.promptContains !== undefined && !prompt.includes(condition.promptContains)) return false;
    if (condition.promptMatches && !this.pattern(condition.promptMatches).test(prompt)) return false;
    if (condition.systemContains !== undefined && !request.system.includes(condition.systemContains)) return false;
    if (condition.systemMatches && !this.pattern(condition.systemMatches).test(request.system)) return false;
    if (condition.jsonRequested !== undefined && (request.json.kind !== 'none') !== condition.jsonRequested)
      return false;
    if (condition.toolsOffered !== undefined && request.tools.length > 0 !== condition.toolsOffered) return false;
    if (condition.toolResultGiven !== undefined && request.toolResultGiven !== condition.toolResultGiven) return false;
    if (condition.fraction !== undefined && !(share < condition.fraction)) return false;
    return true;
  }

  private pattern(spec: PatternSpec): RegExp {
    const key = `${spec.flags ?? ''}/${spec.pattern}`;
    let compiled = this.compiledPatterns.get(key);
    if (!compiled) {
      // Without the g or y flag, test() keeps no state between calls, so one instance serves all.
      compiled = new RegExp(spec.pattern, spec.flags);
      this.compiledPatterns.set(key, compiled);
    }
    return compiled;
  }
}
