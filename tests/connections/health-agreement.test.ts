import { describe, expect, it } from 'vitest';
import type { ConnectionSummary, OutboxEntry } from '../../schema/index.ts';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { connectWebhooks, startReceiver } from '../bridge/helpers.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import type { Browser } from '../helpers/people.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, STORY_WEDDINGS, studio } from './helpers.ts';

// Found by a vendor trying the guides (2026-12-05): after a receiver refused four deliveries and
// then took every one, the connection's card said healthy, the wedding's status said failing
// (the share of failures among the last 100 pushes, for as long as a hundred more took to dilute
// it) and the workspace's wedding list said "not syncing: needs attention". They now agree: a
// binding whose newest push attempt failed is "degraded" until one goes through, and "failing" is
// a system not being delivered to at all (inactive, its breaker open, or refusing for good each of
// the last three changes sent to it).

/** What the wedding status, the connection's card and the workspace's wedding list say of the one binding of w-ana. */
function healthViews(t: TestServer, pat: Browser, workspaceId: string, connectionId: string) {
  return async () => {
    const token = await pat.accessToken('w-ana');
    const status = (await api<{ integrationStatus: { health: string; errorRate: number; breaker: string; outbox: { pending: number; dead: number } }[] }>(t, '/api/integrations/status/w-ana', token)).body.integrationStatus[0]!;
    const card = (await api<{ connections: ConnectionSummary[] }>(t, `/api/workspaces/${workspaceId}/connections`, token)).body.connections.find((c) => c.connectionId === connectionId)!;
    // The workspace home is read with the browser's session.
    const home = await (await pat.fetch(`/api/workspaces/${workspaceId}/weddings`)).json() as { weddings: { weddingId: string; integrationHealth?: { state: string; words: string } }[] };
    const list = home.weddings.find((w) => w.weddingId === 'w-ana')!;
    return { status, card: card.health, list: list.integrationHealth! };
  };
}

