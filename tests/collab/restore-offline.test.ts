import { describe, expect, it } from 'vitest';
import type { WeddingConnection } from '../../client/sdk/node.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const event = { id: 'x', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00', location: 'Chapel' };

async function snapshot(t: TestServer, admin: string, weddingId: string): Promise<string> {
  const res = await t.fetch(`/api/admin/weddings/${weddingId}/snapshots`, { method: 'POST', token: admin, body: JSON.stringify({ label: 'S' }) });
  expect(res.status).toBe(201);
  return (await res.json() as { id: string }).id;
}

async function restore(t: TestServer, admin: string, weddingId: string, id: string, body: unknown = {}): Promise<void> {
  const res = await t.fetch(`/api/admin/weddings/${weddingId}/snapshots/${id}/restore`, { method: 'POST', token: admin, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

/** Waits until both peers hold the same content and the merge's conflicts (if any are expected) are in. */
async function settle(a: WeddingConnection, b: WeddingConnection, conflicts: number): Promise<void> {
  await b.whenAcknowledged();
  await waitFor(() => a.doc.listConflicts().length >= conflicts && JSON.stringify(a.doc.toJSON()) === JSON.stringify(b.doc.toJSON()), 'peers to converge after the merge');
}

describe('snapshot restore and concurrent offline edits', () => {
  it('keeps the offline edit over the restore every time, and records the restored value it displaced (8 trials)', async () => {
    const t = await startTestServer();
    const admin = await t.token('admin', ['*']);
    for (let trial = 0; trial < 8; trial++) {
      const w = `w${trial}`;
      const token = await t.token('planner', [w]);
      const a = await t.connect(w, token);
      const b = await t.connect(w, token);
      await Promise.all([a.whenSynced(), b.whenSynced()]);
      a.doc.upsertEvent(event);
      await a.whenAcknowledged();
      await waitFor(() => b.doc.getEvent('x'), 'B to have the event');
      const s = await snapshot(t, admin, w);

      b.disconnect();
      b.doc.upsertEvent({ id: 'x', location: 'Barn' });
      a.doc.upsertEvent({ id: 'x', location: 'Garden' });
      await a.whenAcknowledged();
      await restore(t, admin, w, s);
      await waitFor(() => a.doc.getEvent('x')?.location === 'Chapel', 'A to show the restored location');

      b.connect();
      await settle(a, b, 1);
      expect(a.doc.getEvent('x')!.location, `trial ${trial}`).toBe('Barn');
      expect(b.doc.getEvent('x')!.location).toBe('Barn');
      const [conflict] = a.doc.listConflicts();
      expect(conflict).toMatchObject({
        entity: 'timeline', entityId: 'x', field: 'location', localValue: 'Barn', remoteValue: 'Chapel', status: 'pending', winner: null,
      });
      expect(conflict!.source).toMatch(/^restore:rst_/);

      // A person reverses it through the conflicts API: the restored value comes back.
      const resolved = await t.fetch(`/api/integrations/wedding/${w}/conflicts/${conflict!.id}/resolve`, { method: 'POST', token: admin, body: JSON.stringify({ winner: 'remote' }) });
      expect(resolved.status).toBe(200);
      await waitFor(() => a.doc.getEvent('x')?.location === 'Chapel' && b.doc.getEvent('x')?.location === 'Chapel', 'the restored value to be back');
      a.destroy();
      b.destroy();
    }
  });
});
