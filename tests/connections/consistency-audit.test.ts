import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConnectionResult } from '../../schema/index.ts';
import { attribute } from '../../server/bridge/consistency-compare.ts';
import type { ConsistencyResult } from '../../server/bridge/consistency-audit.ts';
import { startSandboxes } from '../calendar/helpers.ts';
import { seedWedding } from '../comms/helpers.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { assertProperty } from '../helpers/property.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api } from './helpers.ts';
import { serverSql } from '../helpers/test-backend.ts';

// Pushes wait 1.5 s in the outbox (coalescing): long enough for the test to lose one on purpose.
const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000', PUSH_COALESCE_MS: '1500', CONSISTENCY_AUDIT_INTERVAL_MS: '0' };


/** Ana & Ben's wedding with two photo events; Lens & Light's Google calendar connected for its workspace and bound to it. */
async function weddingWithCalendar(env: Record<string, string>, beforeBind?: (s: Awaited<ReturnType<typeof startSandboxes>>) => void) {
  const t = await startTestServer({ env });
  const s = await startSandboxes();
  const pat = await signedIn(t, 'pat@bloom.example', 'Pat');
  await workspaceWith(t, pat, 'Bloom Planning', ['w-ana']);
  const alex = await signedIn(t, 'alex@lens.example', 'Alex');
  const lens = await workspaceWith(t, alex, 'Lens & Light', [], 'photographer');
  await t.server.people.addParticipant({ weddingId: 'w-ana', role: 'vendor', vendorWorkspaceId: lens.id, vendorId: 'photo', createdBy: pat.person.id });
  const planner = await pat.accessToken('w-ana');
  await seedWedding(t, planner, 'w-ana', {
    meta: { title: 'Ana & Ben', date: '2027-06-12', timezone: 'Europe/London', venue: 'Kew Barn' },
    vendors: [{ id: 'photo', name: 'Lens & Light', category: 'photographer', email: 'alex@lens.example', preferredChannels: ['email'], status: 'booked' }],
  });
  const ana = await t.connect('w-ana', planner);
  await ana.whenSynced();
  ana.doc.upsertEvent({ id: 'portraits', title: 'Couple portraits', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T15:00:00+01:00', category: 'photos', vendorIds: ['photo'] });
  ana.doc.upsertEvent({ id: 'firstlook', title: 'First look', start: '2027-06-12T12:00:00+01:00', end: '2027-06-12T12:30:00+01:00', category: 'photos', vendorIds: ['photo'] });
  await ana.whenAcknowledged();

  const token = await alex.accessToken('w-ana');
  const clientId = 'wedsync-client';
  const clientSecret = 'wedsync-secret';
  const calendar = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: {
    workspaceId: lens.id, system: 'google-calendar', label: 'Studio calendar',
    credentials: { refreshToken: s.google.issueRefreshToken(clientId, clientSecret), clientId, clientSecret },
    configuration: { calendarId: s.googleCalendarId, apiBaseUrl: s.google.url, tokenUrl: s.google.tokenUrl, importEvents: 'all' },
  } });
  expect(calendar.status).toBe(201);
  beforeBind?.(s);
  const bound = await api<{ binding: { bindingId: string } }>(t, `/api/connections/${calendar.body.connectionId}/bindings`, token, { json: { weddingId: 'w-ana', configuration: { vendorId: 'photo' } } });
  expect(bound.status, JSON.stringify(bound.body)).toBe(201);
  const bindingId = bound.body.binding.bindingId;
  await waitFor(() => s.google.events(s.googleCalendarId).length === 2, 'both events in the calendar');
  const byTitle = (title: string) => s.google.events(s.googleCalendarId).find((e) => e.summary === `Ana & Ben · ${title}`);
  return { t, s, ana, planner, token, calendar, bindingId, byTitle };
}

