import type { GoogleCalendarSandbox } from '../../adapters/google-calendar/sandbox.ts';
import type { InjectedFailure } from '../../adapters/core/sandbox-server.ts';

/**
 * The demo's refusal switch (issue 14, trial 23): while on, the Google Calendar sandbox answers
 * 400 to every change the hub sends to an event (insert, update, delete), as Google does to a
 * request it will never accept. A timeline edit then becomes a dead letter, shown in the wedding's
 * Integrations under "Changes a system refused", and Replay (once the switch is off) delivers it:
 * the dead-letter flow, reachable from a browser. Sandbox only: it exists on the demo's own
 * sandbox, never on a real connection, and is kept in memory (a restart turns it off).
 */
export class DemoRefusal {
  private failure: InjectedFailure | null = null;

  constructor(private readonly google: GoogleCalendarSandbox) {}

  get refusing(): boolean {
    return this.failure !== null && this.failure.count > 0;
  }

  /** Turns the refusal on or off (idempotent). */
  set(refusing: boolean): void {
    if (refusing === this.refusing) return;
    if (this.failure) this.failure.count = 0;
    this.failure = null;
    if (!refusing) return;
    this.failure = { count: Number.POSITIVE_INFINITY, status: 400, when: eventChange };
    this.google.failNext(this.failure);
  }
}

/** A request that changes an event: not reads (the hub's pulls), not watch channels, not tokens. */
function eventChange(method: string, path: string): boolean {
  return method !== 'GET' && /^\/calendar\/v3\/calendars\/[^/]+\/events(\/[^/]+)?$/.test(path) && !path.endsWith('/events/watch');
}
