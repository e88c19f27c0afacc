import type { EventEmitter } from 'node:events';

/**
 * Runs a worker's pass when kicked, and again after the delay the pass returns (null: wait for the
 * next kick). Never two passes at once: a kick during a pass runs another one right after it.
 */
export class PassLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  constructor(
    private readonly pass: () => Promise<number | null>,
    private readonly onError: (error: unknown) => void,
    private readonly afterErrorMs = 1000,
  ) {}

  start(): void {
    this.stopped = false;
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  get active(): boolean {
    return !this.stopped;
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) { this.again = true; return; }
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.pass().then(
        (next) => { if (next !== null) this.schedule(next); },
        (error) => { this.onError(error); this.schedule(this.afterErrorMs); },
      ).finally(() => {
        this.running = null;
        if (this.again) { this.again = false; this.schedule(0); }
      });
    }, Math.max(0, delayMs));
  }
}

/**
 * Reads `read()` until `done` says so or `timeoutMs` passes, re-reading whenever `events` emits
 * `event` (and at least every 250 ms); resolves with the last reading.
 */
export async function readUntil<T>(read: () => T | Promise<T>, done: (value: T) => boolean, events: EventEmitter, event: string, timeoutMs: number, now: () => number): Promise<T> {
  const deadline = now() + timeoutMs;
  for (;;) {
    const value = await read();
    const left = deadline - now();
    if (done(value) || left <= 0) return value;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        events.off(event, wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.min(left, 250));
      events.once(event, wake);
    });
  }
}
