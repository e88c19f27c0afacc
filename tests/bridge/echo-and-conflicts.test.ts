import { describe, expect, it } from 'vitest';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import type { Conflict } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectWebhooks, startReceiver } from './helpers.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';

const ceremony = { id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00', location: 'Chapel' };
const FAST = { PUSH_COALESCE_MS: '0', RETRY_SCHEDULE_MS: '50' };

describe('no echo between systems', () => {
  it('a change from system A reaches B once; B echoing it back changes nothing and reaches no one', async () => {
    const t = await startTestServer({ env: FAST });
    const planner = await t.token('planner', ['w1']);
    const ra = await startReceiver();
    const rb = await startReceiver();
    const a = await connectWebhooks(t, planner, 'w1', ra);
    const b = await connectWebhooks(t, planner, 'w1', rb);
    const client = await t.connect('w1', planner);
    await client.whenSynced();

    await sendStandardWebhook(a.webhookUrl, a.webhookSecret, { id: 'a1', type: 'timeline.upserted', data: ceremony });
    await waitFor(() => rb.accepted().some((r) => r.body.data.id === 'ceremony'), 'B receives A\'s change');
    const toB = rb.accepted().find((r) => r.body.data.id === 'ceremony')!;
    // B's system echoes what it received, as systems do.
    await sendStandardWebhook(b.webhookUrl, b.webhookSecret, { id: 'b1', type: 'timeline.upserted', data: toB.body.data });
    // A second, real change from B afterwards proves the pipeline ran past the echo.
    await sendStandardWebhook(b.webhookUrl, b.webhookSecret, { id: 'b2', type: 'vendor.upserted', data: { id: 'dj', name: 'DJ Sam', category: 'dj' } });
    await waitFor(() => ra.accepted().some((r) => r.body.type === 'vendor.upserted'), 'A receives B\'s real change');
    await waitFor(async () => (await queryServerDatabase(t.server, { sqlite: "SELECT count(*) AS n FROM inbox WHERE status = 'pending'", postgres: "SELECT count(*)::int AS n FROM inbox WHERE status = 'pending'" }))[0]!.n === 0, 'inbox drained');

    expect(ra.accepted().filter((r) => r.body.type.startsWith('timeline'))).toHaveLength(0);
    expect(rb.accepted().filter((r) => r.body.type.startsWith('timeline'))).toHaveLength(1);
    expect(rb.accepted().filter((r) => r.body.type === 'vendor.upserted')).toHaveLength(0);
    const echo = (await queryServerDatabase<{ result: string }>(t.server, { sqlite: "SELECT result FROM audit WHERE action = 'inbound.applied' AND detail LIKE '%\"eventId\":\"b1\"%'", postgres: "SELECT result FROM audit WHERE action = 'inbound.applied' AND detail LIKE '%\"eventId\":\"b1\"%'" }))[0]?.result;
    expect(echo).toBe('skipped');
    expect(client.doc.getEvent('ceremony')!.location).toBe('Chapel');
  });

  it('two systems syncing to each other through the wedding settle instead of ping-ponging', async () => {
    const t = await startTestServer({ env: FAST });
    const planner = await t.token('planner', ['w1']);
    const ra = await startReceiver();
    const rb = await startReceiver();
    const a = await connectWebhooks(t, planner, 'w1', ra);
    const b = await connectWebhooks(t, planner, 'w1', rb);
    // Each subscriber echoes every delivery straight back to its own integration, forever.
    let echoes = 0;
    const echoBack = (receiver: typeof ra, conn: typeof a) => setInterval(() => {
      for (const r of receiver.accepted().slice((receiver as unknown as { echoed?: number }).echoed ?? 0)) {
        (receiver as unknown as { echoed: number }).echoed = ((receiver as unknown as { echoed?: number }).echoed ?? 0) + 1;
        if (r.body.type === 'wedsync.ping') continue;
        echoes++;
        void sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: `echo-${r.id}`, type: r.body.type, data: r.body.data });
      }
    }, 20);
    const timers = [echoBack(ra, a), echoBack(rb, b)];
    try {
      const client = await t.connect('w1', planner);
      await client.whenSynced();
      client.doc.upsertEvent(ceremony);
      client.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony (moved)', start: '2026-06-13T14:30:00+01:00', end: '2026-06-13T15:15:00+01:00' });
      await waitFor(() => rb.accepted().some((r) => r.body.data.title === 'Ceremony (moved)') && ra.accepted().some((r) => r.body.data.title === 'Ceremony (moved)'), 'both systems updated');
      await waitFor(async () => {
        const before = ra.received.length + rb.received.length;
        await new Promise((r) => setTimeout(r, 300));
        return ra.received.length + rb.received.length === before;
      }, 'traffic to stop', 10_000);
      expect(ra.accepted().filter((r) => r.body.type === 'timeline.upserted').length).toBeLessThanOrEqual(2);
      expect(rb.accepted().filter((r) => r.body.type === 'timeline.upserted').length).toBeLessThanOrEqual(2);
      expect(echoes).toBeGreaterThan(0);
    } finally {
      for (const timer of timers) clearInterval(timer);
    }
  });
});

