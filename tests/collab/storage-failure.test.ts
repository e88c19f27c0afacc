import { describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { onPostgresBackend } from '../helpers/test-backend.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * Issue 10, item 1, without root: SQLite's own size cap (`PRAGMA max_page_count`) makes the real
 * database answer SQLITE_FULL, as a full disk does, inside one server process. (The tmpfs version
 * with kill -9 is tests/collab/disk-full.test.ts.)
 */
const ENV = { STORAGE_PROBE_INTERVAL_MS: '50', STORAGE_RESUME_FREE_BYTES: '0', STORE_DEBOUNCE_MS: '60000', STORE_MAX_DEBOUNCE_MS: '60000' };
const NOTES = 'n'.repeat(4000);
const event = (id: string) => ({ id, title: id, start: '2026-06-13T12:00:00Z', end: '2026-06-13T13:00:00Z', notes: NOTES });

function capStorage(t: TestServer): void {
  const pages = t.server.db.pragma('page_count', { simple: true }) as number;
  t.server.db.pragma(`max_page_count = ${pages}`);
}
function uncapStorage(t: TestServer): void {
  t.server.db.pragma('max_page_count = 1073741823');
}
async function readyStatus(t: TestServer): Promise<number> {
  return (await t.fetch('/readyz')).status;
}

// SQLite only: SQLite's size cap stands in for a full disk. Writes PostgreSQL refuses are covered by
// tests/storage/postgres-group-commit.test.ts (a refused or interrupted COMMIT acknowledges nothing).
describe.skipIf(onPostgresBackend)('storage that refuses writes (SQLITE_FULL)', () => {
  it('neither acknowledges nor shows peers an edit that could not be stored, and stores it once storage recovers', async () => {
    const t = await startTestServer({ env: ENV });
    const token = await t.token('planner', ['w1']);
    const writer = await t.connect('w1', token);
    const peer = await t.connect('w1', token);
    await Promise.all([writer.whenSynced(), peer.whenSynced()]);
    writer.doc.upsertEvent(event('before'));
    await writer.whenAcknowledged();

    capStorage(t);
    let seen = false;
    peer.ydoc.on('afterTransaction', () => { if (peer.doc.getEvent('refused')) seen = true; });
    for (let i = 0; i < 5; i++) writer.doc.upsertEvent(event(i === 0 ? 'refused' : `refused-${i}`));
    await waitFor(async () => (await readyStatus(t)) === 503, 'the server to turn read-only');
    await new Promise((r) => setTimeout(r, 1500));
    expect(writer.unsyncedChanges).toBeGreaterThan(0);
    expect(seen).toBe(false);
    expect(t.server.health.writable).toBe(false);
    // The live document holds nothing that is not stored.
    const live = t.server.collab.persistence.loadedDocument('wedding:w1');
    if (live) expect(live.getMap('timeline').has('refused')).toBe(false);

    uncapStorage(t);
    await writer.whenAcknowledged(10_000);
    await waitFor(() => peer.doc.getEvent('refused'), 'the peer to receive the stored edit');
    expect(await readyStatus(t)).toBe(200);
    const stored = t.server.documents.load('wedding:w1');
    expect(stored.log.length).toBeGreaterThan(0);
  });

  it('answers 503 for an HTTP write that could not be stored and keeps nothing of it; retried, it counts once', async () => {
    const t = await startTestServer({ env: ENV });
    const planner = await t.token('planner', ['w1']);
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    client.doc.upsertVendor({ id: 'florist', name: 'Florist', category: 'florist' });
    await client.whenAcknowledged();
    const post = (path: string, body: unknown) => t.fetch(path, { method: 'POST', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/api/weddings/w1/payments/plan', { vendorId: 'florist', currency: 'EUR', total: 10_000_000, milestones: [{ milestone: 'deposit', weight: 1, due: '2027-03-01' }] })).status).toBe(201);

    // Fill what is left with edits until the cap refuses one, then try a payment right after.
    capStorage(t);
    const pay = () => post('/api/weddings/w1/payments/florist-deposit/transactions', { type: 'payment', amount: 25_000, currency: 'EUR' });
    let stored = 0;
    let refused = 0;
    for (let i = 0; i < 200 && refused === 0; i++) {
      const res = await pay();
      if (res.status === 200) stored++;
      else {
        expect(res.status).toBe(503);
        expect((await res.json() as { error: { code: string } }).error.code).toBe('storage_unavailable');
        refused++;
      }
    }
    expect(refused).toBe(1);
    await waitFor(() => client.doc.getPayment('florist-deposit')?.amountPaid === 25_000 * stored, 'the client to agree with the answers');
    // Read-only now: writes are refused up front, reads go on.
    expect((await pay()).status).toBe(503);
    const admin = await t.token('admin', ['*']);
    const exported = await t.fetch('/api/admin/weddings/w1/export', { token: admin });
    expect(exported.status).toBe(200);
    expect((await exported.json() as { content: { payments: Record<string, { amountPaid: number }> } }).content.payments['florist-deposit']!.amountPaid).toBe(25_000 * stored);

    uncapStorage(t);
    await waitFor(async () => (await readyStatus(t)) === 200, 'storage to be writable again');
    expect((await pay()).status).toBe(200);
    await waitFor(() => client.doc.getPayment('florist-deposit')?.amountPaid === 25_000 * (stored + 1), 'the retried payment to count once');
  });
});
