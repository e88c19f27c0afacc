import { describe, expect, it } from 'vitest';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { onPostgresBackend, queryServerDatabase } from '../helpers/test-backend.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectWebhooks } from './helpers.ts';

/**
 * On PostgreSQL the inbox slices committed in one group write together (postgres-inbox-worker.ts
 * flushSlices, a JoinedMerge): one statement per table for all of them. A slice whose writes fail
 * must still be refused alone: the weddings beside it commit, and its rows count a failed attempt
 * and apply once the fault is gone.
 */
describe.skipIf(!onPostgresBackend)('inbox slices written together on PostgreSQL', () => {
  it('a slice whose writes the database refuses fails alone: the other wedding\'s rows, applied at the same moment, commit; its own apply once the fault is gone', async () => {
    const t = await startTestServer({ env: { RETRY_SCHEDULE_MS: '200' } });
    const sql = (text: string, params: unknown[] = []) => queryServerDatabase<Record<string, unknown>>(t.server, { sqlite: '', postgres: text }, params);
    const conns = new Map<string, Awaited<ReturnType<typeof connectWebhooks>>>();
    for (const weddingId of ['w1', 'w2']) conns.set(weddingId, await connectWebhooks(t, await t.token('planner', [weddingId]), weddingId));
    // The audit trail refuses w2's entries: its slices' writes fail at that statement.
    await sql(`CREATE FUNCTION refuse_w2() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.wedding_id = 'w2' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$`);
    await sql('CREATE TRIGGER refuse_w2 BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION refuse_w2()');

    // Both weddings' deliveries interleaved and concurrent, so their slices share groups.
    const sends = [];
    for (let n = 0; n < 12; n++) {
      for (const weddingId of ['w1', 'w2']) {
        const conn = conns.get(weddingId)!;
        sends.push(sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, {
          id: `evt_${weddingId}_${n}`, type: 'timeline.upserted', data: { id: `slot-${n}`, title: `${weddingId} slot ${n}`, start: '2027-06-12T15:00:00Z', end: '2027-06-12T15:30:00Z' },
        }).then((res) => res.status));
      }
    }
    expect(new Set(await Promise.all(sends))).toEqual(new Set([200]));
    const rows = async (weddingId: string) => (await sql("SELECT status, attempts, last_error FROM inbox WHERE wedding_id = $1", [weddingId]))
      .map((r) => ({ status: r.status as string, attempts: Number(r.attempts), error: (r.last_error as string | null) ?? '' }));

    await waitFor(async () => (await rows('w1')).filter((r) => r.status === 'applied').length === 12, 'w1\'s 12 rows applied');
    await waitFor(async () => (await rows('w2')).some((r) => r.attempts >= 1), 'w2\'s rows tried');
    const refused = await rows('w2');
    expect(refused.filter((r) => r.status === 'applied')).toEqual([]);
    expect(refused.filter((r) => r.attempts >= 1).every((r) => r.status === 'pending' && r.error.startsWith('storage: ') && r.error.includes('refused for the test'))).toBe(true);
    expect((await sql("SELECT count(*)::int AS n FROM audit WHERE wedding_id = 'w1' AND action = 'inbound.applied'"))[0]!.n).toBe(12);

    await sql('DROP TRIGGER refuse_w2 ON audit');
    await waitFor(async () => (await rows('w2')).every((r) => r.status === 'applied'), 'w2\'s rows applied once the audit takes them', 30_000);
    expect((await sql("SELECT count(*)::int AS n FROM audit WHERE wedding_id = 'w2' AND action = 'inbound.applied'"))[0]!.n).toBe(12);
    // The wedding has each event once, with the title sent.
    const client = await t.connect('w2', await t.token('planner', ['w2']));
    await client.whenSynced();
    expect(client.doc.listEvents().map((e) => e.title).sort()).toEqual(Array.from({ length: 12 }, (_, n) => `w2 slot ${n}`).sort());
  });
});
