import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { proposeChange } from '../../schema/document/contributions.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { addSessionCookie, launchBrowser, openTab, screenshot } from './support/browser.ts';
import { tabThroughMain } from './support/keyboard.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer, type PlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { fillWhen, row, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

/** A tab of the wedding, the heading that says it has loaded, and what else it waits for. */
interface ViewCase { tab: string; heading: string; ready?: (page: Page) => Promise<unknown>; /** A view only to read. */ noControls?: true }

/** Every section of a wedding, as the role that sees it (client/app/src/wedding/wedding-view.tsx TABS). */
const VIEWS: Record<'admin' | 'couple' | 'vendor', ViewCase[]> = {
  admin: [
    { tab: 'Timeline', heading: 'Timeline' },
    { tab: 'Proposals', heading: 'Changes proposed by the couple' },
    { tab: 'Vendors', heading: 'Add a vendor' },
    { tab: 'Budget', heading: 'Create a payment plan' },
    { tab: 'Conflicts', heading: 'Conflicts' },
    { tab: 'Activity', heading: 'Activity', ready: (page) => page.locator('section[aria-labelledby="activity-heading"]:not([aria-busy="true"])').waitFor() },
    { tab: 'Integrations', heading: 'Integrations', ready: (page) => page.locator('[data-state]').waitFor() },
    // Which channels are connected is asked after the view shows; the unconnected ones are then disabled.
    { tab: 'Messages', heading: 'Messages', ready: (page) => page.locator('.compose-channels[aria-busy="false"]').waitFor() },
    { tab: 'Contacts & guests', heading: 'Contacts' },
    { tab: 'Snapshots', heading: 'Snapshots' },
    { tab: 'Run-of-show', heading: 'Run-of-show' },
  ],
  couple: [
    { tab: 'Timeline', heading: 'Timeline' },
    { tab: 'Our day', heading: 'Our day' },
    { tab: 'Proposals', heading: 'Propose a change' },
    { tab: 'Budget', heading: 'Budget', noControls: true },
    { tab: 'Inbox', heading: 'Inbox' },
    { tab: 'Run-of-show', heading: 'Run-of-show' },
  ],
  vendor: [
    { tab: 'Timeline', heading: 'Timeline' },
    { tab: 'Inbox', heading: 'Inbox' },
    { tab: 'Run-of-show', heading: 'Run-of-show' },
  ],
};

async function seededServer(): Promise<PlannerServer> {
  const t = await startPlannerServer(dist);
  const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
  await seedWedding(peer);
  peer.doc.appendConflict({
    id: 'cf_1', at: '2026-05-01T10:00:00.000Z', entity: 'timeline', entityId: 'evt_ceremony', field: 'start', localValue: '2026-06-13T14:00:00+01:00',
    remoteValue: '2026-06-13T14:30:00+01:00', source: 'google-calendar', strategy: 'manual', status: 'pending', winner: null, resolvedBy: null, resolvedAt: null,
  });
  // A proposal, so the planner's Proposals view has its Accept/Decline controls.
  proposeChange(peer.doc.ydoc, { id: 'prop_1', authorId: 'cam', eventId: 'evt_photos', changes: { location: 'Rose garden' }, note: 'Better light' });
  await peer.whenAcknowledged();
  return t;
}

/** Opens each view by its tab and collects axe's serious/critical findings and the Tab walk's gaps. */
async function walkViews(page: Page, label: string, views: ViewCase[], results: Record<string, unknown>): Promise<void> {
  for (const view of views) {
    await page.getByRole('link', { name: new RegExp(`^${view.tab}`) }).click();
    await page.getByRole('heading', { name: view.heading, exact: true }).waitFor();
    await view.ready?.(page);
    results[`${label}: ${view.tab} axe`] = await seriousAxeViolations(page);
    const walk = await tabThroughMain(page);
    results[`${label}: ${view.tab} keyboard`] = { unreached: walk.unreached, noIndicator: walk.noIndicator, hasControls: walk.controls.length > 0 || view.noControls === true };
  }
}

const clean = (results: Record<string, unknown>) => Object.fromEntries(Object.keys(results).map((k) => [k, k.endsWith('keyboard') ? { unreached: [], noIndicator: [], hasControls: true } : []]));

