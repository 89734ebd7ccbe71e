/**
 * Where calls scripted with `latency: { type: 'until_released' }` wait: no answer until `release()`,
 * however long that takes. For scenarios that need calls in flight across a disruption (a worker
 * killed, a server restarted) without guessing how long the disruption and the load will take.
 */
export class ReleaseGate {
  private readonly waiting = new Set<() => void>();

  /** Resolves `false` once released, or `true` when `lost` (the client went away) comes first. */
  async wait(lost: Promise<true>): Promise<boolean> {
    let open: (() => void) | undefined;
    const released = new Promise<false>((resolve) => {
      open = () => resolve(false);
      this.waiting.add(open);
    });
    const outcome = await Promise.race([released, lost]);
    this.waiting.delete(open!);
    return outcome;
  }

  /** Lets every call waiting now answer; returns how many. Calls held later wait for the next release. */
  release(): number {
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const open of waiting) open();
    return waiting.length;
  }

  /** Calls waiting now. */
  get size(): number {
    return this.waiting.size;
  }
}
