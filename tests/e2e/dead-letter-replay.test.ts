import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { ConnectionSummary, OutboxEntry } from '../../schema/index.ts';
import { sameInstant } from '../calendar/helpers.ts';
import { api, STORY_WEDDINGS } from '../connections/helpers.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { googleStudio, signIn } from './support/google-studio.ts';
import { closeAfterTest } from './support/planner-server.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const ANA = STORY_WEDDINGS[0];
const MOVED = { start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T16:00:00+01:00' };

describe('planner app: dead letters and connection health', () => {
  it('a change Google refused is listed with what it was and why; Replay delivers it; a revoked account says what fixes it', async () => {
    const { s, t, pat, alex, lens, refreshToken, connectionId } = await googleStudio(dist, ANA);
    const planner = await pat.accessToken(ANA.id);

    // ── Google refuses the move of the portraits for good (400): a dead letter. Each pull that
    // finds Google behind plans the move again, refused again: one letter, the newest, is listed ──
    const refusing = { count: 1000, status: 400, when: (m: string) => m === 'PATCH' || m === 'PUT' };
    s.google.failNext(refusing);
    const c = await t.connect(ANA.id, planner);
    await c.whenSynced();
    c.doc.upsertEvent({ ...c.doc.getEvent('portraits')!, ...MOVED });
    await c.whenAcknowledged();
    await c.destroy();
    const dead = async () => (await api<{ entries: OutboxEntry[] }>(t, `/api/integrations/wedding/${ANA.id}/outbox`, planner)).body.entries;
    await waitFor(async () => (await dead()).length === 1, 'the refused push dead-lettered', 20_000);
    // The first pull reads the portraits as Google has them: behind the wedding, so the move is
    // planned again (pushBack), refused again. Settled once that listing is applied and nothing waits.
    const count = async (sql: string) => Number((await queryServerDatabase<{ n: number }>(t.server, { sqlite: sql, postgres: sql }))[0]!.n);
    await waitFor(async () => await count("SELECT count(*) AS n FROM audit WHERE action = 'inbound.applied' AND entity_id = 'portraits'") > 0, 'the first pull applied', 20_000);
    await waitFor(async () => await count("SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'inflight')") === 0, 'no push on its way', 20_000);
    expect((await dead()).length).toBe(1);
    const [google] = s.google.events(s.googleCalendarId);
    expect(sameInstant(google!.start?.dateTime, ANA.start)).toBe(true);

    // ── the planner finds it in the wedding's Integrations, in the wedding's words ──
    const { context, page } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await signIn(t, context, pat.cookie);
    await page.goto(`${t.httpUrl}/w/${ANA.id}/integrations`);
    const letter = page.locator('.dead-letter-list > li');
    await letter.waitFor();
    // Named as every page names the connection: its label ("Studio calendar", shown with "(Google Calendar)" in its heading).
    expect(await letter.locator('.dead-letter-what').textContent()).toBe('Sending the event “Couple portraits” to Studio calendar');
    expect(await letter.textContent()).toContain('Why: Studio calendar refused this change (400).');
    expect(await seriousAxeViolations(page)).toEqual([]);
    const before = await screenshotsAtBothWidths(page, 'dead-letters');
    expect(before.phoneOverflowPx).toBe(0);

    // ── the cause fixed at Google, Replay, from the keyboard: delivered, and Google has the new time ──
    refusing.count = 0;
    await page.getByRole('button', { name: 'Replay sending the event “Couple portraits” to Studio calendar' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('.replay-delivered', { hasText: 'Delivered the event “Couple portraits” to Studio calendar' }).waitFor({ timeout: 20_000 });
    expect(sameInstant(s.google.events(s.googleCalendarId)[0]!.start?.dateTime, MOVED.start)).toBe(true);
    expect(await dead()).toEqual([]);
    expect(await letter.count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    const after = await screenshotsAtBothWidths(page, 'dead-letter-replayed');
    expect(after.phoneOverflowPx).toBe(0);

    // ── Alex revokes the access at Google: the business's Connections say so, and what fixes it ──
    expect(s.google.revokeRefreshToken(refreshToken)).toBe(true);
    const alexToken = await alex.accessToken(ANA.id);
    await waitFor(async () => (await api<ConnectionSummary>(t, `/api/connections/${connectionId}`, alexToken)).body.status === 'needs_attention', 'the connection marked needs_attention', 20_000);
    const tab = await openTab(browser, { bypassCSP: true });
    closeAfterTest(tab.context);
    await signIn(t, tab.context, alex.cookie);
    await tab.page.goto(`${t.httpUrl}/workspaces/${lens.id}/connections`);
    const health = tab.page.locator(`li.connection[data-connection-id="${connectionId}"] .connection-health`);
    await health.waitFor();
    expect(await health.locator('.tag').textContent()).toBe('Needs attention');
    expect(await health.textContent()).toContain('Studio calendar no longer accepts the saved sign-in.');
    expect(await health.textContent()).toMatch(/Last sync \d+ (second|minute)s? ago/);
    expect(await seriousAxeViolations(tab.page)).toEqual([]);
    const attention = await screenshotsAtBothWidths(tab.page, 'connection-needs-attention');
    expect(attention.phoneOverflowPx).toBe(0);
    // The fix is one button: consent at Google renews this connection (its wedding stays bound), and it works again.
    await health.getByRole('button', { name: 'Reconnect Google' }).click();
    await tab.page.getByRole('button', { name: 'Allow' }).waitFor();
    expect(new URL(tab.page.url()).origin).toBe(new URL(s.google.authorizationUrl).origin);
    await tab.page.getByRole('button', { name: 'Allow' }).click();
    await tab.page.waitForURL((url) => url.origin === t.httpUrl && url.pathname === `/workspaces/${lens.id}/connections`);
    await tab.page.locator('p.notice', { hasText: 'Reconnected: the account works again, and its weddings stay bound.' }).waitFor();
    await waitFor(async () => (await health.locator('.tag').textContent()) === 'Working', 'the same connection working again', 20_000);
    const renewed = await api<{ connections: ConnectionSummary[] }>(t, `/api/workspaces/${lens.id}/connections`, alexToken);
    expect(renewed.body.connections.map((x) => [x.connectionId, x.status, x.bindings.map((b) => b.weddingId)])).toEqual([[connectionId, 'active', [ANA.id]]]);
    // And it syncs again: a change in the app reaches the calendar.
    const again = await t.connect(ANA.id, planner);
    await again.whenSynced();
    again.doc.upsertEvent({ ...again.doc.getEvent('portraits')!, title: 'Couple portraits by the lake' });
    await again.whenAcknowledged();
    await again.destroy();
    await waitFor(() => s.google.events(s.googleCalendarId)[0]?.summary === 'Ana & Ben · Couple portraits by the lake', 'the renamed portraits in the calendar', 20_000);
    expect(errors).toEqual([]);
  });
});
