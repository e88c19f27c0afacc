import { expect } from 'vitest';
import type { ConnectionResult, WeddingMetaPatch } from '../../schema/index.ts';
import { seedWedding } from '../comms/helpers.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import type { TestServer } from '../helpers/test-server.ts';

/** A JSON request with a bearer token; the status and the parsed body (null when empty). */
export async function api<T>(t: TestServer, path: string, token: string, init: { method?: string; json?: unknown } = {}): Promise<{ status: number; body: T }> {
  const res = await t.fetch(path, {
    method: init.method ?? (init.json !== undefined ? 'POST' : 'GET'), token,
    ...(init.json !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.json) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/**
 * The studio's Google calendar (the sandbox's primary one, all its events imported), connected for
 * its workspace with `token` and bound to `weddingId` as vendor `photo` (`binding` adds to the
 * binding's body). Asserts both answers; resolves with the connection's id.
 */
export async function studioCalendar(t: TestServer, google: { issueRefreshToken(id: string, secret: string): string; url: string; tokenUrl: string }, calendarId: string, token: string, workspaceId: string, weddingId: string, binding: Record<string, unknown> = {}): Promise<string> {
  const made = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: {
    workspaceId, system: 'google-calendar',
    credentials: { refreshToken: google.issueRefreshToken('c', 's'), clientId: 'c', clientSecret: 's' },
    configuration: { calendarId, apiBaseUrl: google.url, tokenUrl: google.tokenUrl, importEvents: 'all' },
  } });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const bound = await api(t, `/api/connections/${made.body.connectionId}/bindings`, token, { json: { weddingId, configuration: { vendorId: 'photo' }, ...binding } });
  expect(bound.status, JSON.stringify(bound.body)).toBe(201);
  return made.body.connectionId;
}

/** A wedding of the stories: its id, its details, and when the couple's portraits start (ISO with offset). */
export interface StoryWedding { id: string; meta: WeddingMetaPatch; start: string }

/** Three weddings of a planning studio, in three zones (the connection stories take one to three of them). */
export const STORY_WEDDINGS = [
  { id: 'w-ana', meta: { title: 'Ana & Ben', date: '2027-06-12', timezone: 'Europe/London', venue: 'Kew Barn' }, start: '2027-06-12T14:00:00+01:00' },
  { id: 'w-chloe', meta: { title: 'Chloe & Dev', date: '2027-07-03', timezone: 'America/New_York', venue: 'Hudson Loft' }, start: '2027-07-03T16:30:00-04:00' },
  { id: 'w-eli', meta: { title: 'Eli & Fran', date: '2027-08-21', timezone: 'Europe/Paris', venue: 'Château Vert' }, start: '2027-08-21T15:00:00+02:00' },
] as const;

/**
 * A planner's studio (Pat, "Bloom Planning") with the weddings, each with the photographer Lens &
 * Light as vendor `photo` (Alex's own workspace takes part as that vendor) and an hour of portraits
 * assigned to it.
 */
export async function studio(t: TestServer, weddings: readonly StoryWedding[]) {
  const pat = await signedIn(t, 'pat@bloom.example', 'Pat');
  const bloom = await workspaceWith(t, pat, 'Bloom Planning', weddings.map((w) => w.id));
  const alex = await signedIn(t, 'alex@lens.example', 'Alex');
  const lens = await workspaceWith(t, alex, 'Lens & Light', [], 'photographer');
  for (const w of weddings) {
    await t.server.people.addParticipant({ weddingId: w.id, role: 'vendor', vendorWorkspaceId: lens.id, vendorId: 'photo', createdBy: pat.person.id });
    const planner = await pat.accessToken(w.id);
    await seedWedding(t, planner, w.id, {
      meta: w.meta,
      vendors: [{ id: 'photo', name: 'Lens & Light', category: 'photographer', email: 'alex@lens.example', preferredChannels: ['email'], status: 'booked' }],
    });
    const c = await t.connect(w.id, planner);
    await c.whenSynced();
    c.doc.upsertEvent({ id: 'portraits', title: 'Couple portraits', start: w.start, end: new Date(Date.parse(w.start) + 3_600_000).toISOString(), category: 'photos', vendorIds: ['photo'] });
    await c.whenAcknowledged();
    await c.destroy();
  }
  return { pat, alex, lens, bloom };
}
