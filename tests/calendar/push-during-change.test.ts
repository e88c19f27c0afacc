import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CALENDAR_FIELDS, mergeFields, outboundEvent, remoteInWeddingTerms } from '../../adapters/core/calendar.ts';
import { STORY_WEDDINGS, studio, studioCalendar } from '../connections/helpers.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { nothingPending, startSandboxes } from './helpers.ts';

/*
 * A push in flight while the photographer changes the same event in Google Calendar: the push is
 * refused (412), merged with the calendar's state and sent again with only the planner's field. What
 * the calendar changed meanwhile must stay the calendar's, in the wedding and in what the hub
 * records as the calendar's state, so that the photographer's next change is taken as a change,
 * not fought as a conflict and overwritten with the older value.
 */
/**
 * A studio's wedding (Ana & Ben) whose photographer's Google Calendar holds the couple's portraits,
 * watched, with pulls only on notifications; the planner's client connected and synced.
 */
async function portraitsInGoogle() {
  const s = await startSandboxes();
  const t = await startTestServer({ env: { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000', CONSISTENCY_AUDIT_INTERVAL_MS: '0' } });
  const [ana] = STORY_WEDDINGS;
  const { pat, alex, lens } = await studio(t, [ana]);
  await studioCalendar(t, s.google, s.googleCalendarId, await alex.accessToken(ana.id), lens.id, ana.id);
  const event = () => s.google.events(s.googleCalendarId).find((e) => e.summary?.endsWith('Couple portraits') || e.summary?.endsWith('Portraits and family'));
  const pushed = await waitFor(event, 'the event in the calendar');
  await waitFor(() => s.google.liveChannels(s.googleCalendarId).length === 1, 'a live watch channel');
  const token = await pat.accessToken(ana.id);
  const c = await t.connect(ana.id, token);
  await c.whenSynced();
  return { s, t, weddingId: ana.id, token, c, event, pushed };
}

describe('a push in flight while the calendar changes the same event', () => {
  it("keeps the calendar's concurrent change, and takes its next change to that field as a change, not a conflict", async () => {
    const { s, t, c, event, pushed } = await portraitsInGoogle();
    const location = () => c.doc.getEvent('portraits')?.location ?? '';

    // The planner renames the event; its push is held on its way to Google.
    s.google.holdWrites();
    c.doc.upsertEvent({ ...c.doc.getEvent('portraits')!, title: 'Portraits and family' });
    await waitFor(() => s.google.heldWrites === 1, 'the push in flight');
    // Meanwhile the photographer moves it to the west lawn in Google: it reaches the wedding.
    s.google.userPatch(s.googleCalendarId, pushed.id!, { location: 'Kew Barn, west lawn' });
    await waitFor(() => location() === 'Kew Barn, west lawn', 'the calendar\'s change in the wedding');
    // The push arrives now: refused as stale, merged, sent again with the title only.
    s.google.releaseWrites();
    await waitFor(() => event()?.summary?.endsWith('Portraits and family'), 'the title in the calendar').catch((e) => { console.log(s.google.requests.slice(-12).map((r) => `${r.method} ${r.status} ${r.path.slice(0, 90)} ${JSON.stringify(r.body ?? '').slice(0, 200)}`).join('\n'), JSON.stringify(event())); throw e; });
    expect(event()!.location).toBe('Kew Barn, west lawn');

    // The photographer's next change to the location is a change like any other.
    s.google.userPatch(s.googleCalendarId, pushed.id!, { location: 'Kew Barn, orangery' });
    await waitFor(() => location() === 'Kew Barn, orangery', 'the calendar\'s second change in the wedding');
    expect(c.doc.listConflicts()).toEqual([]);
    // And nothing writes the older value back over it.
    await t.server.bridge.outboxWorker.settled([], 1000).catch(() => undefined);
    expect(event()!.location).toBe('Kew Barn, orangery');
    expect(c.doc.getEvent('portraits')!.title).toBe('Portraits and family');
  });

  it('a listing read before the push and applied after it does not take back what the push wrote', async () => {
    const { s, t, c, event, pushed } = await portraitsInGoogle();
    await t.server.bridge.outboxWorker.settled([], 5000);

    // The photographer moves the event; the pull it sets off reads the calendar now, and its answer is held.
    s.google.holdListings();
    s.google.userPatch(s.googleCalendarId, pushed.id!, { location: 'Kew Barn, west lawn' });
    await waitFor(() => s.google.heldListings === 1, 'the listing on its way');
    // The planner writes notes: the push is refused (412), merged, and written with the notes only.
    const notesSeen: string[] = [];
    c.doc.ydoc.on('update', () => { const n = c.doc.getEvent('portraits')?.notes ?? ''; if (notesSeen.at(-1) !== n) notesSeen.push(n); });
    c.doc.upsertEvent({ ...c.doc.getEvent('portraits')!, notes: 'Bring the veil' });
    await waitFor(() => event()?.description === 'Bring the veil', 'the notes in the calendar');
    expect(s.google.requests.some((r) => r.method === 'PATCH' && r.status === 412)).toBe(true);
    // The older listing arrives now, after the push: it must not take the notes away again.
    s.google.releaseListings();
    await waitFor(() => c.doc.getEvent('portraits')?.location === 'Kew Barn, west lawn', "the calendar's move in the wedding");
    await t.server.bridge.outboxWorker.settled([], 5000).catch(() => undefined);
    // Not even for a moment: the planner never saw the notes vanish.
    expect(notesSeen).toEqual(['Bring the veil']);
    expect(c.doc.getEvent('portraits')!.notes).toBe('Bring the veil');
    expect(event()!.description).toBe('Bring the veil');
    expect(event()!.location).toBe('Kew Barn, west lawn');
    expect(c.doc.listConflicts()).toEqual([]);
  });

  it('a deletion listed before the event was brought back, and applied after, does not delete it from the wedding', async () => {
    const { s, t, c, pushed, weddingId, token } = await portraitsInGoogle();
    await t.server.bridge.outboxWorker.settled([], 5000);
    const seen: boolean[] = [];
    c.doc.ydoc.on('update', () => { const here = c.doc.getEvent('portraits') !== undefined; if (seen.at(-1) !== here) seen.push(here); });

    // The planner takes the photographer off the event: the hub deletes it from the calendar, and the
    // pull that deletion sets off lists it as cancelled; that listing is held.
    s.google.holdListings();
    c.doc.upsertEvent({ ...c.doc.getEvent('portraits')!, vendorIds: [] });
    await waitFor(() => s.google.event(s.googleCalendarId, pushed.id!)?.status === 'cancelled', 'the event cancelled in the calendar');
    await waitFor(() => s.google.heldListings >= 1, 'the listing of the cancellation on its way');
    // The planner puts the photographer back: the hub restores the same event.
    c.doc.upsertEvent({ ...c.doc.getEvent('portraits')!, vendorIds: ['photo'] });
    await waitFor(() => s.google.event(s.googleCalendarId, pushed.id!)?.status === 'confirmed', 'the event restored in the calendar');
    // The older listing arrives now: its cancellation is older than the restore and changes nothing.
    s.google.releaseListings();
    await nothingPending(t, weddingId, token, () => s.google.heldListings === 0);
    expect(seen).toEqual([true]);
    expect(c.doc.getEvent('portraits')?.vendorIds).toEqual(['photo']);
    expect(s.google.event(s.googleCalendarId, pushed.id!)?.status).toBe('confirmed');
  });

  it('a listing read before the planner deleted the event, and applied after, does not bring it back', async () => {
    const { s, t, c, pushed, weddingId, token } = await portraitsInGoogle();
    await t.server.bridge.outboxWorker.settled([], 5000);
    const seen: boolean[] = [];
    c.doc.ydoc.on('update', () => { const here = c.doc.getEvent('portraits') !== undefined; if (seen.at(-1) !== here) seen.push(here); });

    // The photographer moves the event in Google; the pull it sets off lists it, and that listing is held.
    s.google.holdListings();
    s.google.userPatch(s.googleCalendarId, pushed.id!, { location: 'Kew Barn, west lawn' });
    await waitFor(() => s.google.heldListings >= 1, 'the listing on its way');
    // The planner deletes the event: the hub deletes it from the calendar.
    c.doc.deleteEvent('portraits');
    await waitFor(() => s.google.event(s.googleCalendarId, pushed.id!)?.status === 'cancelled', 'the event cancelled in the calendar');
    // The older listing arrives now, after the deletion: it must not bring the event back.
    s.google.releaseListings();
    await nothingPending(t, weddingId, token, () => s.google.heldListings === 0);
    // Gone once, never back: not even for a moment.
    expect(seen).toEqual([false]);
    expect(c.doc.getEvent('portraits')).toBeUndefined();
    expect(s.google.event(s.googleCalendarId, pushed.id!)?.status).toBe('cancelled');
  });

  it('the merge of a refused push (Google, Outlook and CalDAV alike) reads the calendar\'s title without the wedding\'s name the hub put before it', () => {
    const fields = CALENDAR_FIELDS.timeline;
    const wedding = { weddingId: 'w1', meta: { title: 'Ana & Ben', timezone: 'Europe/London' }, vendors: {} };
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ minLength: 1, maxLength: 40 }), fc.boolean(), (before, after, named) => {
      fc.pre(before !== after);
      const base = { title: before, location: '' };
      const local = { title: after, location: '' };
      const e = outboundEvent({ op: 'upsert', entity: 'timeline', entityId: 'e1', externalId: 'x', data: { ...local, start: '2027-06-12T13:00:00Z', end: '2027-06-12T14:00:00Z' }, version: null }, wedding, { weddingInTitle: named });
      // The calendar holds what the hub wrote last (its base), as it writes titles, and a location of its own.
      const remote = { title: named ? `Ana & Ben · ${before}` : before, location: 'Kew Barn, west lawn' };
      const merged = mergeFields(fields, local, remoteInWeddingTerms(remote, e), base);
      expect(merged.write).toEqual(['title']);
      expect(merged.unwritten).toEqual(['location']);
    }));
  });
});

