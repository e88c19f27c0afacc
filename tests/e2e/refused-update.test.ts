import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { waitFor } from '../helpers/wait.ts';
import { launchBrowser, openTab } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { recordCollabFrames, withFrames } from './support/collab-frames.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { addEvent, editEvent } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

describe('planner app: a refused update', () => {
  it('says the change was refused, shows the server state again and keeps working', async () => {
    const t = await startPlannerServer(dist, { MAX_EVENTS_PER_WEDDING: '3' });
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    expect(peer.doc.listEvents()).toHaveLength(3);
    const a = await openTab(browser);
    closeAfterTest(a.context);
    // A failed wait shows what the app's socket sent and received.
    const frames = recordCollabFrames(a.page);
    await withFrames(frames, async () => {
      await a.page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex', name: 'Alex Morgan' })));
      await waitFor(async () => (await a.page.locator('[data-sync-state]').getAttribute('data-sync-state')) === 'online', 'the app to be online', 15_000, 50);
      await expect.poll(() => a.page.locator('.events > li').count()).toBe(3);

      // A fourth event is over the wedding's limit: the server refuses it.
      await addEvent(a.page, { title: 'First dance', start: '2026-06-13T20:00', end: '2026-06-13T20:15' });
      await waitFor(() => a.page.getByRole('alert').filter({ hasText: 'The server refused a change' }).isVisible(), 'the refusal notice', 15_000, 50);
      await expect.poll(() => a.page.locator('.events > li').count()).toBe(3);
      expect(peer.doc.listEvents()).toHaveLength(3);

      // The app is on the server's state with a new document: its next edit is stored and shared.
      await a.page.getByRole('button', { name: 'Add event' }).waitFor();
      await waitFor(async () => (await a.page.locator('[data-sync-state]').getAttribute('data-sync-state')) === 'online', 'the app to be online again', 15_000, 50);
      const first = peer.doc.listEvents()[0]!;
      await editEvent(a.page, first.id, first.title, { Location: 'Temperate House' });
      await waitFor(() => peer.doc.getEvent(first.id)?.location === 'Temperate House', 'the edit after the refusal to reach the peer', 15_000);
    }, () => `the peer: ${peer.status}, synced ${peer.synced}, ${peer.unsyncedChanges} unsynced change(s)`);
  });
});
