import { describe, expect, it } from 'vitest';
import type { ConnectionResult, UnmatchedSummary } from '../../schema/index.ts';
import { startSandboxes } from '../calendar/helpers.ts';
import { seedWedding } from '../comms/helpers.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api } from './helpers.ts';

// Changing what a connection takes from its system (here: importEvents) reads the system again in
// full, so what was already there is judged by the new settings too — not only what changes later.

describe('a connection whose import settings change', () => {
  it('reads its calendar again: an event that was there before importEvents became "all" reaches the unmatched queue', async () => {
    const t = await startTestServer({ env: { PULL_INTERVAL_MS: '600000' } });
    const s = await startSandboxes();
    const alex = await signedIn(t, 'alex@lens.example', 'Alex');
    const lens = await workspaceWith(t, alex, 'Lens & Light', ['w-lens'], 'photographer');
    const token = await alex.accessToken('w-lens');
    await seedWedding(t, token, 'w-lens', { meta: { title: 'Ana & Ben', date: '2027-06-12', timezone: 'Europe/London' } });
    s.google.userInsert(s.googleCalendarId, { id: 'maria-tom-1', summary: 'Maria & Tom wedding', start: { dateTime: '2027-09-18T13:00:00-04:00', timeZone: 'America/New_York' }, end: { dateTime: '2027-09-18T23:00:00-04:00', timeZone: 'America/New_York' } });
    const clientId = 'wedsync-client';
    const clientSecret = 'wedsync-secret';
    const made = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: {
      workspaceId: lens.id, system: 'google-calendar', credentials: { refreshToken: s.google.issueRefreshToken(clientId, clientSecret), clientId, clientSecret },
      configuration: { calendarId: s.googleCalendarId, apiBaseUrl: s.google.url, tokenUrl: s.google.tokenUrl, watch: false },
      bindings: [{ weddingId: 'w-lens' }],
    } });
    expect(made.status).toBe(201);
    const queue = async () => (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${lens.id}/unmatched`, token)).body.records;
    // Only linked events by default: the private appointment is busy time, not a record.
    await waitFor(() => s.google.requests.some((r) => r.method === 'GET' && r.path.includes('/events')), 'the first read');
    expect(await queue()).toEqual([]);

    const patched = await api(t, `/api/connections/${made.body.connectionId}`, token, { method: 'PATCH', json: { configuration: { importEvents: 'all' } } });
    expect(patched.status).toBe(200);
    await waitFor(async () => (await queue()).length === 1, 'the event already in the calendar, now in the queue');
    expect((await queue())[0]!.record).toMatchObject({ title: 'Maria & Tom wedding', date: '2027-09-18' });
  });
});
