import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { addSessionCookie, appErrors, launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { eventTitles, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

/** Creates a share link in the open Share dialog and returns its URL (the newest link shown). */
async function createLink(page: Page, role: string, previous: string[], vendor?: string): Promise<string> {
  const dialog = page.getByRole('dialog');
  const form = dialog.locator('form', { has: page.getByRole('heading', { name: 'Create a share link' }) });
  await form.getByLabel('Role').selectOption(role);
  if (vendor) await form.getByLabel('Vendor').selectOption({ label: vendor });
  await form.getByRole('button', { name: 'Create link' }).click();
  return waitFor(async () => {
    const value = await dialog.getByLabel(/^Share link/).inputValue().catch(() => '');
    return value && !previous.includes(value) ? value : '';
  }, `the ${role} link`);
}

describe('share links: each role lands in the wedding with its own rights', () => {
  it('a vendor link bound to a vendor entry and a viewer link are accepted by name in other browsers, each landing with its role; the list shows their use; a revoked link is refused', async () => {
    const t = await startPlannerServer(dist);
    const alex = await signedIn(t, 'alex@studio.example', 'Alex Morgan');
    await workspaceWith(t, alex, 'Morgan Studio', ['w1']);
    await seedWedding(await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' })));
    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await addSessionCookie(context, t.httpUrl, alex.cookie);
    await page.goto(`${t.httpUrl}/w/w1/timeline`);
    await waitSyncState(page, 'online');

    await page.getByRole('button', { name: 'Share' }).click();
    const dialog = page.getByRole('dialog');
    const vendorUrl = await createLink(page, 'vendor', [], 'Lens & Light');
    const viewerUrl = await createLink(page, 'viewer', [vendorUrl]);
    const spareUrl = await createLink(page, 'couple', [vendorUrl, viewerUrl]);
    // The role's hint says what a couple can do here (no comments feature to promise).
    expect(await dialog.locator('form', { has: page.getByRole('heading', { name: 'Create a share link' }) }).locator('.hint').first().textContent())
      .toBe('the couple: sees the wedding, fills in guest numbers and proposes new times or places for events');
    await waitFor(() => dialog.getByRole('cell', { name: 'Vendor (Lens & Light)', exact: true }).isVisible(), 'the vendor link listed with its vendor');
    // Roles as the app writes them elsewhere, capitalised (trial 24: "vendor", "couple").
    expect(await dialog.locator('table.share-list tbody td:nth-child(2)').allTextContents()).toEqual(expect.arrayContaining(['Viewer', 'Couple']));
    for (const role of await dialog.locator('table.share-list tbody td:nth-child(2)').allTextContents()) expect(role).toMatch(/^[A-Z]/);
    const { phoneOverflowPx } = await screenshotsAtBothWidths(page, 'share-links');
    expect(phoneOverflowPx).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Revoke the couple link' }).click();
    await waitFor(() => dialog.getByRole('cell', { name: 'Revoked' }).isVisible(), 'the couple link revoked');
    await dialog.getByRole('button', { name: 'Close' }).click();

    const join = async (url: string, who: string, heading: RegExp) => {
      const tab = await openTab(browser, { bypassCSP: true });
      closeAfterTest(tab.context);
      await tab.page.goto(new URL(new URL(url).pathname, t.httpUrl).toString());
      await waitFor(() => tab.page.getByRole('heading', { name: 'You are invited to “Ada & Grace”' }).isVisible(), `the invitation for ${who}`);
      expect(await tab.page.locator('main').textContent()).toMatch(heading);
      // Keyboard: type the name and press Enter in the field.
      await tab.page.getByLabel('Your name').focus();
      await tab.page.keyboard.type(who);
      await tab.page.keyboard.press('Enter');
      await waitSyncState(tab.page, 'online');
      expect(new URL(tab.page.url()).pathname).toBe('/w/w1/timeline');
      return tab;
    };

    const vendor = await join(vendorUrl, 'Jo Lens', /as .*Lens & Light/);
    await waitFor(async () => (await eventTitles(vendor.page)).length > 0, 'the vendor’s timeline');
    expect(await vendor.page.getByRole('button', { name: 'Share' }).count()).toBe(0);
    const viewer = await join(viewerUrl, 'Vi Guest', /as a viewer|as viewer|viewer/i);
    await waitFor(async () => (await eventTitles(viewer.page)).includes('Ceremony'), 'the viewer’s timeline');
    await waitFor(() => viewer.page.getByText('View only.').isVisible(), 'the viewer’s read-only explanation');
    // A viewer can never add events: the button is not there (not shown greyed out).
    expect(await viewer.page.getByRole('button', { name: 'Add event' }).count()).toBe(0);

    // The server holds each with their role; the vendor bound to the vendor entry the link named.
    const rows = (await Promise.all((await t.server.people.participantsOf('w1')).map(async (x) => ({ name: (await t.server.people.getPerson(x.personId!))!.name, role: x.role, vendorId: x.vendorId ?? null }))))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(rows).toEqual([{ name: 'Jo Lens', role: 'vendor', vendorId: 'ven_photo' }, { name: 'Vi Guest', role: 'viewer', vendorId: null }]);
    // The planner sees them arrive with their roles.
    await waitFor(async () => {
      const present = (await page.locator('.presence').textContent()) ?? '';
      return present.includes('Jo Lens (vendor)') && present.includes('Vi Guest (viewer)');
    }, 'both present with their roles');

    // The list counts each use; the revoked link opens nothing.
    await page.getByRole('button', { name: 'Share' }).click();
    await waitFor(async () => (await dialog.getByRole('cell', { name: '1 of 25' }).count()) === 2, 'each link’s use counted');
    const late = await openTab(browser, { bypassCSP: true });
    closeAfterTest(late.context);
    await late.page.goto(new URL(new URL(spareUrl).pathname, t.httpUrl).toString());
    await waitFor(() => late.page.getByRole('alert').isVisible(), 'the revoked link refused');
    expect(await late.page.getByRole('alert').textContent()).toContain('This invitation is not valid any more');

    // A florist signed in with her business accepts its link for the business (offered first): the
    // business is bound, so its colleagues and connections work on the wedding (vendor trial: the
    // page never offered it, and the business's calendar feed had no wedding to choose).
    const florist = await signedIn(t, 'fleur@petal.example', 'Fleur');
    const business = await workspaceWith(t, florist, 'Petal Studio', [], 'florist');
    const floristUrl = await createLink(page, 'vendor', [vendorUrl, viewerUrl, spareUrl], 'Petal Co');
    const fleur = await openTab(browser, { bypassCSP: true });
    closeAfterTest(fleur.context);
    await addSessionCookie(fleur.context, t.httpUrl, florist.cookie);
    await fleur.page.goto(new URL(new URL(floristUrl).pathname, t.httpUrl).toString());
    const forWhom = fleur.page.getByLabel('Accept for');
    await waitFor(() => forWhom.isVisible(), 'the choice of business');
    expect(await forWhom.locator('option:checked').textContent()).toBe('Petal Studio (your business)');
    await fleur.page.getByRole('button', { name: 'Accept and open the wedding' }).click();
    await waitSyncState(fleur.page, 'online');
    expect((await t.server.people.participantsOf('w1')).find((x) => x.vendorId === 'ven_flowers')).toMatchObject({ vendorWorkspaceId: business.id });

    expect(appErrors(errors)).toEqual([]);
    expect(appErrors(vendor.errors)).toEqual([]);
    expect(appErrors(viewer.errors)).toEqual([]);
    expect(appErrors(fleur.errors)).toEqual([]);
  }, 120_000);
});