describe('planner app: every view, as the role that sees it', () => {
  it('passes axe-core (no serious or critical findings) and every main control is reached by Tab with a visible focus indicator', async () => {
    const t = await seededServer();
    const results: Record<string, unknown> = {};
    const check = async (page: Page, name: string) => { results[name] = await seriousAxeViolations(page); };

    for (const width of [1280, 375]) {
      const { context, page } = await openTab(browser, { viewport: { width, height: 900 }, bypassCSP: true });
      closeAfterTest(context);
      await page.goto(`${t.httpUrl}/`);
      await page.getByLabel('Access token').waitFor();
      await check(page, `${width}: sign-in`);
      if (width === 1280) await screenshot(page, 'sign-in');
      await page.goto(t.signInUrl(await t.token('admin', ['*'], { sub: 'root', name: 'Admin' })));
      await page.locator('.wedding-list a[href="/w/w1/timeline"]').waitFor();
      await check(page, `${width}: wedding picker`);
      await page.locator('.wedding-list a[href="/w/w1/timeline"]').click();
      await waitSyncState(page, 'online');
      await walkViews(page, `${width} admin`, VIEWS.admin, results);

      await page.getByRole('link', { name: 'Timeline' }).click();
      await row(page, 'evt_ceremony').getByRole('button', { name: 'Edit Ceremony' }).click();
      await fillWhen(row(page, 'evt_ceremony').locator('form'), 'Ends', '2026-06-13T13:00');
      await row(page, 'evt_ceremony').locator('form').getByRole('button', { name: 'Save changes' }).click();
      await row(page, 'evt_ceremony').getByRole('alert').waitFor();
      await check(page, `${width}: event form with errors`);
      await page.locator('summary', { hasText: 'Wedding details' }).click();
      await check(page, `${width}: wedding details`);
      await page.getByRole('link', { name: 'Snapshots' }).click();
      await page.getByLabel('New snapshot label').fill(`before changes at ${width}`);
      await page.getByRole('button', { name: 'Create snapshot' }).click();
      await page.getByRole('button', { name: `Preview before changes at ${width}` }).click();
      await page.getByRole('heading', { name: `Preview: before changes at ${width}` }).waitFor();
      await check(page, `${width}: snapshot preview`);
      await page.getByRole('button', { name: `Restore before changes at ${width}` }).click();
      await page.getByRole('dialog').waitFor();
      await check(page, `${width}: restore confirmation`);
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

      for (const [role, extra] of [['couple', { sub: 'cam', name: 'Cam' }], ['vendor', { sub: 'lens', name: 'Lens & Light', vendorId: 'ven_photo' }]] as const) {
        const tab = await openTab(browser, { viewport: { width, height: 900 }, bypassCSP: true });
        closeAfterTest(tab.context);
        await tab.page.goto(t.signInUrl(await t.token(role, ['w1'], extra)));
        await waitSyncState(tab.page, 'online');
        await walkViews(tab.page, `${width} ${role}`, VIEWS[role], results);
      }
    }
    expect(results).toEqual(clean(results));
  }, 240_000);

  it('the account pages (home, My schedule) pass axe-core and their controls are reached by Tab with a visible focus indicator', async () => {
    const t = await seededServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana Planner');
    const pia = await signedIn(t, 'pia@lens.example', 'Pia');
    await workspaceWith(t, ana, 'Bloom', ['w1']);
    await t.server.people.addParticipant({ weddingId: 'w1', role: 'vendor', vendorId: 'ven_photo', personId: pia.person.id });
    const results: Record<string, unknown> = {};
    for (const [who, person, path, heading] of [['planner', ana, '/', 'Bloom'], ['vendor', pia, '/schedule', 'My schedule']] as const) {
      const { context, page } = await openTab(browser, { bypassCSP: true });
      closeAfterTest(context);
      await addSessionCookie(context, t.httpUrl, person.cookie);
      await page.goto(`${t.httpUrl}${path}`);
      await page.getByRole('heading', { name: heading, exact: true }).first().waitFor();
      if (path === '/schedule') await page.getByLabel('Your call time').first().waitFor();
      results[`${who} ${path} axe`] = await seriousAxeViolations(page);
      const walk = await tabThroughMain(page);
      results[`${who} ${path} keyboard`] = { unreached: walk.unreached, noIndicator: walk.noIndicator, hasControls: walk.controls.length > 0 };
    }
    expect(results).toEqual(clean(results));
  }, 120_000);
});
