import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/child-server.ts';
import { startTestServer, TEST_SECRET } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const run = promisify(execFile);
const ceremony = { id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' };

describe('admin snapshots and export', () => {
  it('snapshot → edit → restore brings connected and offline clients back to the snapshot', async () => {
    const t = await startTestServer();
    const admin = await t.token('admin', ['*']);
    const planner = await t.token('planner', ['w1']);
    const live = await t.connect('w1', planner);
    const offline = await t.connect('w1', planner);
    await Promise.all([live.whenSynced(), offline.whenSynced()]);
    live.doc.setMeta({ title: 'Ana & Ben' });
    live.doc.upsertEvent({ ...ceremony, notes: 'Original notes' });
    await live.whenAcknowledged();

    const created = await t.fetch('/api/admin/weddings/w1/snapshots', { method: 'POST', token: admin, body: JSON.stringify({ label: 'before seating chaos' }) });
    expect(created.status).toBe(201);
    const snap = await created.json() as { id: string; label: string; kind: string };
    expect(snap).toMatchObject({ label: 'before seating chaos', kind: 'manual' });

    // Edits after the snapshot; the second client takes them and then goes offline.
    live.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony (moved)', notes: 'Changed notes' });
    live.doc.upsertEvent({ ...ceremony, id: 'afterparty', title: 'Afterparty' });
    await live.whenAcknowledged();
    await waitFor(() => offline.doc.getEvent('afterparty'), 'offline client to have the newer state');
    offline.disconnect();
    offline.doc.upsertVendor({ id: 'dj', name: 'DJ Sam', category: 'dj' });

    const shown = await (await t.fetch(`/api/admin/weddings/w1/snapshots/${snap.id}`, { token: admin })).json() as { content: { timeline: Record<string, { title: string }> } };
    expect(Object.keys(shown.content.timeline)).toEqual(['ceremony']);

    const restored = await t.fetch(`/api/admin/weddings/w1/snapshots/${snap.id}/restore`, { method: 'POST', token: admin });
    expect(restored.status).toBe(200);
    const result = await restored.json() as { backup: { kind: string; id: string; label: string } };
    expect(result.backup.kind).toBe('auto');
    expect(result.backup.label).toBe('before restoring “before seating chaos”'); // curly quotes, as people read labels everywhere

    await waitFor(() => live.doc.getEvent('ceremony')?.title === 'Ceremony' && !live.doc.getEvent('afterparty'), 'connected client to show the restored content');
    expect(live.doc.getEvent('ceremony')!.notes).toBe('Original notes');

    offline.connect();
    await offline.whenAcknowledged();
    await waitFor(() => !offline.doc.getEvent('afterparty') && live.doc.getVendor('dj'), 'offline client to converge');
    expect(offline.doc.getEvent('ceremony')).toEqual(live.doc.getEvent('ceremony'));
    expect(offline.doc.getVendor('dj')?.name).toBe('DJ Sam');
    expect(offline.doc.toJSON()).toEqual(live.doc.toJSON());

    const list = await (await t.fetch('/api/admin/weddings/w1/snapshots', { token: admin })).json() as { snapshots: { id: string }[] };
    expect(list.snapshots.map((s) => s.id)).toEqual([result.backup.id, snap.id]);

    // The automatic backup holds the content that was replaced.
    const backup = await (await t.fetch(`/api/admin/weddings/w1/snapshots/${result.backup.id}`, { token: admin })).json() as { content: { timeline: Record<string, unknown> } };
    expect(Object.keys(backup.content.timeline).sort()).toEqual(['afterparty', 'ceremony']);
  });

  it('exports a wedding as JSON and refuses unknown weddings and snapshots', async () => {
    const t = await startTestServer();
    const admin = await t.token('admin', ['*']);
    const c = await t.connect('w2', await t.token('planner', ['w2']));
    await c.whenSynced();
    c.doc.upsertEvent(ceremony);
    await c.whenAcknowledged();
    const res = await t.fetch('/api/admin/weddings/w2/export', { token: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('wedding-w2.json');
    const body = await res.json() as { weddingId: string; content: { timeline: Record<string, { title: string }> } };
    expect(body.weddingId).toBe('w2');
    expect(body.content.timeline.ceremony!.title).toBe('Ceremony');

    const missing = await t.fetch('/api/admin/weddings/nope/export', { token: admin });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'wedding_not_found' } });
    const noSnap = await t.fetch('/api/admin/weddings/w2/snapshots/snap_x', { token: admin });
    expect(noSnap.status).toBe(404);
    expect(await noSnap.json()).toMatchObject({ error: { code: 'snapshot_not_found' } });
    const noRestore = await t.fetch('/api/admin/weddings/w2/snapshots/snap_x/restore', { method: 'POST', token: admin });
    expect(noRestore.status).toBe(404);
  });

  it('does the same through the wedsync CLI', async () => {
    const t = await startTestServer();
    const c = await t.connect('w3', await t.token('planner', ['w3']));
    await c.whenSynced();
    c.doc.upsertEvent(ceremony);
    await c.whenAcknowledged();
    const env = { ...process.env, AUTH_SECRET: TEST_SECRET, DATA_DIR: t.dataDir };
    const cli = async (...args: string[]) => JSON.parse((await run(process.execPath, [CLI, ...args, '--url', t.httpUrl], { env })).stdout);

    const snap = await cli('snapshot', 'create', '--wedding', 'w3', '--label', 'cli snapshot');
    expect(snap.label).toBe('cli snapshot');
    c.doc.deleteEvent('ceremony');
    await c.whenAcknowledged();
    expect((await cli('snapshot', 'list', '--wedding', 'w3')).snapshots).toHaveLength(1);
    expect(Object.keys((await cli('snapshot', 'show', '--wedding', 'w3', '--id', snap.id)).content.timeline)).toEqual(['ceremony']);
    await cli('snapshot', 'restore', '--wedding', 'w3', '--id', snap.id);
    await waitFor(() => c.doc.getEvent('ceremony'), 'restored event at the client');
    const exported = await cli('export', '--wedding', 'w3');
    expect(exported.content.timeline.ceremony.title).toBe('Ceremony');

    const failed = await run(process.execPath, [CLI, 'snapshot', 'show', '--wedding', 'w3', '--id', 'snap_missing', '--url', t.httpUrl], { env }).catch((e: { code: number; stderr: string }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr.trim()).toMatch(/^wedsync: 404 snapshot_not_found: /);
    expect((failed as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
  });
});