describe('consistency audit', () => {
  it('finds a dropped webhook and a lost push between Google Calendar and a wedding, repairs both through the normal paths, and then reports full consistency', async () => {
    const { t, s, ana, planner, token, calendar, bindingId, byTitle } = await weddingWithCalendar(env);
    const connectionAudit = `/api/integrations/${calendar.body.connectionId}/consistency`;

    // Nothing checked yet; once pushes and their echoes settle, everything agrees.
    expect((await api<ConsistencyResult>(t, connectionAudit, token)).body).toMatchObject({ checkedAt: null, ratio: null, drift: [] });
    let result: ConsistencyResult | null = null;
    await waitFor(async () => {
      result = (await api<ConsistencyResult>(t, connectionAudit, token, { method: 'POST' })).body;
      return result.ratio === 1 && result.compared === 2;
    }, 'a clean first audit', 15_000, 200);
    // The set-up's reads (connect, bind) are over: a change made now is seen by an audit, not by a pull.
    await t.server.bridge.pullsSettled();

    // (1) A dropped webhook: the calendar changes and no notification is ever sent.
    const portraits = byTitle('Couple portraits')!;
    s.google.userPatch(s.googleCalendarId, portraits.id!, { summary: 'Ana & Ben · Portraits by the lake' }, { notify: false });
    // (2) A lost push: the wedding changes, and its planned push vanishes from the outbox before delivery.
    ana.doc.upsertEvent({ ...ana.doc.getEvent('firstlook')!, title: 'First look by the oak' });
    await ana.whenAcknowledged();
    const db = serverSql(t.server);
    const row = await waitFor(() => db.value<number>(`SELECT id FROM outbox WHERE integration_id = ? AND entity_id = 'firstlook' AND status = 'pending'`, bindingId), 'the planned push');
    expect(await db.values(`UPDATE outbox SET status = 'delivered' WHERE id = ? AND status = 'pending' RETURNING id`, row)).toHaveLength(1);
    expect(byTitle('First look')).toBeTruthy();
    expect(ana.doc.getEvent('portraits')!.title).toBe('Couple portraits');

    const found = await api<ConsistencyResult>(t, connectionAudit, token, { method: 'POST' });
    expect(found.status).toBe(200);
    expect(found.body.compared).toBe(2);
    expect(found.body.consistent).toBe(0);
    expect(found.body.ratio).toBe(0);
    expect(found.body.weddings).toEqual([{ weddingId: 'w-ana', ratio: 0 }]);
    const drift = [...found.body.drift].sort((a, b) => a.entityId.localeCompare(b.entityId));
    expect(drift).toEqual([
      { weddingId: 'w-ana', entity: 'timeline', entityId: 'firstlook', externalId: byTitle('First look')!.id, kind: 'lost_push', fields: ['title'], repaired: true },
      { weddingId: 'w-ana', entity: 'timeline', entityId: 'portraits', externalId: portraits.id, kind: 'missed_webhook', fields: ['title'], repaired: true },
    ]);
    // The binding's view: its wedding only.
    expect((await api<ConsistencyResult>(t, `/api/integrations/${bindingId}/consistency`, token)).body).toMatchObject({ ratio: 0, compared: 2, weddings: [{ weddingId: 'w-ana', ratio: 0 }] });
    expect(await (await t.fetch('/metrics')).text()).toContain(`wedsync_consistency_ratio{connection="${calendar.body.connectionId}",wedding="w-ana"} 0`);

    // The repairs settle: the wedding has the calendar's title, the calendar the wedding's.
    await waitFor(() => ana.doc.getEvent('portraits')?.title === 'Portraits by the lake', 'the missed change in the wedding', 10_000);
    await waitFor(() => byTitle('First look by the oak'), 'the lost push in the calendar', 10_000);
    await waitFor(async () => (await db.value(`SELECT count(*) FROM outbox WHERE integration_id = ? AND status IN ('pending', 'inflight')`, bindingId)) === 0, 'pushes settled');
    await waitFor(async () => {
      result = (await api<ConsistencyResult>(t, connectionAudit, token, { method: 'POST' })).body;
      return result.ratio === 1 && result.drift.length === 0 && result.compared === 2;
    }, 'a clean audit after the repairs', 15_000, 200);

    const trail = await api<{ entries: { action: string; actor: string; entityId: string | null; detail: Record<string, unknown> }[] }>(t, '/api/integrations/wedding/w-ana/audit?limit=500', planner);
    const repaired = trail.body.entries.filter((e) => e.action === 'consistency.repaired').map((e) => ({ actor: e.actor, entityId: e.entityId, detail: e.detail }));
    expect(repaired.sort((a, b) => String(a.entityId).localeCompare(String(b.entityId)))).toEqual([
      { actor: 'consistency-audit', entityId: 'firstlook', detail: { kind: 'lost_push', fields: ['title'] } },
      { actor: 'consistency-audit', entityId: 'portraits', detail: { kind: 'missed_webhook', fields: ['title'] } },
    ]);
    expect(trail.body.entries.some((e) => e.action === 'consistency.checked' && e.detail.ratio === 0)).toBe(true);

    // Someone outside the wedding and the workspace sees nothing.
    const eve = await signedIn(t, 'eve@elsewhere.example', 'Eve');
    await workspaceWith(t, eve, 'Elsewhere', ['w-other']);
    const refused = await api<{ error: { code: string } }>(t, connectionAudit, await eve.accessToken('w-other'), { method: 'POST' });
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('connection_not_found');
    await ana.destroy();
  });

  it('runs on its own every CONSISTENCY_AUDIT_INTERVAL_MS and repairs what it finds', async () => {
    const { t, s, ana, planner, token, calendar, bindingId, byTitle } = await weddingWithCalendar({ ...env, CONSISTENCY_AUDIT_INTERVAL_MS: '300' });
    await waitFor(async () => (await api<ConsistencyResult>(t, `/api/integrations/${bindingId}/consistency`, token)).body.ratio === 1, 'a scheduled clean audit');
    await t.server.bridge.pullsSettled();
    s.google.userPatch(s.googleCalendarId, byTitle('Couple portraits')!.id!, { summary: 'Ana & Ben · Portraits at dusk' }, { notify: false });
    await waitFor(() => ana.doc.getEvent('portraits')?.title === 'Portraits at dusk', 'the missed change brought in by a scheduled audit');
    const trail = await api<{ entries: { action: string; detail: Record<string, unknown> }[] }>(t, '/api/integrations/wedding/w-ana/audit?limit=500', planner);
    expect(trail.body.entries.filter((e) => e.action === 'consistency.repaired').map((e) => e.detail)).toEqual([{ kind: 'missed_webhook', fields: ['title'] }]);
    expect(await (await t.fetch('/metrics')).text()).toMatch(new RegExp(`wedsync_consistency_ratio\\{connection="${calendar.body.connectionId}",wedding="w-ana"\\} [01]`));
    await ana.destroy();

    // The last result outlives a restart (stored), with its gauge; no audit runs in the new server.
    await waitFor(() => serverSql(t.server).value<string>('SELECT result FROM consistency_results WHERE id = ?', bindingId), 'the result stored');
    await t.close();
    const again = await startTestServer({ dataDir: t.dataDir, env: { ...env, CONSISTENCY_AUDIT_INTERVAL_MS: '0' } });
    // The result as the first server left it: read after it closed (its audits ran every 300 ms until
    // then, so a read before the close could be overtaken), and nothing here audits again.
    const before = JSON.parse((await serverSql(again.server).value<string>('SELECT result FROM consistency_results WHERE id = ?', bindingId))!) as ConsistencyResult;
    expect(before.checkedAt).not.toBeNull();
    const after = await api<ConsistencyResult>(again, `/api/integrations/${bindingId}/consistency`, await again.token('planner', ['w-ana']));
    expect(after.status).toBe(200);
    expect(after.body).toEqual(before);
    expect(after.body.weddings).toEqual([{ weddingId: 'w-ana', ratio: before.ratio }]);
    expect(await (await again.fetch('/metrics')).text()).toMatch(new RegExp(`wedsync_consistency_ratio\\{connection="${calendar.body.connectionId}",wedding="w-ana"\\} ${before.ratio}`));
  });

  it('leaves a binding alone until its first sync is done: audited back to back while it is bound, nothing is found or repaired', async () => {
    // Every 5 ms: the audits overlap the bind, when the binding runs but its first pushes are not
    // planned yet (without InitialSyncs, both events were reported as lost pushes and forced again).
    const { t, s, token, calendar, bindingId, planner } = await weddingWithCalendar({ ...env, CONSISTENCY_AUDIT_INTERVAL_MS: '5' });
    await waitFor(async () => (await api<ConsistencyResult>(t, `/api/integrations/${bindingId}/consistency`, token)).body.compared === 2, 'an audit of both events');
    const trail = await api<{ entries: { action: string; detail: Record<string, unknown> }[] }>(t, '/api/integrations/wedding/w-ana/audit?limit=500', planner);
    const checked = trail.body.entries.filter((e) => e.action === 'consistency.checked');
    expect(checked.length).toBeGreaterThan(0);
    expect(trail.body.entries.filter((e) => e.action === 'consistency.repaired')).toEqual([]);
    expect(checked.every((e) => e.detail.drift === 0)).toBe(true);
    expect((await api<ConsistencyResult>(t, `/api/integrations/${calendar.body.connectionId}/consistency`, token)).body).toMatchObject({ ratio: 1, drift: [] });
    // Each event was pushed once.
    expect(s.google.events(s.googleCalendarId).map((e) => e.summary).sort()).toEqual(['Ana & Ben · Couple portraits', 'Ana & Ben · First look']);
  });

  it('publishes nothing for a connection whose only binding is still on its first sync, and does not read the system for it', async () => {
    // The first sync's read of the calendar is held: the binding stays on its first sync.
    const { t, s, token, calendar, bindingId } = await weddingWithCalendar(env, (sandboxes) => sandboxes.google.holdListings());
    await waitFor(() => s.google.heldListings >= 1, 'the first sync reading the calendar');
    let answered = false;
    const audit = api<ConsistencyResult>(t, `/api/integrations/${bindingId}/consistency`, token, { method: 'POST' }).finally(() => { answered = true; });
    // An audit reading the calendar would be held too (a second listing).
    await waitFor(() => answered || s.google.heldListings >= 2, 'the audit answering, or reading the calendar');
    expect(s.google.heldListings).toBe(1);
    s.google.releaseListings();
    expect((await audit).status).toBe(200);
    expect((await audit).body).toMatchObject({ checkedAt: null, ratio: null, compared: 0 });
    expect((await api<ConsistencyResult>(t, `/api/integrations/${calendar.body.connectionId}/consistency`, token)).body).toMatchObject({ checkedAt: null, ratio: null });
    // Once the first sync is done, the next audit judges it.
    await waitFor(async () => (await api<ConsistencyResult>(t, `/api/integrations/${bindingId}/consistency`, token, { method: 'POST' })).body.compared === 2, 'an audit of both events');
  });

  it('attributes drift from the three values of each field (property)', () => {
    const value = fc.constantFrom('a', 'b', 'c');
    assertProperty(fc.property(fc.array(fc.tuple(value, value, value), { minLength: 1, maxLength: 4 }), (triples) => {
      const fields = triples.map((_, i) => `f${i}`);
      const last: Record<string, unknown> = {};
      const ext: Record<string, unknown> = {};
      const doc: Record<string, unknown> = {};
      triples.forEach(([l, e, d], i) => { last[`f${i}`] = l; ext[`f${i}`] = e; doc[`f${i}`] = d; });
      const verdict = attribute(fields, ext, last, doc);
      const differing = fields.filter((f) => ext[f] !== doc[f]);
      expect(verdict.fields).toEqual(differing);
      const conflict = differing.some((f) => ext[f] !== last[f] && doc[f] !== last[f]);
      const external = differing.filter((f) => doc[f] === last[f]);
      const local = differing.filter((f) => ext[f] === last[f]);
      const expected = differing.length === 0 ? null : conflict ? 'conflict' : external.length && local.length ? 'both' : external.length ? 'missed_webhook' : 'lost_push';
      expect(verdict.kind).toBe(expected);
      if (!conflict) {
        expect(verdict.external).toEqual(external);
        expect(verdict.document).toEqual(local);
      }
    }));
  });

  it('compares only the fields the system carries, by meaning (instants, sets, Unicode text)', () => {
    const verdict = attribute(['title', 'start', 'vendorIds', 'notes'],
      { title: 'Cafe\u0301', start: '2027-06-12T14:00:00+01:00', vendorIds: ['b', 'a'] },
      { title: 'Café', start: '2027-06-12T13:00:00.000Z', vendorIds: ['a', 'b'], notes: 'x' },
      { title: 'Café', start: '2027-06-12T13:00:00Z', vendorIds: ['a', 'b'], notes: 'changed here' });
    expect(verdict).toEqual({ kind: null, fields: [], external: [], document: [] });
  });
});
