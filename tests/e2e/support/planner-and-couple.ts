import type { Browser } from 'playwright-core';
import type { Person } from '../../../schema/api/people.ts';
import { signedIn, workspaceWith } from '../../helpers/people.ts';
import type { TestServer } from '../../helpers/test-server.ts';
import { addSessionCookie, openTab, type Tab } from './browser.ts';
import { closeAfterTest, startPlannerServer } from './planner-server.ts';
import { seedWedding } from './seed.ts';
import { waitSyncState } from './timeline-page.ts';

/** A planner app server, Pia's tab on one of its pages, and the couple who joined the wedding. */
export interface PlannerAndCouple { t: TestServer; planner: Tab; couple: Person; pia: Awaited<ReturnType<typeof signedIn>> }

/**
 * Starts the planner app on `dist` with wedding w1 seeded (seed.ts) in Pia Planner's workspace and
 * Ada & Grace joined as its couple (a participant, not yet a contact), and opens `path` (e.g.
 * `/w/w1/messages`) in a tab signed in as Pia, once it is online. The tab closes after the test.
 */
export async function plannerAndCouple(browser: Browser, dist: string, path: string): Promise<PlannerAndCouple> {
  const t = await startPlannerServer(dist);
  const pia = await signedIn(t, 'pia@studio.example', 'Pia Planner');
  await workspaceWith(t, pia, 'Pia Studio', ['w1']);
  await seedWedding(await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' })));
  const couple = await t.server.people.createPerson({ name: 'Ada & Grace', email: 'ada.grace@example.com' });
  await t.server.people.addParticipant({ weddingId: 'w1', role: 'couple', personId: couple.id, createdBy: pia.person.id });
  const planner = await openTab(browser, { bypassCSP: true });
  closeAfterTest(planner.context);
  await addSessionCookie(planner.context, t.httpUrl, pia.cookie);
  await planner.page.goto(`${t.httpUrl}${path}`);
  await waitSyncState(planner.page, 'online');
  return { t, planner, couple, pia };
}
