import { type ActiveFault, FaultSpec, type FaultSpecInput } from './fault-spec';
import { type SimulatedProvider } from './simulated-provider';

/**
 * The faults injected into a running simulator. Each call takes at most one fault: the first
 * (oldest) active fault whose target matches, which then counts one use.
 */
export class FaultInjector {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  constructor(private readonly now: () => number = Date.now) {}

  /** Injects a fault; throws a `ZodError` when `spec` is invalid. */
  add(spec: FaultSpecInput): ActiveFault {
    const parsed = FaultSpec.parse(spec);
    const createdAt = this.now();
    const fault: ActiveFault = {
      ...parsed,
      id: `fault_${this.nextId++}`,
      createdAt,
      expiresAt: parsed.durationMs === undefined ? null : createdAt + parsed.durationMs,
      remainingCalls: parsed.times ?? null,
      hits: 0,
    };
    this.faults.push(fault);
    return structuredClone(fault);
  }

  /** The faults still active, oldest first. */
  list(): ActiveFault[] {
    this.prune();
    return structuredClone(this.faults);
  }

  /** Removes one fault; `false` when there was no such fault. */
  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((fault) => fault.id !== id);
    return this.faults.length < before;
  }

  clear(): void {
    this.faults = [];
  }

  /** The fault that hits a call to `model` on `provider`, if any, counting the hit. */
  take(provider: SimulatedProvider, model: string | null): ActiveFault | undefined {
    this.prune();
    const fault = this.faults.find(
      (f) => (f.provider === undefined || f.provider === provider) && (f.model === undefined || f.model === model),
    );
    if (!fault) return undefined;
    fault.hits++;
    if (fault.remainingCalls !== null) fault.remainingCalls--;
    const snapshot = structuredClone(fault);
    this.prune();
    return snapshot;
  }

  private prune(): void {
    const now = this.now();
    this.faults = this.faults.filter((f) => f.remainingCalls !== 0 && (f.expiresAt === null || f.expiresAt > now));
  }
}
