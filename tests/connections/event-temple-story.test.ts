import { describe, expect, it } from 'vitest';
import { startEventTempleSandbox } from '../../adapters/event-temple/sandbox.ts';
import type { AuditEntry, ConnectionResult, UnmatchedSummary } from '../../schema/index.ts';
import { startSandboxes } from '../calendar/helpers.ts';
import { seedWedding } from '../comms/helpers.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api } from './helpers.ts';

const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };

describe('a venue on Event Temple keeps its weddings and every vendor\'s calendar in step', () => {
  it('the venue moves the ceremony → the timeline and the photographer\'s calendar update; a new booking becomes a wedding with one action; a lost booking is surfaced, not deleted', async () => {
    const t = await startTestServer({ env });
    const et = await startEventTempleSandbox();
    const s = await startSandboxes();

    // Pat's studio plans Ana & Ben's wedding at Kew Barn; Alex (Lens & Light) photographs it as vendor `photo`.
    const pat = await signedIn(t, 'pat@bloom.example', 'Pat');
    const bloom = await workspaceWith(t, pat, 'Bloom Planning', ['w-ana']);
    const alex = await signedIn(t, 'alex@lens.example', 'Alex');
    const lens = await workspaceWith(t, alex, 'Lens & Light', [], 'photographer');
    await t.server.people.addParticipant({ weddingId: 'w-ana', role: 'vendor', vendorWorkspaceId: lens.id, vendorId: 'photo', createdBy: pat.person.id });
    const planner = await pat.accessToken('w-ana');
    await seedWedding(t, planner, 'w-ana', {
      meta: { title: 'Ana & Ben', date: '2027-06-12', timezone: 'Europe/London', venue: 'Kew Barn', status: 'planning' },
      vendors: [{ id: 'photo', name: 'Lens & Light', category: 'photographer', email: 'alex@lens.example', preferredChannels: ['email'], status: 'booked' }],
    });

    // The venue's booking, with the ceremony in the Orchard at 14:00 (wall time at the venue).
    const booking = et.createBooking({ name: 'Ana & Ben wedding', status: 'definite', start_date: '2027-06-12', guest_count: 120, contact: { first_name: 'Ana', last_name: 'Lopez' } });
    const ceremonyId = et.createEvent(booking, { name: 'Ceremony', start_time: '2027-06-12T14:00:00', end_time: '2027-06-12T14:45:00', space: 'Orchard', attendance: 120 });

    // ── the studio connects its Event Temple org once and binds the wedding to the booking ──
    const venue = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', planner, { json: {
      workspaceId: bloom.id, system: 'event-temple', label: 'Kew Barn (Event Temple)',
      credentials: { apiKey: et.apiKey, orgId: et.orgId },
      configuration: { apiBase: et.url, timeZone: 'Europe/London', venueName: 'Kew Barn' },
      bindings: [{ weddingId: 'w-ana', references: [booking] }],
    } });
    expect(venue.status, JSON.stringify(venue.body)).toBe(201);
    const ana = await t.connect('w-ana', planner);
    await ana.whenSynced();
    const ceremony = () => ana.doc.listEvents().find((e) => e.title === 'Ceremony');
    await waitFor(() => !!ceremony(), 'the booking\'s ceremony in the timeline');
    expect(ceremony()).toMatchObject({ start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00', location: 'Orchard, Kew Barn' });
    expect(ana.doc.getGuests().count).toBe(120);
    expect(ana.doc.getMeta()).toMatchObject({ status: 'booked', venue: 'Kew Barn', date: '2027-06-12', timezone: 'Europe/London' });

    // ── the photographer's calendar holds the ceremony it is assigned to ──
    const as = await alex.accessToken('w-ana');
    const calendar = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as, { json: {
      workspaceId: lens.id, system: 'google-calendar', label: 'Studio calendar',
      credentials: { refreshToken: s.google.issueRefreshToken('wedsync-client', 'wedsync-secret'), clientId: 'wedsync-client', clientSecret: 'wedsync-secret' },
      configuration: { calendarId: s.googleCalendarId, apiBaseUrl: s.google.url, tokenUrl: s.google.tokenUrl },
      bindings: [{ weddingId: 'w-ana', configuration: { vendorId: 'photo' } }],
    } });
    expect(calendar.status, JSON.stringify(calendar.body)).toBe(201);
    ana.doc.upsertEvent({ id: ceremony()!.id, vendorIds: ['photo'] });
    await ana.whenAcknowledged();
    const inCalendar = () => s.google.events(s.googleCalendarId).find((e) => e.summary?.endsWith('Ceremony'));
    await waitFor(() => !!inCalendar(), 'the ceremony in the photographer\'s calendar');
    expect(Date.parse(inCalendar()!.start!.dateTime!)).toBe(Date.parse('2027-06-12T14:00:00+01:00'));

    // ── the venue moves the ceremony in Event Temple; after a pull every calendar follows ──
    et.updateEvent(ceremonyId, { start_time: '2027-06-12T15:00:00', end_time: '2027-06-12T15:45:00' });
    const pulled = await api<{ syncResults: { success: boolean; system: string }[] }>(t, '/api/integrations/sync/w-ana', planner, { json: { systems: ['event-temple'] } });
    expect(pulled.status, JSON.stringify(pulled.body)).toBe(200);
    expect(pulled.body.syncResults).toEqual([expect.objectContaining({ system: 'event-temple', success: true })]);
    await waitFor(() => ceremony()?.start === '2027-06-12T15:00:00+01:00', 'the moved ceremony in the timeline');
    expect(ceremony()!.end).toBe('2027-06-12T15:45:00+01:00');
    await waitFor(() => Date.parse(inCalendar()?.start?.dateTime ?? '') === Date.parse('2027-06-12T15:00:00+01:00'), 'the moved ceremony in the photographer\'s calendar');
    // Reading the venue's change wrote nothing back to the venue.
    expect(et.patches).toEqual([]);

    // ── the planner moves it in WedSync: Event Temple's event follows, in the venue's zone ──
    ana.doc.upsertEvent({ id: ceremony()!.id, start: '2027-06-12T15:30:00+01:00', end: '2027-06-12T16:15:00+01:00' });
    await ana.whenAcknowledged();
    await waitFor(() => et.event(ceremonyId)?.start_time === '2027-06-12T15:30:00+01:00', 'the planner\'s move in Event Temple');
    expect(et.event(ceremonyId)).toMatchObject({ name: 'Ceremony', end_time: '2027-06-12T16:15:00+01:00' });

    // ── a new booking nobody bound waits in the queue and becomes a wedding with one action ──
    const maria = et.createBooking({ name: 'Maria & Tom wedding', status: 'tentative', start_date: '2027-09-18', guest_count: 80, contact: { first_name: 'Maria', last_name: 'Rossi' } });
    et.createEvent(maria, { name: 'Reception', start_time: '2027-09-18T18:00:00', end_time: '2027-09-18T23:00:00', space: 'Great Barn' });
    await api(t, '/api/integrations/sync/w-ana', planner, { json: { systems: ['event-temple'] } });
    let queued: UnmatchedSummary[] = [];
    await waitFor(async () => {
      queued = (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${bloom.id}/unmatched`, planner)).body.records;
      return queued.some((r) => r.entity === 'meta');
    }, 'the new booking in the unmatched queue');
    const record = queued.find((r) => r.entity === 'meta')!;
    expect(record.record).toMatchObject({ title: 'Maria & Tom wedding', client: 'Maria Rossi', date: '2027-09-18', venue: 'Kew Barn', timeZone: 'Europe/London' });
    const made = await api<{ weddingId: string }>(t, `/api/unmatched/${record.id}/create-wedding`, planner, { json: { title: 'Maria & Tom' } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const mine = await t.connect(made.body.weddingId, await pat.accessToken(made.body.weddingId));
    // The rest of the booking follows it there by its booking id.
    await waitFor(() => mine.doc.listEvents().some((e) => e.title === 'Reception') && mine.doc.getGuests().count === 80, 'the booking\'s reception and guests in the new wedding');
    expect(mine.doc.getMeta()).toMatchObject({ date: '2027-09-18', timezone: 'Europe/London', venue: 'Kew Barn', status: 'inquiry' });
    expect(mine.doc.listEvents().find((e) => e.title === 'Reception')!.start).toBe('2027-09-18T18:00:00+01:00');
    // Ana & Ben's wedding got none of it.
    expect(ana.doc.listEvents().some((e) => e.title === 'Reception')).toBe(false);

    // ── the planner moves the wedding on; a later change of the booking keeps the planner's status ──
    ana.doc.setMeta({ status: 'final_details' });
    await ana.whenAcknowledged();
    et.updateBooking(booking, { guest_count: 126 });
    await api(t, '/api/integrations/sync/w-ana', planner, { json: { systems: ['event-temple'] } });
    await waitFor(() => ana.doc.getGuests().count === 126, 'the new guest count');
    expect(ana.doc.getMeta().status).toBe('final_details');

    // ── an event deleted in Event Temple leaves the timeline on a full read ──
    const drinks = et.createEvent(booking, { name: 'Drinks', start_time: '2027-06-12T16:30:00', end_time: '2027-06-12T18:00:00', space: 'Terrace' });
    await api(t, '/api/integrations/sync/w-ana', planner, { json: { systems: ['event-temple'] } });
    await waitFor(() => ana.doc.listEvents().some((e) => e.title === 'Drinks'), 'the drinks in the timeline');
    et.deleteEvent(drinks);
    await api(t, '/api/integrations/sync/w-ana', planner, { json: { systems: ['event-temple'], syncType: 'full' } });
    await waitFor(() => !ana.doc.listEvents().some((e) => e.title === 'Drinks'), 'the deleted drinks gone from the timeline');
    expect(ceremony()).toBeTruthy();

    // ── the booking is lost: the wedding says so and keeps everything ──
    et.updateBooking(booking, { status: 'lost' });
    await api(t, '/api/integrations/sync/w-ana', planner, { json: { systems: ['event-temple'] } });
    await waitFor(() => ana.doc.getMeta().status === 'cancelled', 'the lost booking in the wedding\'s status');
    expect(ceremony()).toBeTruthy();
    expect(ana.doc.getGuests().count).toBe(126);
    const audit = await api<{ entries: AuditEntry[] }>(t, '/api/integrations/wedding/w-ana/audit', planner);
    expect(audit.body.entries.some((e) => e.action === 'pull.ignored' && JSON.stringify(e.detail).includes(`booking ${booking}`))).toBe(true);

    await Promise.all([ana.destroy(), mine.destroy()]);
    await et.stop();
  });
});
