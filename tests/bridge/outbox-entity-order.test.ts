import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/test-server.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectWebhooks, startReceiver } from './helpers.ts';

// An entity's pushes reach a system in the order they were made, whatever their priority: each
// carries the whole entity as it was, so an older one sent after a newer one would write the older
// content over it (outbox-store.ts firstOfItsEntity, defer).

const event = (i: number, title = `Event ${i}`) => ({ id: `e${i}`, title, start: `2026-06-13T${String(10 + (i % 10)).padStart(2, '0')}:00:00+01:00`, end: `2026-06-13T${String(10 + (i % 10)).padStart(2, '0')}:30:00+01:00` });

describe('outbox: the order of an entity\'s pushes', () => {
  it('an urgent wedding-day edit made while an older push of the event waits in a delivery chain is the one the subscriber ends with', async () => {
    const t = await startTestServer({ env: { PUSH_COALESCE_MS: '0', BREAKER_THRESHOLD: '100' } });
    const planner = await t.token('planner', ['w1']);
    const receiver = await startReceiver();
    await connectWebhooks(t, planner, 'w1', receiver);
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    // A slow subscriber and a burst of twenty events: one delivery chain, under way.
    receiver.answerAfter(40);
    client.doc.ydoc.transact(() => { for (let i = 0; i < 20; i++) client.doc.upsertEvent(event(i)); });
    await client.whenAcknowledged();
    await waitFor(() => receiver.received.some((r) => r.body.data.id === 'e0'), 'the chain under way');
    // Wedding day: the late event's new time is urgent, and outranks the chain's rest.
    client.doc.ydoc.transact(() => {
      client.doc.setMeta({ weddingDayMode: true });
      client.doc.upsertEvent(event(18, 'Event 18 (moved)'));
    });
    await client.whenAcknowledged();
    const settled = "SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'inflight')";
    await waitFor(async () => Number((await queryServerDatabase<{ n: number }>(t.server, { sqlite: settled, postgres: settled }))[0]!.n) === 0, 'every push settled', 20_000);
    const of18 = receiver.accepted().filter((r) => r.body.data.id === 'e18').map((r) => r.body.data.title);
    expect(of18.at(-1)).toBe('Event 18 (moved)');
    // Every other event reached the subscriber.
    const ids = new Set(receiver.accepted().map((r) => r.body.data.id));
    expect(Array.from({ length: 20 }, (_, i) => `e${i}`).filter((id) => !ids.has(id))).toEqual([]);
    // The older push of e18 was handed back and set aside for the newer one, not sent after it.
    const rows = "SELECT status, priority FROM outbox WHERE entity_id = 'e18' ORDER BY id";
    const of18Rows = (await queryServerDatabase<{ status: string; priority: number }>(t.server, { sqlite: rows, postgres: rows })).map((r) => [r.status, r.priority > 0]);
    expect(of18Rows.at(-1)).toEqual(['delivered', true]);
    expect(of18Rows.slice(0, -1).map(([status]) => status)).toEqual(of18Rows.slice(0, -1).map(() => 'cancelled'));
  });
});
