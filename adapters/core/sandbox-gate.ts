/**
 * Sandbox requests held while the gate is closed (`hold`), all let through at `release`; while it
 * is open, `pass` resolves at once. A sandbox computes its answer, then passes the gate: the answer
 * held is the system's state when the request arrived (a read on its way while something changes).
 */
export class SandboxGate {
  private waiting: (() => void)[] | null = null;

  hold(): void { this.waiting = []; }

  release(): void {
    const waiting = this.waiting ?? [];
    this.waiting = null;
    for (const go of waiting) go();
  }

  /** Requests waiting at the gate. */
  get count(): number { return this.waiting?.length ?? 0; }

  pass(): Promise<void> {
    const waiting = this.waiting;
    return waiting ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve();
  }
}
