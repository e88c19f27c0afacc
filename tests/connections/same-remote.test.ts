import { describe, expect, it } from 'vitest';
import type { AuditEntry, ConnectionResult, ConnectionSummary } from '../../schema/index.ts';
import { caldavConnection, outlookConnection, startSandboxes, type CalendarSandboxes } from '../calendar/helpers.ts';
import { collectionId } from '../../adapters/caldav/client.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, STORY_WEDDINGS, studio } from './helpers.ts';

// A calendar connected twice syncs twice: every event pushed into it twice, every change in it
// imported twice. One connection per calendar or account (server/bridge/same-remote.ts): per
// business, and per wedding whoever connected it; named by what the connection test reached, so
// the same calendar under another name is the same calendar.

const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };
type Refusal = { error: { code: string; message: string; details?: { connectionId: string; remoteId: string } } };

function google(s: CalendarSandboxes, calendarId: string) {
  return {
    system: 'google-calendar',
    credentials: { refreshToken: s.google.issueRefreshToken('c', 's'), clientId: 'c', clientSecret: 's' },
    configuration: { calendarId, apiBaseUrl: s.google.url, tokenUrl: s.google.tokenUrl, watch: false },
  };
}

async function googleConnections(t: TestServer, token: string, workspaceId: string): Promise<ConnectionSummary[]> {
  const list = await api<{ connections: ConnectionSummary[] }>(t, `/api/workspaces/${workspaceId}/connections`, token);
  expect(list.status).toBe(200);
  return list.body.connections.filter((c) => c.system === 'google-calendar');
}

