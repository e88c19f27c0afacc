import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { waitFor } from '../helpers/wait.ts';
import { launchBrowser, openTab } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { addEvent, eventTitles, row, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

describe('planner app: a wedding always has a time zone', () => {
  it('creates a wedding in the creator’s zone by default, and refuses one without a zone', async () => {
    const t = await startPlannerServer(dist);
    // The browser is in New York: that is the zone offered.
    const { context, page, errors } = await openTab(browser, { timezoneId: 'America/New_York' });
    closeAfterTest(context);
    await page.goto(t.signInUrl(await t.token('admin', ['*'], { sub: 'alex', name: 'Alex Morgan' })));
    const form = page.locator('form.create-wedding');
    expect(await form.getByLabel('Time zone').inputValue()).toBe('America/New_York');

    await form.getByLabel('Wedding id').fill('nyc');
    await form.getByLabel('Time zone').fill('');
    await form.getByRole('button', { name: 'Create wedding' }).click();
    expect(await form.getByRole('alert').textContent()).toContain('needs a time zone');
    await form.getByLabel('Time zone').fill('New York');
    await form.getByRole('button', { name: 'Create wedding' }).click();
    await waitFor(async () => (await form.getByRole('alert').textContent())?.includes('not an IANA time zone'), 'the unknown-zone message');

    await form.getByLabel('Time zone').fill('America/New_York');
    await form.getByLabel('Title').fill('Sam & Alex');
    await form.getByLabel('Date').fill('2027-06-12');
    await form.getByRole('button', { name: 'Create wedding' }).click();
    await waitSyncState(page, 'online');
    expect(await page.locator('.wedding-title').textContent()).toContain('times in America/New_York');
    const peer = await t.connect('nyc', await t.token('planner', ['nyc'], { sub: 'seed' }));
    await peer.whenSynced();
    expect(peer.doc.getMeta()).toMatchObject({ timezone: 'America/New_York', title: 'Sam & Alex', date: '2027-06-12' });
    expect(errors).toEqual([]);
  });

  it('changing the zone asks whether to keep the times as typed or the moments, and does it for every event', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    // The viewer is in Tokyo; the wedding's London times are shown, never Tokyo's.
    const { context, page, errors } = await openTab(browser, { timezoneId: 'Asia/Tokyo' });
    closeAfterTest(context);
    await page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex', name: 'Alex Morgan' })));
    await waitSyncState(page, 'online');
    expect(await row(page, 'evt_ceremony').locator('.event-time').textContent()).toContain('14:00');

    const changeZone = async (zone: string) => {
      const details = page.locator('details.wedding-details');
      if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
      await details.getByLabel('Time zone').fill(zone);
      await details.getByRole('button', { name: 'Save details' }).click();
      await page.getByRole('dialog').waitFor();
    };

    // Cancel changes nothing.
    await changeZone('America/New_York');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(peer.doc.getMeta().timezone).toBe('Europe/London');

    // Keep the times as typed: 14:00 stays 14:00, now New York time.
    await changeZone('America/New_York');
    expect(await page.getByRole('dialog').textContent()).toContain('“Getting ready”, now at 10:00 in Europe/London');
    await page.getByRole('dialog').getByRole('button', { name: 'Keep the times as typed' }).click();
    await waitFor(() => peer.doc.getMeta().timezone === 'America/New_York', 'the new zone at the server');
    await waitFor(() => peer.doc.getEvent('evt_ceremony')?.start === '2026-06-13T14:00:00-04:00', 'the ceremony at 14:00 New York');
    expect(peer.doc.getEvent('evt_prep')).toMatchObject({ start: '2026-06-13T10:00:00-04:00', end: '2026-06-13T12:00:00-04:00' });
    expect(await row(page, 'evt_ceremony').locator('.event-time').textContent()).toContain('14:00');

    // Keep the moments: 14:00 New York is 03:00 the next day in Tokyo, shown with its date.
    await changeZone('Asia/Tokyo');
    await page.getByRole('dialog').getByRole('button', { name: 'Keep the moments in time' }).click();
    await waitFor(() => peer.doc.getEvent('evt_ceremony')?.start === '2026-06-14T03:00:00+09:00', 'the ceremony at the same moment, in Tokyo');
    await waitFor(async () => (await row(page, 'evt_ceremony').locator('.event-time').textContent())?.includes('03:00'), 'the ceremony shown at 03:00');
    expect(await row(page, 'evt_ceremony').locator('.event-date').textContent()).toContain('Sun 14 Jun');
    expect(Date.parse(peer.doc.getEvent('evt_photos')!.start)).toBe(Date.parse('2026-06-13T14:45:00-04:00'));
    expect(errors).toEqual([]);
  });

  it('accepts an event after midnight and shows it last, with its date', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    const { context, page } = await openTab(browser);
    closeAfterTest(context);
    await page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex' })));
    await waitSyncState(page, 'online');
    await addEvent(page, { title: 'Teardown', start: '2026-06-14T00:30', end: '2026-06-14T02:00', category: 'teardown' });
    await addEvent(page, { title: 'Last dance', start: '2026-06-13T23:00', end: '2026-06-14T00:15' });
    await waitFor(async () => (await eventTitles(page)).join() === 'Getting ready,Ceremony,Group photos,Last dance,Teardown', 'the events in time order');
    const teardown = await waitFor(() => peer.doc.listEvents().find((e) => e.title === 'Teardown'), 'the teardown at the server');
    expect(teardown).toMatchObject({ start: '2026-06-14T00:30:00+01:00', end: '2026-06-14T02:00:00+01:00' });
    expect(await row(page, teardown.id).locator('.event-date').textContent()).toContain('Sun 14 Jun');
    const lastDance = await waitFor(() => peer.doc.listEvents().find((e) => e.title === 'Last dance'), 'the last dance at the server');
    expect(await row(page, lastDance.id).locator('.event-date').count()).toBe(0);
    expect(await row(page, lastDance.id).locator('.next-day').textContent()).toContain('+1d');
  });

  it('shows a prompt, never the viewer’s zone, for a wedding without a zone, until one is set', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('old', await t.token('planner', ['old'], { sub: 'seed' }));
    await peer.whenSynced();
    // Old data: events written before a zone was required.
    peer.doc.setMeta({ title: 'Old wedding', date: '2026-06-13' });
    peer.doc.upsertEvent({ id: 'evt_ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' });
    await peer.whenAcknowledged();
    const { context, page, errors } = await openTab(browser, { timezoneId: 'Asia/Tokyo' });
    closeAfterTest(context);
    await page.goto(t.signInUrl(await t.token('planner', ['old'], { sub: 'alex' })));
    await waitSyncState(page, 'online');
    await waitFor(async () => (await page.locator('.timeline [role="alert"]').textContent())?.includes('no time zone yet'), 'the prompt');
    expect(await page.locator('.events > li').count()).toBe(0);
    expect(await page.locator('.wedding-title').textContent()).toContain('time zone not set');
    expect(await page.locator('.wedding-title').textContent()).not.toContain('Asia/Tokyo');

    const details = page.locator('details.wedding-details');
    expect(await details.getAttribute('open')).not.toBeNull();
    await details.getByLabel('Time zone').fill('Europe/London');
    await details.getByRole('button', { name: 'Save details' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Keep the times as typed' }).click();
    await waitFor(() => peer.doc.getMeta().timezone === 'Europe/London', 'the zone at the server');
    expect(peer.doc.getEvent('evt_ceremony')?.start).toBe('2026-06-13T14:00:00+01:00');
    await waitFor(async () => (await row(page, 'evt_ceremony').locator('.event-time').textContent())?.includes('14:00'), 'the ceremony at 14:00');
    expect(errors).toEqual([]);
  });
});
