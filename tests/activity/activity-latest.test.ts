import { describe, expect, it } from 'vitest';
import type { ActivityLatestResponse, ActivityResponse } from '../../schema/index.ts';
import { WeddingDoc } from '../../schema/index.ts';
import { externalChangeLabel, externalChanges } from '../../client/app/src/timeline/external-changes.ts';
import { connect, googleConnection, sameInstant, startSandboxes } from '../calendar/helpers.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { onPostgresBackend } from '../helpers/test-backend.ts';
import { waitFor } from '../helpers/wait.ts';

const W = 'w1';
const CEREMONY = { id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00', category: 'ceremony' as const, vendorIds: ['v-photo'] };
const LATER_CHANGES = 250;

async function get<T>(t: TestServer, token: string, path: string, status = 200): Promise<T> {
  const res = await t.fetch(path, { token });
  expect(res.status, await res.clone().text()).toBe(status);
  return await res.json() as T;
}

describe('activity: the newest change of each entity, however old', () => {
  it('keeps the photographer’s Google Calendar move as the ceremony’s last change after 250 later changes to another event, by an indexed look-up', async () => {
    const s = await startSandboxes();
    const t = await startTestServer({ env: { PULL_INTERVAL_MS: '400' } });
    const planner = await t.token('planner', [W], { sub: 'pat', name: 'Pat Planner' });
    const client = await t.connect(W, planner);
    await client.whenSynced();
    client.doc.setMeta({ title: 'Sam & Alex', date: '2027-06-12', timezone: 'Europe/London' });
    client.doc.upsertVendor({ id: 'v-photo', name: 'Alex Photo', category: 'photographer' });
    client.doc.upsertEvent(CEREMONY);
    client.doc.upsertEvent({ id: 'speeches', title: 'Speeches', start: '2027-06-12T18:00:00+01:00', end: '2027-06-12T18:30:00+01:00' });
    await client.whenAcknowledged();
    const google = (await connect(t, planner, googleConnection(s, W, { vendorId: 'v-photo' }, 'v-photo'))).integrationId;
    const googleEvent = () => s.google.events(s.googleCalendarId).find((e) => e.summary === 'Ceremony');
    await waitFor(() => googleEvent(), 'the ceremony in Google Calendar');

    // The photographer moves the ceremony to 16:00 London time in Google Calendar.
    s.google.userPatch(s.googleCalendarId, googleEvent()!.id!, { start: { dateTime: '2027-06-12T15:00:00Z' }, end: { dateTime: '2027-06-12T15:45:00Z' } });
    await waitFor(() => sameInstant(client.doc.getEvent('ceremony')?.start, '2027-06-12T16:00:00+01:00'), 'the Google move in the timeline');
    // Then the planner changes the speeches 250 times: the ceremony's move is far past the newest 200.
    for (let i = 1; i <= LATER_CHANGES; i++) {
      client.doc.upsertEvent({ id: 'speeches', title: `Speeches ${i}` });
      await client.whenAcknowledged();
    }
    const newest = await get<ActivityResponse>(t, planner, `/api/weddings/${W}/activity?entity=timeline&limit=200`);
    expect(newest.entries.some((e) => e.entityId === 'ceremony')).toBe(false);

    const latest = await get<ActivityLatestResponse>(t, planner, `/api/weddings/${W}/activity/latest?root=timeline`);
    expect(latest.entries.map((e) => e.entityId)).toEqual(['speeches', 'ceremony']);
    expect(latest.entries[0]).toMatchObject({ field: 'title', value: `Speeches ${LATER_CHANGES}`, actor: { kind: 'client', id: 'pat' } });
    expect(latest.entries[1]).toMatchObject({ root: 'timeline', actor: { kind: 'adapter', system: 'google-calendar', integrationId: google } });
    expect(['start', 'end']).toContain(latest.entries[1]!.field);
    // Asked by id: the same entry, and nothing for an event without changes.
    const byId = await get<ActivityLatestResponse>(t, planner, `/api/weddings/${W}/activity/latest?root=timeline&ids=ceremony,nope`);
    expect(byId.entries).toEqual([latest.entries[1]]);

    // The label the timeline shows from it.
    const integrations = (await get<{ integrations: never[] }>(t, planner, `/api/integrations?weddingId=${W}`)).integrations;
    const labels = externalChanges(latest.entries, integrations, new WeddingDoc(client.doc.ydoc));
    expect([...labels.keys()]).toEqual(['ceremony']);
    expect(externalChangeLabel(labels.get('ceremony')!)).toMatch(/^moved by Alex Photo via Google Calendar, (now|\d+ seconds? ago)$/);

    // One seek per entity on the new index, for both forms of the query. SQLite's plans only: on a
    // table this small PostgreSQL's planner rightly prefers a sequential scan, so its plan says nothing.
    if (onPostgresBackend) return;
    const plans = [
      `SELECT * FROM activity WHERE wedding_id = 'w1' AND root = 'timeline' AND entity_id = 'ceremony' ORDER BY id DESC LIMIT 1`,
      `SELECT MAX(id) FROM activity WHERE wedding_id = 'w1' AND root = 'timeline' AND entity_id = 'ceremony'`,
      `SELECT MIN(entity_id) FROM activity WHERE wedding_id = 'w1' AND root = 'timeline' AND entity_id > 'ceremony'`,
    ].map((sql) => (t.server.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; '));
    for (const plan of plans) expect(plan).toMatch(/USING COVERING INDEX activity_by_entity_latest|USING INDEX activity_by_entity_latest/);
  }, 90_000);

  it('refuses a query without a root or with malformed ids (400), and couples (403)', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', [W]);
    for (const q of ['', '?root=time line', '?root=timeline&ids=a,,b', '?root=timeline&extra=1']) {
      const body = await get<{ error: { code: string } }>(t, planner, `/api/weddings/${W}/activity/latest${q}`, 400);
      expect(body.error.code).toBe('validation_failed');
    }
    const couple = await get<{ error: { code: string } }>(t, await t.token('couple', [W]), `/api/weddings/${W}/activity/latest?root=timeline`, 403);
    expect(couple.error.code).toBe('role_forbidden');
  });
});
