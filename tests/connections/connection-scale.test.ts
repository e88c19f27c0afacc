import { describe, expect, it } from 'vitest';
import type { ConnectionResult } from '../../schema/index.ts';
import { startSandboxes } from '../calendar/helpers.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, STORY_WEDDINGS, studio } from './helpers.ts';

const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };

const WEDDINGS = STORY_WEDDINGS;

/** A Prometheus gauge's value from /metrics. */
async function gauge(t: { fetch: (p: string) => Promise<Response> }, name: string): Promise<number> {
  const text = await (await t.fetch('/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`${name} not in /metrics`);
  return Number(line.split(' ')[1]);
}

describe('one calendar bound to many weddings costs one client, one token and one busy read', () => {
  it('idle bindings build no adapter; the account refreshes one token; busy times are read once for every wedding', async () => {
    const s = await startSandboxes();
    const clientId = 'wedsync-client';
    const clientSecret = 'wedsync-secret';
    let t = await startTestServer({ env });
    const { pat, alex, lens } = await studio(t, WEDDINGS);
    const ana = await alex.accessToken('w-ana');
    const calendar = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', ana, { json: {
      workspaceId: lens.id, system: 'google-calendar', label: 'Studio calendar',
      credentials: { refreshToken: s.google.issueRefreshToken(clientId, clientSecret), clientId, clientSecret },
      configuration: { calendarId: s.googleCalendarId, apiBaseUrl: s.google.url, tokenUrl: s.google.tokenUrl, importEvents: 'all' },
    } });
    expect(calendar.status).toBe(201);
    for (const w of WEDDINGS) {
      const bound = await api(t, `/api/connections/${calendar.body.connectionId}/bindings`, await alex.accessToken(w.id), { json: { weddingId: w.id, configuration: { vendorId: 'photo' } } });
      expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    }
    await waitFor(() => s.google.events(s.googleCalendarId).length === 3, "each wedding's portraits in the calendar");
    const tokenGrants = () => s.google.requests.filter((r) => r.method === 'POST' && r.path === '/token').length;
    // Three weddings pushed through three bindings, one account: one token for the connection test,
    // one for the running account (its pulls and every wedding's pushes), not one per wedding.
    expect(tokenGrants()).toBe(2);

    // After a restart every binding is idle. A busy block outside WedSync arrives (push notification,
    // pull, routing: it names no wedding, so it waits in the queue): no binding's adapter is built for it.
    const { dataDir, port } = t;
    await t.close();
    // The same port: the calendar's watch channel delivers to the address it was given.
    t = await startTestServer({ env: { ...env, PORT: String(port) }, dataDir });
    expect(await gauge(t, 'wedsync_active_integrations')).toBe(3);
    s.google.userInsert(s.googleCalendarId, { id: 'dentist-1', summary: 'Dentist', start: { dateTime: '2027-06-12T09:00:00+01:00' }, end: { dateTime: '2027-06-12T10:00:00+01:00' } });
    await waitFor(async () => (await api<{ records: unknown[] }>(t, `/api/workspaces/${lens.id}/unmatched`, ana)).body.records.length === 1, 'the block read and queued');
    expect(await gauge(t, 'wedsync_binding_adapters_built')).toBe(0);

    // Every wedding's availability for the photographer sees the block, from one read of the calendar.
    const busyReads = () => s.google.requests.filter((r) => r.method === 'GET' && r.path.includes('singleEvents=true')).length;
    const readsBefore = busyReads();
    for (const w of WEDDINGS) {
      const res = await api<{ busy: { start: string; end: string }[] }>(t, `/api/integrations/calendar/availability?vendorId=photo&from=2027-06-12T00:00:00Z&to=2027-06-13T00:00:00Z`, await alex.accessToken(w.id));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(JSON.stringify(res.body), w.id).toContain('2027-06-12T08:00:00.000Z');
    }
    expect(busyReads() - readsBefore).toBe(1);
    // Reading availability built no binding's adapter either: the connection's adapter read the calendar.
    expect(await gauge(t, 'wedsync_binding_adapters_built')).toBe(0);

    // The planner's edit in one wedding builds that binding's adapter only, and its push reuses the account's token.
    const grantsBefore = tokenGrants();
    const c = await t.connect('w-chloe', await pat.accessToken('w-chloe'));
    await c.whenSynced();
    c.doc.upsertEvent({ id: 'first-look', title: 'First look', start: '2027-07-03T15:00:00-04:00', end: '2027-07-03T15:30:00-04:00', category: 'photos', vendorIds: ['photo'] });
    await waitFor(() => s.google.events(s.googleCalendarId).some((e) => e.summary === 'Chloe & Dev · First look'), 'the new event pushed');
    expect(await gauge(t, 'wedsync_binding_adapters_built')).toBe(1);
    expect(tokenGrants() - grantsBefore).toBe(0);
    await c.destroy();
    await t.close();
  });
});
