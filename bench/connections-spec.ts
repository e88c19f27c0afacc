/** What `npm run bench -- connections` and its server process (bench/connections-server.ts) share. */
export const BENCH_SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** One Google Calendar account per connection, bound to 1–3 weddings. */
export interface ConnectionsSpec {
  apiBaseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  connections: { id: string; calendarId: string; refreshToken: string; webhookSecret: string; weddings: string[] }[];
}

/** A stage timestamp from the server: [stage, connection id, epoch ms, wedding id or detail]. */
export type TraceEvent = [stage: string, key: string, at: number, detail: string];
