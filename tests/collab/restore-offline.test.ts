import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { WeddingConnection } from '../../client/sdk/node.ts';
import { createFileStore } from '../../client/sdk/node.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/test-server.ts';
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
  await waitFor(() => a.doc.listConflicts().length >= conflicts && isDeepStrictEqual(a.doc.toJSON(), b.doc.toJSON()), 'peers to converge after the merge');
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
      await waitFor(() => b.status === 'disconnected', 'B to be offline');
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
      await a.destroy();
      await b.destroy();
    }
  });

  /**
   * One scenario per kind: `setup` runs online before the snapshot, `afterSnapshot` online after it
   * (B sees it), `offline` on B while it is offline, `online` on A while B is offline; then the
   * default restore, B reconnects, and `check` runs on A once both have converged.
   */
  interface Scenario {
    name: string;
    setup(a: WeddingConnection): void;
    afterSnapshot?(a: WeddingConnection): void;
    offline(b: WeddingConnection): void;
    online?(a: WeddingConnection): void;
    conflicts: number;
    check(a: WeddingConnection): void;
    sections?: string[];
  }
  const vendor = { id: 'florist', name: 'Fleur', category: 'florist' as const };
  const scenarios: Scenario[] = [
    {
      name: 'notes (Y.Text) rewritten offline end as the offline client left them, even where the restore inserted at the same place',
      setup: (a) => a.doc.upsertEvent({ ...event, notes: 'Original: bring rings' }),
      afterSnapshot: (a) => a.doc.upsertEvent({ id: 'x', notes: 'Bring rings' }),
      offline: (b) => b.doc.upsertEvent({ id: 'x', notes: 'Barn: Bring rings' }),
      conflicts: 1,
      check: (a) => {
        expect(a.doc.getEvent('x')!.notes).toBe('Barn: Bring rings');
        expect(a.doc.listConflicts()[0]).toMatchObject({ entityId: 'x', field: 'notes', localValue: 'Barn: Bring rings', remoteValue: 'Original: bring rings' });
      },
    },
    {
      name: 'notes edited offline keep edits made online before the restore, merged as text',
      setup: (a) => a.doc.upsertEvent({ ...event, notes: 'Original: bring rings' }),
      afterSnapshot: (a) => a.doc.upsertEvent({ id: 'x', notes: 'Bring rings' }),
      offline: (b) => b.doc.upsertEvent({ id: 'x', notes: 'Barn: Bring rings' }),
      online: (a) => a.doc.upsertEvent({ id: 'x', notes: 'Bring rings and vows' }),
      conflicts: 1,
      check: (a) => {
        expect(a.doc.getEvent('x')!.notes).toBe('Barn: Bring rings and vows');
        expect(a.doc.listConflicts()[0]).toMatchObject({ field: 'notes', localValue: 'Barn: Bring rings and vows', remoteValue: 'Original: bring rings' });
      },
    },
    {
      name: 'an event the restore removes but the offline client edited stays, with its edit, as a conflict on the whole event',
      setup: (a) => a.doc.upsertEvent(event),
      afterSnapshot: (a) => a.doc.upsertEvent({ ...event, id: 'y', title: 'Toast', location: 'Hall' }),
      offline: (b) => b.doc.upsertEvent({ id: 'y', location: 'Barn' }),
      conflicts: 1,
      check: (a) => {
        expect(a.doc.getEvent('y')).toMatchObject({ title: 'Toast', location: 'Barn' });
        expect(a.doc.listConflicts()[0]).toMatchObject({ entityId: 'y', field: '*', remoteValue: null, localValue: { id: 'y', location: 'Barn' } });
      },
    },
    {
      name: 'an event deleted here and re-added by the restore takes the offline client\'s edit',
      setup: (a) => a.doc.upsertEvent(event),
      offline: (b) => b.doc.upsertEvent({ id: 'x', location: 'Barn' }),
      online: (a) => a.doc.deleteEvent('x'),
      conflicts: 1,
      check: (a) => {
        expect(a.doc.getEvent('x')).toMatchObject({ title: 'Ceremony', location: 'Barn' });
        expect(a.doc.listConflicts()[0]).toMatchObject({ entityId: 'x', field: 'location', localValue: 'Barn', remoteValue: 'Chapel' });
      },
    },
    {
      name: 'an event deleted offline stays deleted when the restore changed it, and the restored event is kept in the conflict',
      setup: (a) => a.doc.upsertEvent(event),
      offline: (b) => b.doc.deleteEvent('x'),
      online: (a) => a.doc.upsertEvent({ id: 'x', location: 'Garden' }),
      conflicts: 1,
      check: (a) => {
        expect(a.doc.getEvent('x')).toBeUndefined();
        expect(a.doc.listConflicts()[0]).toMatchObject({ entityId: 'x', field: '*', localValue: null, remoteValue: { id: 'x', location: 'Chapel' } });
      },
    },
    {
      name: 'wedding details (meta) set offline win over the restore',
      setup: (a) => a.doc.setMeta({ title: 'Ana & Ben' }),
      offline: (b) => b.doc.setMeta({ title: 'Ana & Ben, at the Barn' }),
      online: (a) => a.doc.setMeta({ title: 'Ana & Ben, in the Garden' }),
      conflicts: 1,
      check: (a) => {
        expect(a.doc.getMeta().title).toBe('Ana & Ben, at the Barn');
        expect(a.doc.listConflicts()[0]).toMatchObject({ entity: 'meta', entityId: 'meta', field: 'title', localValue: 'Ana & Ben, at the Barn', remoteValue: 'Ana & Ben' });
      },
    },
    {
      name: 'vendor fields set offline win over the restore, fields the restore did not touch merge as usual',
      setup: (a) => a.doc.upsertVendor({ ...vendor, email: 'fleur@example.com' }),
      offline: (b) => b.doc.upsertVendor({ id: 'florist', email: 'barn@example.com', phone: '+441234567890' }),
      online: (a) => a.doc.upsertVendor({ id: 'florist', email: 'garden@example.com' }),
      conflicts: 1,
      check: (a) => {
        expect(a.doc.getVendor('florist')).toMatchObject({ email: 'barn@example.com', phone: '+441234567890' });
        expect(a.doc.listConflicts()).toHaveLength(1);
        expect(a.doc.listConflicts()[0]).toMatchObject({ entity: 'vendors', field: 'email', localValue: 'barn@example.com', remoteValue: 'fleur@example.com' });
      },
    },
    {
      name: 'sections the restore leaves alone keep every offline edit with no conflict',
      setup: (a) => { a.doc.upsertEvent(event); a.doc.upsertVendor(vendor); },
      offline: (b) => b.doc.upsertVendor({ id: 'florist', name: 'Fleur & Co' }),
      online: (a) => { a.doc.upsertVendor({ id: 'florist', email: 'garden@example.com' }); a.doc.upsertEvent({ id: 'x', location: 'Garden' }); },
      sections: ['timeline'],
      conflicts: 0,
      check: (a) => {
        expect(a.doc.getVendor('florist')).toMatchObject({ name: 'Fleur & Co', email: 'garden@example.com' });
        expect(a.doc.getEvent('x')!.location).toBe('Chapel');
        expect(a.doc.listConflicts()).toEqual([]);
      },
    },
  ];

  for (const sc of scenarios) {
    it(`${sc.name} (4 trials)`, async () => {
      const t = await startTestServer();
      const admin = await t.token('admin', ['*']);
      for (let trial = 0; trial < 4; trial++) {
        const w = `w${trial}`;
        const token = await t.token('planner', [w]);
        const a = await t.connect(w, token);
        const b = await t.connect(w, token);
        await Promise.all([a.whenSynced(), b.whenSynced()]);
        sc.setup(a);
        await a.whenAcknowledged();
        const s = await snapshot(t, admin, w);
        sc.afterSnapshot?.(a);
        await a.whenAcknowledged();
        await waitFor(() => isDeepStrictEqual(b.doc.toJSON(), a.doc.toJSON()), 'B to catch up');
        b.disconnect();
        await waitFor(() => b.status === 'disconnected', 'B to be offline');
        sc.offline(b);
        sc.online?.(a);
        await a.whenAcknowledged();
        await restore(t, admin, w, s, sc.sections ? { sections: sc.sections } : {});
        b.connect();
        await settle(a, b, sc.conflicts);
        sc.check(a);
        expect(JSON.stringify(b.doc.toJSON())).toBe(JSON.stringify(a.doc.toJSON()));
        await a.destroy();
        await b.destroy();
      }
    });
  }

  it('keeps the offline edit over several restores it missed, including one that undid the other', async () => {
    const t = await startTestServer();
    const admin = await t.token('admin', ['*']);
    const token = await t.token('planner', ['w1']);
    const a = await t.connect('w1', token);
    const b = await t.connect('w1', token);
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    a.doc.upsertEvent(event);
    await a.whenAcknowledged();
    await waitFor(() => b.doc.getEvent('x'), 'B to have the event');
    const s = await snapshot(t, admin, 'w1');
    b.disconnect();
    await waitFor(() => b.status === 'disconnected', 'B to be offline');
    b.doc.upsertEvent({ id: 'x', location: 'Barn' });
    a.doc.upsertEvent({ id: 'x', location: 'Garden' });
    await a.whenAcknowledged();
    const first = await t.fetch(`/api/admin/weddings/w1/snapshots/${s}/restore`, { method: 'POST', token: admin, body: '{}' });
    const { backup } = await first.json() as { backup: { id: string } };
    await restore(t, admin, 'w1', backup.id);
    await waitFor(() => a.doc.getEvent('x')?.location === 'Garden', 'the undo at A');
    b.connect();
    await settle(a, b, 1);
    expect(a.doc.getEvent('x')!.location).toBe('Barn');
    expect(a.doc.listConflicts()).toHaveLength(1);
    expect(a.doc.listConflicts()[0]).toMatchObject({ field: 'location', localValue: 'Barn', remoteValue: 'Garden' });
  });

  it('reverses whole-entity conflicts through the conflicts API: a kept entity is removed, a deleted one comes back', async () => {
    const t = await startTestServer();
    const admin = await t.token('admin', ['*']);
    const token = await t.token('planner', ['w1']);
    const a = await t.connect('w1', token);
    const b = await t.connect('w1', token);
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    a.doc.upsertEvent(event);
    a.doc.upsertVendor({ id: 'florist', name: 'Fleur', category: 'florist' });
    await a.whenAcknowledged();
    const s = await snapshot(t, admin, 'w1');
    a.doc.upsertEvent({ ...event, id: 'y', title: 'Toast' });
    a.doc.upsertVendor({ id: 'florist', name: 'Fleur & Co' });
    await a.whenAcknowledged();
    await waitFor(() => b.doc.getEvent('y') && b.doc.getVendor('florist')?.name === 'Fleur & Co', 'B to catch up');
    b.disconnect();
    await waitFor(() => b.status === 'disconnected', 'B to be offline');
    b.doc.upsertEvent({ id: 'y', location: 'Barn' });
    b.doc.deleteVendor('florist');
    await restore(t, admin, 'w1', s);
    b.connect();
    await settle(a, b, 2);
    expect(a.doc.getEvent('y')?.location).toBe('Barn');
    expect(a.doc.getVendor('florist')).toBeUndefined();
    const kept = a.doc.listConflicts().find((c) => c.entity === 'timeline')!;
    const deleted = a.doc.listConflicts().find((c) => c.entity === 'vendors')!;
    expect(deleted).toMatchObject({ field: '*', localValue: null, remoteValue: { id: 'florist', name: 'Fleur' } });

    for (const c of [kept, deleted]) {
      const res = await t.fetch(`/api/integrations/wedding/w1/conflicts/${c.id}/resolve`, { method: 'POST', token: admin, body: JSON.stringify({ winner: 'remote' }) });
      expect(res.status).toBe(200);
    }
    await waitFor(() => !b.doc.getEvent('y') && b.doc.getVendor('florist')?.name === 'Fleur', 'both reversals at B');
    expect(a.doc.listConflicts().map((c) => c.status)).toEqual(['resolved', 'resolved']);
  });

  it('merges the same way when the server restarted between the restore and the reconnection', async () => {
    const first = await startTestServer();
    const admin = await first.token('admin', ['*']);
    const token = await first.token('planner', ['w1']);
    const store = createFileStore(tempDir('wedsync-restore-store-'));
    const a = await first.connect('w1', token);
    const b = await first.connect('w1', token, { store });
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    a.doc.upsertEvent(event);
    await a.whenAcknowledged();
    await waitFor(() => b.doc.getEvent('x'), 'B to have the event');
    const s = await snapshot(first, admin, 'w1');
    b.disconnect();
    await waitFor(() => b.status === 'disconnected', 'B to be offline');
    b.doc.upsertEvent({ id: 'x', location: 'Barn' });
    await b.destroy();
    a.doc.upsertEvent({ id: 'x', location: 'Garden' });
    await a.whenAcknowledged();
    await restore(first, admin, 'w1', s);
    await a.destroy();
    await first.close();

    const second = await startTestServer({ dataDir: first.dataDir });
    const token2 = await second.token('planner', ['w1']);
    const b2 = await second.connect('w1', token2, { store });
    const a2 = await second.connect('w1', token2);
    await b2.whenAcknowledged();
    await settle(a2, b2, 1);
    expect(a2.doc.getEvent('x')!.location).toBe('Barn');
    expect(a2.doc.listConflicts()[0]).toMatchObject({ field: 'location', localValue: 'Barn', remoteValue: 'Chapel' });
  });
});
