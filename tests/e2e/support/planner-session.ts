import type { Browser } from 'playwright-core';
import { signedIn, workspaceWith } from '../../helpers/people.ts';
import { addSessionCookie, openTab, type Tab } from './browser.ts';
import { closeAfterTest, type PlannerServer } from './planner-server.ts';
import { waitSyncState } from './timeline-page.ts';

/**
 * Pat Planner (pat@studio.example), signed in with a session cookie, owning the workspace "Pat
 * Studio" that holds `weddingIds`, in a new tab (closed after the test) opened at `path` and
 * synced with the server. The set-up most planner e2e tests share.
 */
export async function openAsPlanner(browser: Browser, t: PlannerServer, weddingIds: string[], path: string): Promise<Tab & { pat: Awaited<ReturnType<typeof signedIn>> }> {
  const pat = await signedIn(t, 'pat@studio.example', 'Pat Planner');
  await workspaceWith(t, pat, 'Pat Studio', weddingIds);
  const tab = await openTab(browser, { bypassCSP: true });
  closeAfterTest(tab.context);
  await addSessionCookie(tab.context, t.httpUrl, pat.cookie);
  await tab.page.goto(`${t.httpUrl}${path}`);
  await waitSyncState(tab.page, 'online');
  return { ...tab, pat };
}
