// Maps real time to simulated time: simulated = start + (real − realStart) × speedup.
export class SimClock {
  readonly simStartMs: number;
  readonly realStartMs: number;
  readonly speedup: number;
  private readonly now: () => number;

  constructor(simStartMs: number, speedup: number, now: () => number = Date.now) {
    this.simStartMs = simStartMs;
    this.speedup = speedup;
    this.now = now;
    this.realStartMs = now();
  }

  simNow(): number {
    return this.simAt(this.now());
  }

  simAt(realMs: number): number {
    return this.simStartMs + (realMs - this.realStartMs) * this.speedup;
  }

  /** The real instant at which simulated time reaches `simMs`. */
  realAt(simMs: number): number {
    return this.realStartMs + (simMs - this.simStartMs) / this.speedup;
  }

  /** Milliseconds from now until simulated time reaches `simMs` (≤ 0 when already past). */
  delayUntil(simMs: number): number {
    return this.realAt(simMs) - this.now();
  }
}
