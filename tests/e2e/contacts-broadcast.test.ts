import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { waitFor } from '../helpers/wait.ts';
import { SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { addSessionCookie, appErrors, launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

describe('planner app: contacts, and a broadcast that reaches the couple', () => {
  it('a planner adds, edits and removes contacts; the emergency broadcast reaches the couple who joined by share link, who read it in their Inbox', async () => {
    const t = await startPlannerServer(dist);
    const pia = await signedIn(t, 'pia@studio.example', 'Pia Planner');
    await workspaceWith(t, pia, 'Pia Studio', ['w1']);
    await seedWedding(await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' })));
    // The couple joined by share link with a name only.
    const couple = await t.server.people.createPerson({ name: 'Ada & Grace' });
    await t.server.people.addParticipant({ weddingId: 'w1', role: 'couple', personId: couple.id, createdBy: pia.person.id });

    const planner = await openTab(browser, { bypassCSP: true });
    closeAfterTest(planner.context);
    await addSessionCookie(planner.context, t.httpUrl, pia.cookie);
    const p = planner.page;
    await p.goto(`${t.httpUrl}/w/w1/timeline`);
    await waitSyncState(p, 'online');
    await p.getByRole('link', { name: 'Contacts' }).click();
    await waitFor(() => p.getByRole('heading', { name: 'Contacts', exact: true }).isVisible(), 'the Contacts screen');
    expect(await p.getByText('No contacts yet.').isVisible()).toBe(true);

    // Add: a bad e-mail is refused at the form, then fixed.
    await p.getByRole('button', { name: 'Add a contact' }).click();
    const form = p.locator('form.contact-form');
    await form.getByLabel('Name').fill('Cleo Coordinator');
    await form.getByLabel('Role').selectOption('coordinator');
    await form.getByLabel('E-mail address').fill('not-an-email');
    await form.getByRole('button', { name: 'Add contact' }).click();
    expect(await form.getByRole('alert').textContent()).toMatch(/^Nothing was saved: Email/);
    await form.getByLabel('E-mail address').fill('cleo@example.com');
    await form.getByLabel('SMS').check();
    await form.getByRole('button', { name: 'Add contact' }).click();
    const cleo = p.locator('table.contacts tr', { hasText: 'Cleo Coordinator' });
    await waitFor(() => cleo.isVisible(), 'the new contact listed');
    expect(await cleo.locator('td').allTextContents()).toEqual(['Coordinator', 'cleo@example.com', 'none', 'no vendor', 'SMS', 'Edit Cleo CoordinatorRemove Cleo Coordinator']);

    // Edit: the phone.
    await cleo.getByRole('button', { name: 'Edit Cleo Coordinator' }).click();
    await form.getByLabel('Phone number').fill('+44 7700 900123');
    await form.getByRole('button', { name: 'Save' }).click();
    await waitFor(async () => (await cleo.locator('td[data-label="Phone"]').textContent()) === '+44 7700 900123', 'the phone saved');
    expect((await screenshotsAtBothWidths(p, 'contacts')).phoneOverflowPx).toBe(0);
    expect(await seriousAxeViolations(p)).toEqual([]);

    // The emergency broadcast from Messages.
    await p.getByRole('link', { name: 'Messages' }).click();
    const emergency = p.locator('section.emergency');
    await emergency.getByLabel('Message').fill('Storm from 14:00: the ceremony moves into the Orangery.');
    await emergency.getByRole('button', { name: 'Send emergency broadcast…' }).click();
    const dialog = p.getByRole('dialog');
    expect(await dialog.textContent()).toContain('everyone who joined the wedding as couple or planner');
    await dialog.getByLabel('Type SEND to confirm').fill('SEND');
    await dialog.getByRole('button', { name: 'Send emergency broadcast' }).click();
    // Two vendors, Cleo, Pia and the couple.
    await waitFor(() => emergency.getByRole('status').isVisible(), 'the broadcast sent');
    expect(await emergency.getByRole('status').textContent()).toBe('Emergency broadcast sent to 5 people.');
    const storm = p.locator('.message-log li', { hasText: 'Weather emergency' });
    await waitFor(() => storm.locator(`tr[data-recipient-id="${couple.id}"]`).isVisible(), 'the couple among the recipients');
    expect(await storm.locator(`tr[data-recipient-id="${couple.id}"] th`).textContent()).toBe('Ada & Grace (couple)');
    // Once in the page's text: the view's status line, not also the app's live region (trial 24).
    expect((await p.locator('body').textContent())!.split('Emergency broadcast sent to 5 people.').length - 1).toBe(1);

    // The couple, signed in on their own browser, have it in their Inbox and acknowledge it.
    const { cookieValue } = await t.server.sessions.create({ personId: couple.id, method: 'invitation' });
    const coupleTab = await openTab(browser, { bypassCSP: true });
    closeAfterTest(coupleTab.context);
    await addSessionCookie(coupleTab.context, t.httpUrl, `${SESSION_COOKIE}=${cookieValue}`);
    await coupleTab.page.goto(`${t.httpUrl}/w/w1/inbox`);
    const inbox = coupleTab.page.locator('.inbox li.message');
    await waitFor(async () => (await inbox.count()) > 0, 'the couple’s inbox');
    expect(await inbox.locator('h3').allTextContents()).toEqual(['Weather emergency']);
    await inbox.getByRole('button', { name: /^Acknowledge/ }).click();
    await waitFor(async () => (await storm.locator(`tr[data-recipient-id="${couple.id}"] .ack-state`).textContent())?.startsWith('Acknowledged'), 'the couple’s acknowledgement on the planner’s screen');

    // The couple is now a contact the planner can edit; removing Cleo asks first.
    await p.getByRole('link', { name: 'Contacts' }).click();
    await waitFor(() => p.locator(`tr[data-contact-id="${couple.id}"]`).isVisible(), 'the couple listed as a contact');
    await cleo.getByRole('button', { name: 'Remove Cleo Coordinator' }).click();
    await p.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await waitFor(async () => (await cleo.count()) === 0, 'Cleo removed');

    expect(appErrors(planner.errors)).toEqual([]);
    expect(appErrors(coupleTab.errors)).toEqual([]);
  }, 150_000);
});