describe('conflicts', () => {
  async function setup(strategies: Record<string, string> = {}) {
    const t = await startTestServer({ env: FAST });
    const planner = await t.token('planner', ['w1'], { sub: 'pam' });
    const rx = await startReceiver();
    const conn = await connectWebhooks(t, planner, 'w1', rx, strategies && Object.keys(strategies).length ? { conflictStrategies: strategies } : {});
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    // First contact: the external system and the wedding agree on the ceremony.
    await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'sync0', type: 'timeline.upserted', data: ceremony });
    await waitFor(() => client.doc.getEvent('ceremony'), 'initial sync');
    // Both sides now change the location before hearing of the other's change: the planner's edit
    // cannot reach the external system yet (it is down), and the system sends its own.
    rx.failNext(1_000_000, 503);
    client.doc.upsertEvent({ id: 'ceremony', location: 'Orangery' });
    await client.whenAcknowledged();
    await waitFor(() => rx.received.some((r) => r.body.data?.location === 'Orangery'), 'the push to be attempted');
    const send = (id: string, location: string) => sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id, type: 'timeline.upserted', data: { ...ceremony, location } });
    return { t, planner, conn, client, rx, send };
  }

  it('crdt (default): records the conflict with both values; the later write wins', async () => {
    const { t, client, send, rx } = await setup();
    await send('c1', 'Rose Garden');
    await waitFor(() => client.doc.listConflicts().length === 1, 'conflict recorded');
    const [c] = client.doc.listConflicts();
    expect(c).toMatchObject({ entity: 'timeline', entityId: 'ceremony', field: 'location', localValue: 'Orangery', remoteValue: 'Rose Garden', strategy: 'crdt', status: 'resolved', winner: 'remote', source: 'webhooks' });
    expect(client.doc.getEvent('ceremony')!.location).toBe('Rose Garden');
    // The system won; the stale push of the planner's value is cancelled, not delivered later.
    rx.failNext(0);
    await waitFor(async () => (await queryServerDatabase(t.server, { sqlite: "SELECT count(*) AS n FROM outbox WHERE entity_id = 'ceremony' AND status IN ('pending', 'inflight')", postgres: "SELECT count(*)::int AS n FROM outbox WHERE entity_id = 'ceremony' AND status IN ('pending', 'inflight')" }))[0]!.n === 0, 'no pending push');
    expect(rx.accepted().filter((r) => r.body.data.location === 'Orangery')).toHaveLength(0);
  });

  it('prefer-planner: keeps the planner\'s value and pushes it back to the source', async () => {
    const { client, send, rx } = await setup({ 'timeline.location': 'prefer-planner' });
    await send('c1', 'Rose Garden');
    await waitFor(() => client.doc.listConflicts().length === 1, 'conflict recorded');
    expect(client.doc.listConflicts()[0]).toMatchObject({ winner: 'local', strategy: 'prefer-planner', status: 'resolved' });
    expect(client.doc.getEvent('ceremony')!.location).toBe('Orangery');
    rx.failNext(0);
    await waitFor(() => rx.accepted().filter((r) => r.body.data.location === 'Orangery').length >= 1, 'local value pushed to the source');
  });

  it('prefer-source: takes the external value', async () => {
    const { client, send } = await setup({ timeline: 'prefer-source' });
    await send('c1', 'Rose Garden');
    await waitFor(() => client.doc.getEvent('ceremony')!.location === 'Rose Garden', 'source value applied');
    expect(client.doc.listConflicts()[0]).toMatchObject({ winner: 'remote', strategy: 'prefer-source' });
  });

  it('manual: holds the conflict for a person, who resolves it through the API', async () => {
    const { t, planner, client, send, rx } = await setup({ '*': 'manual' });
    await send('c1', 'Rose Garden');
    await waitFor(() => client.doc.listConflicts().some((c) => c.status === 'pending'), 'pending conflict');
    expect(client.doc.getEvent('ceremony')!.location).toBe('Orangery');
    const pending = client.doc.listConflicts().find((c) => c.status === 'pending')!;

    const status = await (await t.fetch('/api/integrations/status/w1', { token: planner })).json() as { conflicts: Conflict[] };
    expect(status.conflicts.map((c) => c.id)).toEqual([pending.id]);
    const listed = await (await t.fetch('/api/integrations/wedding/w1/conflicts', { token: planner })).json() as { conflicts: Conflict[] };
    expect(listed.conflicts[0]!.id).toBe(pending.id);

    const couple = await t.token('couple', ['w1']);
    const refused = await t.fetch(`/api/integrations/wedding/w1/conflicts/${pending.id}/resolve`, { method: 'POST', token: couple, body: JSON.stringify({ winner: 'remote' }) });
    expect(refused.status).toBe(403);
    const bad = await t.fetch(`/api/integrations/wedding/w1/conflicts/${pending.id}/resolve`, { method: 'POST', token: planner, body: JSON.stringify({ winner: 'both' }) });
    expect(bad.status).toBe(400);

    rx.failNext(0);
    const res = await t.fetch(`/api/integrations/wedding/w1/conflicts/${pending.id}/resolve`, { method: 'POST', token: planner, body: JSON.stringify({ winner: 'remote' }) });
    expect(res.status).toBe(200);
    expect((await res.json() as { conflict: Conflict }).conflict).toMatchObject({ status: 'resolved', winner: 'remote', resolvedBy: 'user:pam' });
    await waitFor(() => client.doc.getEvent('ceremony')!.location === 'Rose Garden', 'remote value applied');
    // The source already has that value: nothing is pushed back to it.
    expect(rx.accepted().filter((r) => r.body.data.location === 'Rose Garden')).toHaveLength(0);

    const twice = await t.fetch(`/api/integrations/wedding/w1/conflicts/${pending.id}/resolve`, { method: 'POST', token: planner, body: JSON.stringify({ winner: 'local' }) });
    expect(twice.status).toBe(409);
    const unknown = await t.fetch('/api/integrations/wedding/w1/conflicts/cf_nope/resolve', { method: 'POST', token: planner, body: JSON.stringify({ winner: 'local' }) });
    expect(unknown.status).toBe(404);
    const audit = await (await t.fetch('/api/integrations/wedding/w1/audit', { token: planner })).json() as { entries: { action: string; actor: string }[] };
    expect(audit.entries.find((e) => e.action === 'conflict.resolved')).toMatchObject({ actor: 'user:pam' });
  });

  it('manual, resolved for the local value: pushes it to the source', async () => {
    const { t, planner, client, send, rx } = await setup({ '*': 'manual' });
    await send('c1', 'Rose Garden');
    const pending = await waitFor(() => client.doc.listConflicts().find((c) => c.status === 'pending'), 'pending conflict');
    rx.failNext(0);
    const res = await t.fetch(`/api/integrations/wedding/w1/conflicts/${pending.id}/resolve`, { method: 'POST', token: planner, body: JSON.stringify({ winner: 'local' }) });
    expect(res.status).toBe(200);
    await waitFor(() => rx.accepted().some((r) => r.body.data.location === 'Orangery'), 'local value pushed');
    expect(client.doc.getEvent('ceremony')!.location).toBe('Orangery');
  });
});
