import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { WeddingDoc } from '../../schema/index.ts';
import { crewOf } from '../../schema/document/contributions.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { waitFor } from '../helpers/wait.ts';
import { seedWedding } from '../schedule/schedule-fixture.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { addSessionCookie, launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const section = (page: Page, title: string) => page.locator('section.schedule-wedding', { has: page.getByRole('heading', { name: title, exact: true }) });

describe('planner app: a vendor edits its own crew entries and vendor record on My schedule', () => {
  it('crew notes and confirmation on its event, its e-mail and phone; another vendor’s address is refused; all kept at the server', async () => {
    const t = await startPlannerServer(dist);
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana Planner');
    const pia = await signedIn(t, 'pia@lens.example', 'Pia');
    await workspaceWith(t, ana, 'Bloom', ['wed_bloom1']);
    await t.server.collab.withDocument('wed_bloom1', (ydoc) => seedWedding(ydoc, 'Ava & Sam'));
    await t.server.people.addParticipant({ weddingId: 'wed_bloom1', role: 'vendor', vendorId: 'photo', personId: pia.person.id });

    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await addSessionCookie(context, t.httpUrl, pia.cookie);
    await page.goto(`${t.httpUrl}/schedule`);
    const wedding = section(page, 'Ava & Sam');
    await waitFor(() => wedding.isVisible(), 'the schedule');

    // Crew entry on "Groom getting ready".
    const ready = wedding.locator('li[data-event-id="ready"]');
    await ready.getByLabel('Your crew notes').fill('Two shooters: Pia and Jo. A table by the window, please.');
    await ready.getByLabel('We confirm this event').check();
    await ready.getByRole('button', { name: /^Save crew entry/ }).click();
    // The event has two status lines: the call time's and the crew entry's.
    const crewStatus = ready.getByRole('status').filter({ hasText: /^Crew entry/ });
    await waitFor(() => crewStatus.isVisible(), 'the crew entry saved');
    expect(await crewStatus.textContent()).toBe('Crew entry for Groom getting ready saved.');
    expect(await t.server.collab.withDocument('wed_bloom1', (d) => crewOf(d, 'ready').photo)).toMatchObject({ notes: 'Two shooters: Pia and Jo. A table by the window, please.', confirmed: true });
    // One line, not the status and the announcer both (trial 24); checked after the server round trip, past the announcer's 50 ms.
    expect((await page.locator('body').textContent() ?? '').split('Crew entry for Groom getting ready saved.').length - 1).toBe(1);
    // A call time after the event starts is saved as typed, and said to be after the start (vendor trial: "2pm" for an earlier start, silently).
    await ready.getByLabel('Your call time').fill('15:30');
    await ready.getByRole('button', { name: /^Save call time/ }).click();
    const callStatus = ready.getByRole('status').filter({ hasText: /Saved: call time/ });
    await waitFor(async () => ((await callStatus.textContent()) ?? '').includes('Saved: call time 15:30.'), 'the late call time saved');
    expect(await callStatus.textContent()).toContain('That is after the event starts (14:30): check it.');

    // The vendor record: another vendor's e-mail is refused (naming that vendor); then saved.
    const record = wedding.locator('form.vendor-record');
    await record.getByLabel('E-mail address').fill('caterer@secret.example');
    await record.getByRole('button', { name: 'Save contact details' }).click();
    await waitFor(() => record.getByRole('alert').isVisible(), 'the duplicate refused');
    // Named, with what a vendor can do (it can neither edit nor merge another vendor), and no id.
    const refusal = await record.getByRole('alert').textContent() ?? '';
    expect(refusal).toContain('belongs to another vendor of this wedding (Feast Co); ask the planner if it should be yours');
    expect(refusal).not.toMatch(/edit that vendor|\bcater\b/);
    await record.getByLabel('E-mail address').fill('bookings@lens.example');
    await record.getByLabel('Phone number').fill('+44 20 7946 0999');
    await record.getByRole('button', { name: 'Save contact details' }).click();
    await waitFor(() => record.getByRole('status').isVisible(), 'the record saved');
    const vendors = await t.server.collab.withDocument('wed_bloom1', (d) => Object.fromEntries(new WeddingDoc(d).listVendors().map((v) => [v.id, `${v.email} ${v.phone}`])));
    expect(vendors).toMatchObject({ photo: 'bookings@lens.example +44 20 7946 0999', cater: 'caterer@secret.example +44 20 7000 0001' });

    // After a reload both are shown from the server.
    await page.reload();
    await waitFor(() => section(page, 'Ava & Sam').isVisible(), 'the schedule again');
    expect(await section(page, 'Ava & Sam').locator('li[data-event-id="ready"]').getByLabel('Your crew notes').inputValue()).toBe('Two shooters: Pia and Jo. A table by the window, please.');
    expect(await section(page, 'Ava & Sam').locator('form.vendor-record').getByLabel('Phone number').inputValue()).toBe('+44 20 7946 0999');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect((await screenshotsAtBothWidths(page, 'vendor-own-edits')).phoneOverflowPx).toBe(0);
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  }, 120_000);
});
