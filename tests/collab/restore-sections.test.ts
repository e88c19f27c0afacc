import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { onRestored, type RestoreNotice, type RestorePreview, type SnapshotRestoreResult } from '../../client/sdk/node.ts';
import { CLI } from '../helpers/child-server.ts';
import { startTestServer, TEST_SECRET, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const run = promisify(execFile);
const ceremony = { id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00', location: 'Chapel' };

/** A wedding with something in every section, snapshotted, then changed in every section. */
async function changedWedding(t: TestServer, w: string) {
  const admin = await t.token('admin', ['*']);
  const c = await t.connect(w, await t.token('planner', [w]));
  await c.whenSynced();
  c.doc.setMeta({ title: 'Ana & Ben' });
  c.doc.upsertEvent(ceremony);
  c.doc.upsertVendor({ id: 'florist', name: 'Fleur', category: 'florist' });
  c.doc.updateGuests({ count: 80 });
  c.doc.upsertPayment({ id: 'deposit', vendorId: 'florist', amount: 50_000, currency: 'GBP' });
  await c.whenAcknowledged();
  const res = await t.fetch(`/api/admin/weddings/${w}/snapshots`, { method: 'POST', token: admin, body: JSON.stringify({ label: 'before' }) });
  const snap = await res.json() as { id: string };

  c.doc.setMeta({ title: 'Ana & Ben 2.0' });
  c.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony (moved)', location: 'Garden' });
  c.doc.upsertEvent({ ...ceremony, id: 'toast', title: 'Toast' });
  c.doc.upsertVendor({ id: 'dj', name: 'DJ Sam', category: 'dj' });
  c.doc.updateGuests({ count: 95 });
  c.doc.upsertPayment({ id: 'balance', vendorId: 'florist', amount: 150_000, currency: 'GBP' });
  await c.whenAcknowledged();
  const post = (path: string, body: unknown) => t.fetch(`/api/admin/weddings/${w}/snapshots/${snap.id}${path}`, { method: 'POST', token: admin, body: JSON.stringify(body) });
  return { c, snap, admin, post };
}

describe('restoring chosen sections of a snapshot', () => {
  it('previews per section what a restore would change, and changes nothing', async () => {
    const t = await startTestServer();
    const { c, post } = await changedWedding(t, 'w1');
    const res = await post('/restore/preview', {});
    expect(res.status).toBe(200);
    const preview = await res.json() as RestorePreview;
    expect(preview.sections).toEqual(['meta', 'timeline', 'vendors']);
    expect(Object.keys(preview.changes).sort()).toEqual(['meta', 'timeline', 'vendors']);
    expect(preview.changes.meta!.changed).toEqual([{ id: 'meta', label: 'meta', fields: [{ field: 'title', from: 'Ana & Ben 2.0', to: 'Ana & Ben' }] }]);
    expect(preview.changes.timeline).toEqual({
      added: [],
      removed: [{ id: 'toast', label: 'Toast' }],
      changed: [{ id: 'ceremony', label: 'Ceremony', fields: [{ field: 'location', from: 'Garden', to: 'Chapel' }, { field: 'title', from: 'Ceremony (moved)', to: 'Ceremony' }] }],
    });
    expect(preview.changes.vendors).toEqual({ added: [], removed: [{ id: 'dj', label: 'DJ Sam' }], changed: [] });

    const withPayments = await (await post('/restore/preview', { sections: ['payments', 'guests'] })).json() as RestorePreview;
    expect(withPayments.changes.payments!.removed.map((p) => p.id)).toEqual(['balance']);
    expect(withPayments.changes.guests!.changed[0]!.fields).toEqual([{ field: 'count', from: 95, to: 80 }]);

    // A preview is only a preview.
    expect(c.doc.getMeta().title).toBe('Ana & Ben 2.0');
    expect(c.doc.getEvent('toast')).toBeDefined();
  });

  it('rolls back meta, timeline and vendors by default, leaving payments and guests as they are', async () => {
    const t = await startTestServer();
    const { c, post } = await changedWedding(t, 'w2');
    const preview = await (await post('/restore/preview', {})).json() as RestorePreview;
    const res = await post('/restore', {});
    expect(res.status).toBe(200);
    const result = await res.json() as SnapshotRestoreResult;
    expect(result.sections).toEqual(['meta', 'timeline', 'vendors']);
    expect(result.changes).toEqual(preview.changes);
    await waitFor(() => c.doc.getMeta().title === 'Ana & Ben', 'the restore at the client');
    expect(c.doc.getEvent('ceremony')).toMatchObject({ title: 'Ceremony', location: 'Chapel' });
    expect(c.doc.getEvent('toast')).toBeUndefined();
    expect(c.doc.getVendor('dj')).toBeUndefined();
    expect(c.doc.listPayments().map((p) => p.id).sort()).toEqual(['balance', 'deposit']);
    expect(c.doc.getGuests().count).toBe(95);
  });

  it('rolls back only the sections chosen, including facts from outside when asked', async () => {
    const t = await startTestServer();
    const { c, post } = await changedWedding(t, 'w3');
    const res = await post('/restore', { sections: ['payments', 'guests'] });
    expect(res.status).toBe(200);
    await waitFor(() => c.doc.getPayment('balance') === undefined, 'the payments restore at the client');
    expect(c.doc.getGuests().count).toBe(80);
    expect(c.doc.getMeta().title).toBe('Ana & Ben 2.0');
    expect(c.doc.getEvent('toast')).toBeDefined();
    expect(c.doc.getVendor('dj')).toBeDefined();
  });

  it('refuses unknown or empty section lists with a typed 400 and restores nothing', async () => {
    const t = await startTestServer();
    const { c, post } = await changedWedding(t, 'w4');
    for (const body of [{ sections: ['audit'] }, { sections: [] }, { sections: 'timeline' }, { section: ['timeline'] }]) {
      for (const path of ['/restore', '/restore/preview']) {
        const res = await post(path, body);
        expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
        expect(await res.json()).toMatchObject({ error: { code: 'validation_failed' } });
      }
    }
    const missing = await t.fetch('/api/admin/weddings/w4/snapshots/snap_nope/restore/preview', { method: 'POST', token: await t.token('admin', ['*']), body: '{}' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'snapshot_not_found' } });
    const planner = await t.fetch('/api/admin/weddings/w4/snapshots/snap_nope/restore/preview', { method: 'POST', token: await t.token('planner', ['w4']), body: '{}' });
    expect(planner.status).toBe(403);
    expect(c.doc.getMeta().title).toBe('Ana & Ben 2.0');
  });

  it('tells connected peers, and peers that were offline, that the wedding was restored', async () => {
    const t = await startTestServer();
    const { c, post, snap } = await changedWedding(t, 'w5');
    const later = await t.connect('w5', await t.token('planner', ['w5']));
    await later.whenSynced();
    later.disconnect();
    await waitFor(() => later.status === 'disconnected', 'the second peer to be offline');
    const seen: RestoreNotice[] = [];
    const seenLater: RestoreNotice[] = [];
    onRestored(c.ydoc, (n) => seen.push(n));
    onRestored(later.ydoc, (n) => seenLater.push(n));

    const result = await (await post('/restore', { sections: ['timeline'] })).json() as SnapshotRestoreResult;
    await waitFor(() => seen.length === 1, 'the connected peer to hear of the restore');
    expect(seen[0]).toMatchObject({ id: result.restoreId, snapshotId: snap.id, snapshotLabel: 'before', backupId: result.backup.id, sections: ['timeline'], by: 'admin-user' });
    expect(seenLater).toEqual([]);
    later.connect();
    await waitFor(() => seenLater.length === 1, 'the peer that was offline to hear of it on reconnecting');
    expect(seenLater[0]).toEqual(seen[0]);
  });

  it('previews and restores chosen sections through the wedsync CLI', async () => {
    const t = await startTestServer();
    const { c, snap } = await changedWedding(t, 'w6');
    const env = { ...process.env, AUTH_SECRET: TEST_SECRET, DATA_DIR: t.dataDir };
    const cli = async (...args: string[]) => JSON.parse((await run(process.execPath, [CLI, ...args, '--url', t.httpUrl], { env })).stdout);

    const preview = await cli('snapshot', 'preview', '--wedding', 'w6', '--id', snap.id, '--sections', 'timeline');
    expect(Object.keys(preview.changes)).toEqual(['timeline']);
    expect(preview.changes.timeline.removed).toEqual([{ id: 'toast', label: 'Toast' }]);
    const restored = await cli('snapshot', 'restore', '--wedding', 'w6', '--id', snap.id, '--sections', 'timeline,vendors');
    expect(restored.sections).toEqual(['timeline', 'vendors']);
    await waitFor(() => !c.doc.getEvent('toast') && !c.doc.getVendor('dj'), 'the CLI restore at the client');
    expect(c.doc.getMeta().title).toBe('Ana & Ben 2.0');

    const failed = await run(process.execPath, [CLI, 'snapshot', 'restore', '--wedding', 'w6', '--id', snap.id, '--sections', 'timeline,audit', '--url', t.httpUrl], { env })
      .catch((e: { code: number; stderr: string }) => e);
    expect((failed as { code: number }).code).toBe(2);
    expect((failed as { stderr: string }).stderr.trim()).toMatch(/^wedsync: --sections takes meta, timeline, .* \(got audit\)$/);
  });
});
