import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { waitFor } from '../helpers/wait.ts';
import { appErrors, launchBrowser, openTab, screenshot, type Tab } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer, type PlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { row, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

/** Editing controls shown but unusable: disabled buttons and fields, read-only text fields, disabled field groups. */
const UNUSABLE = 'button:disabled, input:disabled, select:disabled, textarea:disabled, input[readonly], textarea[readonly], fieldset:disabled';

/** The unusable controls in the page's main content, as short HTML for a readable failure. */
function unusableControls(page: Page): Promise<string[]> {
  return page.locator('main').locator(UNUSABLE).evaluateAll((els) => els.map((e) => e.outerHTML.slice(0, 160)));
}

/** The sections the role's tab bar offers, by path segment. */
async function sectionsOf(page: Page): Promise<string[]> {
  return page.locator('nav.tabs a').evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).pathname.split('/')[3]!));
}

/** Opens a section from the tab bar and waits until it has loaded what it loads. */
async function openSection(page: Page, section: string): Promise<void> {
  await page.locator(`nav.tabs a[href$="/${section}"]`).click();
  await waitFor(() => page.locator(`nav.tabs a[href$="/${section}"][aria-current="page"]`).isVisible(), `the ${section} tab`);
  await waitFor(() => page.locator('main h2').first().isVisible(), `the ${section} heading`, 15_000);
  await waitFor(async () => !/Loading|Opening/.test((await page.locator('main').textContent()) ?? ''), `the ${section} section to load`, 15_000);
}

async function signIn(t: PlannerServer, role: 'planner' | 'vendor' | 'couple'): Promise<Tab> {
  const tab = await openTab(browser);
  closeAfterTest(tab.context);
  const extra = role === 'vendor' ? { sub: 'lens', name: 'Lens & Light', vendorId: 'ven_photo' } : role === 'couple' ? { sub: 'ada', name: 'Ada' } : { sub: 'alex', name: 'Alex' };
  await tab.page.goto(t.signInUrl(await t.token(role, ['w1'], extra)));
  await waitSyncState(tab.page, 'online');
  return tab;
}

/** A planner app server with the seeded wedding. */
async function seededServer(): Promise<PlannerServer> {
  const t = await startPlannerServer(dist);
  await seedWedding(await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' })));
  return t;
}

const EXPECTED = {
  vendor: ['timeline', 'vendors', 'budget', 'integrations', 'inbox', 'run-of-show'],
  couple: ['timeline', 'our-day', 'proposals', 'vendors', 'budget', 'integrations', 'inbox', 'run-of-show'],
} as const;

// One case per role (each walks every section it can open: about 10 s in a busy CI run).
describe('planner app: a role sees no editing control it can never use', () => {
  it.each(['vendor', 'couple'] as const)('shows the %s no disabled editing control in any section they can open', async (role) => {
    const t = await seededServer();
    const { page, errors } = await signIn(t, role);
    await waitFor(async () => (await row(page, 'evt_ceremony').count()) === 1, `the ${role}'s timeline`);
    expect(await sectionsOf(page)).toEqual(EXPECTED[role]);
    const found: Record<string, string[]> = {};
    for (const section of EXPECTED[role]) {
      await openSection(page, section);
      if (section === 'timeline') {
        // What opens from the timeline too: the wedding's details and an event's.
        await page.locator('summary', { hasText: 'Wedding details' }).click();
        await waitFor(() => page.locator('.wedding-details dd', { hasText: 'Kew Gardens' }).isVisible(), `the ${role}'s wedding details`);
        await row(page, 'evt_ceremony').getByRole('button', { name: 'View Ceremony' }).click();
        await waitFor(() => row(page, 'evt_ceremony').getByRole('group', { name: 'Details of “Ceremony”' }).isVisible(), `the ${role}'s event details`);
        // Nor hidden away: no Add, move or delete buttons at all.
        expect(await page.getByRole('button', { name: /^(Add event|Shift later events|Undo|Redo)/ }).count()).toBe(0);
        expect(await row(page, 'evt_ceremony').getByRole('button', { name: /Delete|Move/ }).count()).toBe(0);
        await screenshot(page, `role-controls-${role}-timeline`);
      }
      found[section] = await unusableControls(page);
    }
    expect(found).toEqual(Object.fromEntries(EXPECTED[role].map((s) => [s, []])));
    expect(appErrors(errors)).toEqual([]);
  });

  it('the planner keeps every control, enabled', async () => {
    const t = await seededServer();
    const { page } = await signIn(t, 'planner');
    await waitFor(async () => (await row(page, 'evt_ceremony').count()) === 1, 'the planner’s timeline');
    expect(await page.getByRole('button', { name: 'Add event' }).isEnabled()).toBe(true);
    // What is only unavailable for now stays, disabled (nothing to undo yet; the first event cannot move earlier).
    expect((await unusableControls(page)).join('\n')).toMatch(/Undo[\s\S]*Move Getting ready earlier/);
    expect(await page.getByRole('button', { name: 'Shift later events' }).isEnabled()).toBe(true);
    for (const name of ['Move Ceremony earlier', 'Move Ceremony later', 'Delete Ceremony']) {
      expect(await row(page, 'evt_ceremony').getByRole('button', { name }).isEnabled()).toBe(true);
    }
    await page.locator('summary', { hasText: 'Wedding details' }).click();
    expect(await page.getByLabel('Venue').isEnabled()).toBe(true);
    await row(page, 'evt_ceremony').getByRole('button', { name: 'Edit Ceremony' }).click();
    expect(await row(page, 'evt_ceremony').locator('form').getByLabel('Location', { exact: true }).isEnabled()).toBe(true);
    await openSection(page, 'vendors');
    expect(await page.getByRole('button', { name: 'Edit Lens & Light' }).isEnabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Remove Lens & Light' }).isEnabled()).toBe(true);
    await openSection(page, 'budget');
    expect(await page.getByRole('button', { name: 'Create plan' }).isEnabled()).toBe(true);
  });
});