describe('one connection per calendar or account', () => {
  it('a business connects its Google calendar once: again, under its own id instead of "primary", is refused and names the first; another calendar is not', async () => {
    const t = await startTestServer({ env });
    const s = await startSandboxes();
    const { alex, lens } = await studio(t, STORY_WEDDINGS.slice(0, 1));
    const token = await alex.accessToken('w-ana');
    const connectBusiness = (calendarId: string) =>
      api<ConnectionResult & Refusal>(t, '/api/integrations/vendor/connect', token, { json: { workspaceId: lens.id, label: 'Studio calendar', ...google(s, calendarId) } });

    const first = await connectBusiness('primary');
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    // Google answers calendars.get for `primary` with the calendar's own id, the account's address.
    const again = await connectBusiness('primary@example.com');
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'already_connected', details: { connectionId: first.body.connectionId, remoteId: 'primary@example.com' } });
    expect(again.body.error.message).toContain(first.body.connectionId);
    expect(again.body.error.message).toContain('bind that connection');
    expect((await connectBusiness('primary')).status).toBe(409);
    expect((await googleConnections(t, token, lens.id)).map((c) => c.connectionId)).toEqual([first.body.connectionId]);

    // Another calendar of the same account is another connection.
    const other = await connectBusiness(s.googleCalendarId);
    expect(other.status, JSON.stringify(other.body)).toBe(201);

    // A wedding's binding may not choose another calendar under the connection (neither its watch
    // channel nor this check would see it); repeating the connection's own is fine.
    const elsewhere = await api<Refusal>(t, `/api/connections/${other.body.connectionId}/bindings`, token, { json: { weddingId: 'w-ana', configuration: { vendorId: 'photo', calendarId: 'primary' } } });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error).toMatchObject({ code: 'invalid_config', message: expect.stringContaining('calendarId chooses what connection') });
    const bound = await api<{ binding: { bindingId: string } }>(t, `/api/connections/${other.body.connectionId}/bindings`, token, { json: { weddingId: 'w-ana', configuration: { vendorId: 'photo', calendarId: s.googleCalendarId } } });
    expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    const patched = await api<Refusal>(t, `/api/integrations/${bound.body.binding.bindingId}`, token, { method: 'PATCH', json: { configuration: { calendarId: 'primary' } } });
    expect(patched.status).toBe(400);
    expect(patched.body.error.code).toBe('invalid_config');
    expect((await api(t, `/api/connections/${other.body.connectionId}/bindings/w-ana`, token, { method: 'DELETE' })).status).toBe(200);

    // Pointing it at the first one's calendar is refused, and its settings stay as they were.
    const moved = await api<Refusal>(t, `/api/connections/${other.body.connectionId}`, token, { method: 'PATCH', json: { configuration: { calendarId: 'primary' } } });
    expect(moved.status).toBe(409);
    expect(moved.body.error).toMatchObject({ code: 'already_connected', details: { connectionId: first.body.connectionId } });
    const kept = await api<ConnectionSummary>(t, `/api/connections/${other.body.connectionId}`, token);
    expect(kept.body.configuration).toMatchObject({ calendarId: s.googleCalendarId });
    expect(kept.body).toMatchObject({ remoteId: s.googleCalendarId, remoteName: 'Alex Photo' });
    // Other settings of a connection change as before, its calendar named again by the test.
    expect((await api(t, `/api/connections/${other.body.connectionId}`, token, { method: 'PATCH', json: { label: 'Second calendar', configuration: { calendarId: s.googleCalendarId } } })).status).toBe(200);

    // Once the first is disconnected, its calendar is free.
    expect((await api(t, `/api/connections/${first.body.connectionId}`, token, { method: 'DELETE' })).status).toBe(204);
    const free = await api<ConnectionSummary>(t, `/api/connections/${other.body.connectionId}`, token, { method: 'PATCH', json: { configuration: { calendarId: 'primary' } } });
    expect(free.status, JSON.stringify(free.body)).toBe(200);
    // What it syncs with now, as the test read it back.
    expect(free.body).toMatchObject({ remoteId: 'primary@example.com', remoteName: 'Primary' });
    expect((await connectBusiness(s.googleCalendarId)).status).toBe(201);
    expect((await connectBusiness('primary@example.com')).status).toBe(409);
  });

  it('a wedding has one connection per calendar, whoever made it; another wedding may connect the same calendar for itself', async () => {
    const t = await startTestServer({ env });
    const s = await startSandboxes();
    const { alex, lens } = await studio(t, STORY_WEDDINGS.slice(0, 2));
    const ana = await alex.accessToken('w-ana');
    const chloe = await alex.accessToken('w-chloe');
    const fromWedding = (token: string, weddingId: string, calendarId: string) =>
      api<ConnectionResult & Refusal>(t, '/api/integrations/vendor/connect', token, { json: { weddingId, vendorId: 'photo', ...google(s, calendarId) } });

    const made = await fromWedding(ana, 'w-ana', s.googleCalendarId);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const twice = await fromWedding(ana, 'w-ana', s.googleCalendarId);
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'already_connected', details: { connectionId: made.body.connectionId, remoteId: s.googleCalendarId } });
    expect(twice.body.error.message).toContain('w-ana');
    // The planner is told which connection it is; another vendor of the wedding is not (it may not see Alex's).
    const planner = await t.token('planner', ['w-ana']);
    const byPlanner = await api<Refusal>(t, '/api/integrations/vendor/connect', planner, { json: { weddingId: 'w-ana', ...google(s, s.googleCalendarId) } });
    expect(byPlanner.status).toBe(409);
    expect(byPlanner.body.error.details?.connectionId).toBe(made.body.connectionId);
    const florist = await t.token('vendor', ['w-ana'], { vendorId: 'florist' });
    const byFlorist = await api<Refusal>(t, '/api/integrations/vendor/connect', florist, { json: { weddingId: 'w-ana', ...google(s, s.googleCalendarId) } });
    expect(byFlorist.status, JSON.stringify(byFlorist.body)).toBe(409);
    expect(byFlorist.body.error.code).toBe('already_connected');
    expect(byFlorist.body.error.details).toBeUndefined();
    expect(byFlorist.body.error.message).not.toContain(made.body.connectionId);
    expect(byFlorist.body.error.message).toContain('by someone else there');

    // Chloe & Dev's wedding connects the same calendar for itself: each connection serves its own wedding.
    const forChloe = await fromWedding(chloe, 'w-chloe', s.googleCalendarId);
    expect(forChloe.status, JSON.stringify(forChloe.body)).toBe(201);

    // Connected for the business with a binding to Ana & Ben's, which has it: refused, and no connection is left.
    const before = (await googleConnections(t, ana, lens.id)).length;
    const withBinding = await api<Refusal>(t, '/api/integrations/vendor/connect', ana, { json: { workspaceId: lens.id, ...google(s, s.googleCalendarId), bindings: [{ weddingId: 'w-ana', configuration: { vendorId: 'photo' } }] } });
    expect(withBinding.status).toBe(409);
    expect(withBinding.body.error.details?.connectionId).toBe(made.body.connectionId);
    // A binding refused after the connection was stored (here its settings) takes the connection back out too.
    const badBinding = await api<Refusal>(t, '/api/integrations/vendor/connect', ana, { json: { workspaceId: lens.id, ...google(s, 'primary'), bindings: [{ weddingId: 'w-ana', configuration: { syncDirection: 'sideways' } }] } });
    expect(badBinding.status, JSON.stringify(badBinding.body)).toBe(400);
    // And a wedding the caller does not manage is refused before anything is looked at.
    const foreign = await api<Refusal>(t, '/api/integrations/vendor/connect', ana, { json: { workspaceId: lens.id, ...google(s, 'primary'), bindings: [{ weddingId: 'w-chloe' }] } });
    expect(foreign.status).toBe(403);
    expect((await googleConnections(t, ana, lens.id)).length).toBe(before);

    // The business connects it too (none of its own has it), and may not bind it where a wedding has it already.
    const business = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', ana, { json: { workspaceId: lens.id, ...google(s, s.googleCalendarId) } });
    expect(business.status, JSON.stringify(business.body)).toBe(201);
    for (const [weddingId, token, existing] of [['w-ana', ana, made.body.connectionId], ['w-chloe', chloe, forChloe.body.connectionId]] as const) {
      const bound = await api<Refusal>(t, `/api/connections/${business.body.connectionId}/bindings`, token, { json: { weddingId, configuration: { vendorId: 'photo' } } });
      expect(bound.status, weddingId).toBe(409);
      expect(bound.body.error).toMatchObject({ code: 'already_connected', details: { connectionId: existing } });
    }
    // Nothing was bound by the refusals.
    const listed = await api<ConnectionSummary>(t, `/api/connections/${business.body.connectionId}`, ana);
    expect(listed.body.bindings).toEqual([]);

    // A business connection bound to a wedding keeps that wedding from connecting the calendar again from itself.
    expect((await api(t, `/api/integrations/${made.body.connectionId}`, ana, { method: 'DELETE' })).status).toBe(204);
    expect((await api(t, `/api/connections/${business.body.connectionId}/bindings`, ana, { json: { weddingId: 'w-ana', configuration: { vendorId: 'photo' } } })).status).toBe(201);
    const again = await fromWedding(ana, 'w-ana', s.googleCalendarId);
    expect(again.status).toBe(409);
    expect(again.body.error.details?.connectionId).toBe(business.body.connectionId);
  });

  it('a business connect whose second binding is refused pushes nothing for the first: connected again, the wedding’s event is written to the calendar once', async () => {
    const t = await startTestServer({ env });
    const s = await startSandboxes();
    const { alex, lens } = await studio(t, STORY_WEDDINGS.slice(0, 1));
    const token = await alex.accessToken('w-ana');
    const binding = { weddingId: 'w-ana', configuration: { vendorId: 'photo' } };
    // The same wedding twice: the second bind is refused once the first is stored.
    const refused = await api<Refusal>(t, '/api/integrations/vendor/connect', token, { json: { workspaceId: lens.id, ...google(s, s.googleCalendarId), bindings: [binding, binding] } });
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.error.code).toBe('already_bound');
    expect(await googleConnections(t, token, lens.id)).toEqual([]);

    const made = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: { workspaceId: lens.id, ...google(s, s.googleCalendarId), bindings: [binding] } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const portraits = () => s.google.events(s.googleCalendarId).filter((e) => e.summary?.includes('Couple portraits'));
    await waitFor(() => portraits().length > 0, 'the portraits pushed by the connection that was made');
    // Once the connection has nothing left to push, nothing else was written.
    await waitFor(async () => (await api<ConnectionSummary>(t, `/api/connections/${made.body.connectionId}`, token)).body.health.outbox.pending === 0, 'nothing left to push');
    expect(portraits()).toHaveLength(1);
    expect(s.google.writes(s.googleCalendarId).filter((w) => w.method === 'POST')).toHaveLength(1);
    // The refused connect never started a binding (the code before this started the first as it
    // was bound, and only a disconnect quicker than the outbox kept its push out): one bound in all.
    const planner = await t.token('planner', ['w-ana']);
    const bound = async () => (await api<{ entries: AuditEntry[] }>(t, '/api/integrations/wedding/w-ana/audit?limit=200', planner)).body.entries.filter((e) => e.action === 'connection.bound');
    await waitFor(async () => (await bound()).length > 0, 'the binding of the connection made in the audit');
    expect((await bound()).map((e) => e.integrationId)).toEqual([made.body.bindings[0]!.bindingId]);
  });

  it('a connection made before remote ids were kept is named at its upkeep, and the same calendar connected again is then refused', async () => {
    const t = await startTestServer({ env });
    const s = await startSandboxes();
    const { alex, lens } = await studio(t, STORY_WEDDINGS.slice(0, 1));
    const token = await alex.accessToken('w-ana');
    const old = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: { workspaceId: lens.id, ...google(s, 'primary') } });
    expect(old.status, JSON.stringify(old.body)).toBe(201);
    // As a connection stored before migration 032 reads: no remote, running so.
    const { bridge } = t.server;
    await queryServerDatabase(t.server, { sqlite: 'UPDATE connections SET remote_id = NULL, remote_name = NULL WHERE id = ?', postgres: 'UPDATE connections SET remote_id = NULL, remote_name = NULL WHERE id = $1' }, [old.body.connectionId]);
    await bridge.runtime.refresh(old.body.connectionId);
    const before = await api<ConnectionSummary>(t, `/api/connections/${old.body.connectionId}`, token);
    expect(before.body).toMatchObject({ remoteId: null, remoteName: null });
    expect(bridge.runtime.get(old.body.connectionId)?.connection.remoteId).toBeNull();

    await bridge.runtime.maintain();
    const after = await api<ConnectionSummary>(t, `/api/connections/${old.body.connectionId}`, token);
    expect(after.body).toMatchObject({ remoteId: 'primary@example.com', remoteName: 'Primary' });
    const again = await api<Refusal>(t, '/api/integrations/vendor/connect', token, { json: { workspaceId: lens.id, ...google(s, 'primary@example.com') } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'already_connected', details: { connectionId: old.body.connectionId } });
    // Asked once per process: the next upkeep does not test it again.
    const tests = s.google.requests.filter((r) => r.method === 'GET' && r.path === '/calendar/v3/calendars/primary').length;
    expect(tests).toBe(2); // on connecting, and at the upkeep
    await bridge.runtime.maintain();
    expect(s.google.requests.filter((r) => r.method === 'GET' && r.path === '/calendar/v3/calendars/primary').length).toBe(tests);
  });

  it('Outlook and CalDAV: the same calendar reached two ways is one', async () => {
    const t = await startTestServer({ env });
    const s = await startSandboxes();
    const { alex } = await studio(t, STORY_WEDDINGS.slice(0, 1));
    const token = await alex.accessToken('w-ana');
    const connect = (body: Record<string, unknown>) => api<ConnectionResult & Refusal>(t, '/api/integrations/vendor/connect', token, { json: body });

    // Outlook: the mailbox's default calendar, then the same calendar by its id (GET …/calendar answers with it).
    const outlook = await connect(outlookConnection(s, 'w-ana', { subscribe: false }, 'photo'));
    expect(outlook.status, JSON.stringify(outlook.body)).toBe(201);
    const calendarId = s.graph.defaultCalendarOf(s.graphUser);
    const byId = await connect(outlookConnection(s, 'w-ana', { subscribe: false, calendarId }, 'photo'));
    expect(byId.status).toBe(409);
    expect(byId.body.error).toMatchObject({ code: 'already_connected', details: { connectionId: outlook.body.connectionId, remoteId: calendarId } });
    // Another calendar of the mailbox is another connection.
    const second = s.graph.addCalendar(s.graphUser, 'Second');
    expect((await connect(outlookConnection(s, 'w-ana', { subscribe: false, calendarId: second }, 'photo'))).status).toBe(201);

    // CalDAV: found by its display name, then named by its URL (without the trailing slash).
    const caldav = await connect(caldavConnection(s, 'w-ana', {}, 'photo'));
    expect(caldav.status, JSON.stringify(caldav.body)).toBe(201);
    const url = `${s.caldav.url}/dav/calendars/venue/events`;
    const byUrl = await connect(caldavConnection(s, 'w-ana', { calendarName: undefined, calendarUrl: url }, 'photo'));
    expect(byUrl.status).toBe(409);
    expect(byUrl.body.error).toMatchObject({ code: 'already_connected', details: { connectionId: caldav.body.connectionId, remoteId: `${url}/` } });
    // A change of its settings reads the calendar it remembers, without its name: the name stays.
    expect((await api(t, `/api/connections/${caldav.body.connectionId}`, token, { method: 'PATCH', json: { configuration: { multigetBatch: 50 } } })).status).toBe(200);
    expect((await api<ConnectionSummary>(t, `/api/connections/${caldav.body.connectionId}`, token)).body).toMatchObject({ remoteId: `${url}/`, remoteName: 'Venue events' });
  });

  it('a CalDAV collection is named one way: no user info, query or fragment, one encoding, one trailing slash', () => {
    const server = 'https://dav.example.com/';
    expect(collectionId('/dav/calendars/venue/events', server)).toBe('https://dav.example.com/dav/calendars/venue/events/');
    expect(collectionId('https://user:pw@DAV.example.com/dav/calendars/a%40b.com/events/?token=secret#x', server)).toBe('https://dav.example.com/dav/calendars/a%40b.com/events/');
    expect(collectionId('https://dav.example.com/dav/calendars/a@b.com/events', server)).toBe('https://dav.example.com/dav/calendars/a%40b.com/events/');
    expect(collectionId('https://dav.example.com:8443/c/', server)).toBe('https://dav.example.com:8443/c/');
  });
});
