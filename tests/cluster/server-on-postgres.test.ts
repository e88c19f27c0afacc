import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { connectWedding } from '../../client/sdk/node.ts';
import { addEvent, eventIds, stored } from '../helpers/cluster-clients.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { useTwoInstances } from '../helpers/two-instances.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * The whole server (HTTP API, collaboration, bridge) as instances of one cluster on PostgreSQL
 * (DATABASE_URL): the story "a planner edits on one instance while an admin, routed by the load
 * balancer to another, snapshots, restores and exports the wedding".
 */
describe('the server on PostgreSQL, two instances', () => {
  const cluster = useTwoInstances();

  const connect = async (server: TestServer, token: string) => {
    const c = await connectWedding({ url: server.wsUrl, weddingId: 'w1', token, WebSocketPolyfill: WebSocket });
    registerTeardown(() => c.destroy());
    return c;
  };

  it('serves one wedding from its owner: edits through either instance meet, and admin requests through the other are done where it lives', async () => {
    const { a, b, db } = cluster();
    const planner = await a.token('planner', ['w1']);
    const admin = await a.token('admin', ['*']);
    const onA = await connect(a, planner);
    addEvent(onA, 'e1');
    await waitFor(async () => (await stored(db.admin, 'w1')).includes('e1'), 'e1 stored');
    // The second client lands on B, which relays it to A (the lease holder).
    const onB = await connect(b, planner);
    await waitFor(() => eventIds(onB).includes('e1'), 'e1 on the client of B');
    addEvent(onB, 'e2');
    await waitFor(() => eventIds(onA).includes('e2'), 'e2 on the client of A');

    // B is asked for a snapshot: it is taken where the document lives and stored in the shared database.
    const created = await b.fetch('/api/admin/weddings/w1/snapshots', { method: 'POST', token: admin, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ label: 'two events' }) });
    expect(created.status).toBe(201);
    const snapshot = await created.json() as { id: string };
    const listed = await a.fetch('/api/admin/weddings/w1/snapshots', { token: admin });
    expect((await listed.json() as { snapshots: { id: string; label: string }[] }).snapshots.map((s) => s.label)).toContain('two events');

    addEvent(onA, 'e3');
    await waitFor(async () => (await stored(db.admin, 'w1')).includes('e3'), 'e3 stored');
    // Restored through B: the clients on both instances see e3 go.
    const restored = await b.fetch(`/api/admin/weddings/w1/snapshots/${snapshot.id}/restore`, { method: 'POST', token: admin, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(restored.status).toBe(200);
    await waitFor(() => !eventIds(onA).includes('e3') && !eventIds(onB).includes('e3'), 'e3 gone on both clients');
    expect(eventIds(onA)).toEqual(['e1', 'e2']);
    expect(await stored(db.admin, 'w1')).toEqual(['e1', 'e2']);

    // Export through either instance holds what is stored.
    for (const server of [a, b]) {
      const exported = await server.fetch('/api/admin/weddings/w1/export', { token: admin });
      expect(exported.status).toBe(200);
      expect(Object.keys((await exported.json() as { content: { timeline: Record<string, unknown> } }).content.timeline).sort()).toEqual(['e1', 'e2']);
    }
  });

  it('a wedding id that is not valid percent-encoding is the route\'s typed 4xx, not a forwarding failure', async () => {
    const { a, b } = cluster();
    const admin = await a.token('admin', ['*']);
    const r = await b.fetch('/api/weddings/%E0/activity', { token: admin });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect((await r.json() as { error: { code: string } }).error.code).toMatch(/^[a-z_]+$/);
  });

  it('answers /readyz with the database checks on each instance', async () => {
    const { a, b } = cluster();
    for (const server of [a, b]) {
      const ready = await server.fetch('/readyz');
      const body = await ready.json() as { status: string; checks: Record<string, { ok: boolean }> };
      expect(ready.status).toBe(200);
      expect(Object.keys(body.checks).sort()).toEqual(['database', 'migrations', 'serving']);
    }
  });
});
