import { describe, expect, it } from 'vitest';
import { startSandboxes } from '../calendar/helpers.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { STORY_WEDDINGS, studio, studioCalendar } from './helpers.ts';

// No scheduled pull during the test: only push notifications make the server read the calendar.
const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };

/** How many Google push notifications the server has stored (wedsync_webhook_ack_seconds). */
async function notificationsStored(t: { fetch: (p: string) => Promise<Response> }): Promise<number> {
  const text = await (await t.fetch('/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith('wedsync_webhook_ack_seconds_count') && l.includes('system="google-calendar"') && l.includes('outcome="stored"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('a change announced while a pull is in flight', () => {
  it('is read by a pull that starts after the notification, not left for the next schedule', async () => {
    const s = await startSandboxes();
    const t = await startTestServer({ env });
    const [ana] = STORY_WEDDINGS;
    // The photographer's calendar, connected for its workspace and kept for this wedding.
    const { alex, lens } = await studio(t, [ana]);
    const token = await alex.accessToken(ana.id);
    // Every event in the calendar belongs to this wedding.
    await studioCalendar(t, s.google, s.googleCalendarId, token, lens.id, ana.id, { claimsUnmatched: true });
    const c = await t.connect(ana.id, token);
    await waitFor(() => s.google.events(s.googleCalendarId).length === 1 && c.doc.listEvents().length === 1, 'the first sync settled');
    const titles = () => c.doc.listEvents().map((e) => e.title).sort();

    // A first change: its notification starts a pull, whose listing Google answers late.
    s.google.holdListings();
    const stored = await notificationsStored(t);
    s.google.userInsert(s.googleCalendarId, { id: 'fitting-1', summary: 'Dress fitting', start: { dateTime: '2027-05-02T10:00:00+01:00' }, end: { dateTime: '2027-05-02T11:00:00+01:00' } });
    await waitFor(() => s.google.heldListings === 1, 'the pull in flight');
    // A second change while that listing is on its way back: it is not in it.
    s.google.userInsert(s.googleCalendarId, { id: 'tasting-1', summary: 'Menu tasting', start: { dateTime: '2027-05-09T12:00:00+01:00' }, end: { dateTime: '2027-05-09T13:00:00+01:00' } });
    await waitFor(async () => (await notificationsStored(t)) >= stored + 2, 'both notifications received');
    s.google.releaseListings();
    await waitFor(() => titles().includes('Menu tasting'), 'the second change read by a pull after its notification');
    expect(titles()).toEqual(['Couple portraits', 'Dress fitting', 'Menu tasting']);
    await c.destroy();
  });
});