describe('integration health, as the wedding status, the connection card and the workspace list show it', () => {
  it('a receiver refusing deliveries: degraded everywhere while it refuses, never failing with the breaker closed; healthy everywhere once they go through', async () => {
    const t = await startTestServer({
      env: { RETRY_SCHEDULE_MS: '50,100,200', OUTBOX_MAX_ATTEMPTS: '50', BREAKER_THRESHOLD: '100', PUSH_COALESCE_MS: '0', CASCADE_DELAY_MS: '0' },
    });
    const { pat } = await studio(t, STORY_WEDDINGS.slice(0, 1));
    const workspaceId = (await t.server.people.weddingWorkspace('w-ana'))!;
    const receiver = await startReceiver();
    const conn = await connectWebhooks(t, await pat.accessToken('w-ana'), 'w-ana', receiver);
    const views = healthViews(t, pat, workspaceId, conn.connectionId);

    receiver.failNext(1_000_000, 500);
    const planner = await t.connect('w-ana', await pat.accessToken('w-ana'));
    await planner.whenSynced();
    planner.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00' });
    await waitFor(() => receiver.received.filter((r) => r.body.data?.id === 'ceremony').length >= 3, 'three refused attempts');
    const refusing = await views();
    expect([refusing.status.health, refusing.card.state, refusing.list.state]).toEqual(['degraded', 'degraded', 'degraded']);
    // Every attempt failed: a share the old rule called "failing", with the breaker still closed.
    expect(refusing.status.errorRate).toBeGreaterThanOrEqual(0.5);
    expect(refusing.status.breaker).toBe('closed');
    expect(refusing.card.attention).toMatch(/refused or missed the latest deliveries; they are retried \(\d+ waiting\)\.$/);
    expect(refusing.list.words).toMatch(/syncing with problems$/);

    // It takes them again: once every push went through, healthy in all three, the rate still reported.
    receiver.failNext(0);
    await waitFor(async () => (await views()).status.outbox.pending === 0, 'every push delivered', 20_000);
    const working = await views();
    expect([working.status.health, working.card.state, working.list.state]).toEqual(['healthy', 'healthy', 'healthy']);
    expect(working.card.attention).toBeNull();
    expect(working.status.errorRate).toBeGreaterThan(0);

    // A record the wedding cannot take (a new event without start and end) is parked after its 200:
    // the card quotes why, not an older error of the connection.
    const sent = await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'msg_no_times', type: 'timeline.upserted', data: { id: 'first-look', title: 'First look' } });
    expect(sent.status).toBe(200);
    await waitFor(async () => (await views()).card.inbox.parked === 1, 'the record parked', 30_000);
    const parked = await views();
    expect([parked.status.health, parked.card.state]).toEqual(['degraded', 'degraded']);
    expect(parked.card.attention).toMatch(/^1 incoming change could not be applied: the newest was refused with ".*start.*"; fix it/);
  });

  it('a receiver refusing every change for good (422): degraded after one, failing after three in a row with the breaker closed; healthy once they are replayed', async () => {
    const t = await startTestServer({ env: { PUSH_COALESCE_MS: '0', CASCADE_DELAY_MS: '0' } });
    const { pat } = await studio(t, STORY_WEDDINGS.slice(0, 1));
    const workspaceId = (await t.server.people.weddingWorkspace('w-ana'))!;
    const receiver = await startReceiver();
    const conn = await connectWebhooks(t, await pat.accessToken('w-ana'), 'w-ana', receiver);
    const views = healthViews(t, pat, workspaceId, conn.connectionId);
    // The wedding as it was (its portraits, vendor and details) is delivered first.
    await waitFor(async () => receiver.received.some((r) => r.answeredWith < 300 && r.body.data?.id === 'portraits') && (await views()).status.outbox.pending === 0, 'the wedding as it was, delivered');
    expect((await views()).status.health).toBe('healthy');
    receiver.failNext(1_000_000, 422);
    const planner = await t.connect('w-ana', await pat.accessToken('w-ana'));
    await planner.whenSynced();
    const add = (id: string, hour: number) => planner.doc.upsertEvent({ id, title: id, start: `2027-06-12T${hour}:00:00+01:00`, end: `2027-06-12T${hour}:30:00+01:00` });

    // One change refused: a dead letter to replay, the system not yet shown as refusing everything.
    add('ceremony', 14);
    await waitFor(async () => (await views()).status.outbox.dead === 1, 'the first change dead-lettered');
    const one = await views();
    expect([one.status.health, one.card.state, one.list.state]).toEqual(['degraded', 'degraded', 'degraded']);
    expect(one.card.attention).toMatch(/^1 change could not be delivered/);

    // Three in a row, each refused at the first answer: nothing reaches it, though 4xx never opens the breaker.
    add('first-dance', 19);
    add('toasts', 20);
    await waitFor(async () => (await views()).status.outbox.dead === 3, 'three changes dead-lettered');
    const refusing = await views();
    expect([refusing.status.health, refusing.card.state, refusing.list.state]).toEqual(['failing', 'failing', 'failing']);
    expect(refusing.status.breaker).toBe('closed');
    expect(refusing.card.attention).toMatch(/refused the last 3 changes sent to it \(last error: .*422.*\), so nothing is reaching it\. .*replay them from the dead letters\.$/);
    expect(refusing.list.words).toMatch(/not syncing: needs attention$/);

    // It takes them again and the planner replays them: healthy everywhere.
    receiver.failNext(0);
    const token = await pat.accessToken('w-ana');
    const dead = (await api<{ entries: OutboxEntry[] }>(t, '/api/integrations/wedding/w-ana/outbox', token)).body.entries.filter((e) => e.status === 'dead');
    expect(dead).toHaveLength(3);
    for (const letter of dead) expect((await api(t, `/api/integrations/outbox/${letter.id}/replay`, token, { method: 'POST' })).status).toBe(200);
    await waitFor(async () => { const v = await views(); return v.status.outbox.dead === 0 && v.status.outbox.pending === 0; }, 'every replayed change delivered', 20_000);
    const working = await views();
    expect([working.status.health, working.card.state, working.list.state]).toEqual(['healthy', 'healthy', 'healthy']);
    expect(['ceremony', 'first-dance', 'toasts'].every((id) => receiver.received.some((r) => r.answeredWith < 300 && r.body.data?.id === id))).toBe(true);
    await planner.destroy();
  });
});
