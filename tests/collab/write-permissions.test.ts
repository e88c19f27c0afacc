import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc, crewOf, documentNameFor, setCrew, type Writer } from '../../schema/index.ts';
import type { WeddingConnection } from '../../client/sdk/connect.ts';
import { assertProperty } from '../helpers/property.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { asSeen, ownView } from '../helpers/audience.ts';
import { applyEdit, EDITS, json, seed } from '../helpers/wedding-edits.ts';

const ARRIVAL = '2026-06-13T13:00:00+01:00';

async function seeded(t: TestServer): Promise<void> {
  const planner = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'pat' }));
  await planner.whenSynced();
  seed(planner.ydoc);
  await planner.whenAcknowledged();
  await planner.destroy();
}

function served(t: TestServer): Y.Doc {
  return t.server.collab.persistence.loadedDocument(documentNameFor('w1'))!;
}

/** The server's wedding as `writer` receives it (its own part, schema/document/audiences.ts). */
function servedTo(t: TestServer, writer: Writer): string {
  return json(asSeen(served(t), ownView(writer.role, writer.vendorId)));
}

async function refusedCount(t: TestServer, code: string): Promise<number> {
  const metric = await t.server.metrics.updatesRefused.get();
  return metric.values.find((v) => v.labels.code === code)?.value ?? 0;
}

/** Reopens the data directory in a new server and reads the wedding as stored. */
async function stored(t: TestServer): Promise<WeddingDoc> {
  const dataDir = t.dataDir;
  await t.close();
  const again = await startTestServer({ dataDir });
  const reader = await again.connect('w1', await again.token('admin', ['*']));
  await reader.whenSynced();
  return reader.doc;
}

async function connectAs(t: TestServer, writer: Writer): Promise<WeddingConnection> {
  const c = await t.connect('w1', await t.token(writer.role, ['w1'], { sub: writer.sub, ...(writer.vendorId ? { vendorId: writer.vendorId } : {}) }));
  await c.whenSynced();
  return c;
}

describe('write permissions over the WebSocket', () => {
  it('a vendor on an offline phone confirms its arrival and, in the same batch, tries to change the budget: the arrival lands, the budget does not, the phone ends equal to the server, nothing was disconnected', async () => {
    const t = await startTestServer({ dataDir: tempDir() });
    await seeded(t);
    const phone = await connectAs(t, { role: 'vendor', sub: 'vic', vendorId: 'photo' });
    const statuses: string[] = [];
    const refusals: { code: string; paths: string[]; discarded: number }[] = [];
    phone.onRefused((r) => refusals.push({ code: r.code, paths: r.issues.map((i) => i.path), discarded: r.discardedChanges }));
    const ydoc = phone.ydoc;

    phone.disconnect();
    await waitFor(() => phone.status === 'disconnected', 'the phone to be offline');
    setCrew(phone.ydoc, 'e1', 'photo', { arrival: ARRIVAL, confirmed: true });
    phone.ydoc.getMap('budget').set('totals', { GBP: { planned: 1, paid: 0, refunded: 0, outstanding: 1, overdue: 0, payments: 1 } });
    phone.doc.upsertVendor({ id: 'photo', notes: 'two cameras' });
    phone.onStatus((s) => statuses.push(s));
    // Waiting for the batch's acknowledgement tells that part of it was not stored.
    const acknowledged = phone.whenAcknowledged().then(() => 'resolved', (e: { code?: string }) => e.code);
    phone.connect();
    expect(await acknowledged).toBe('permission_denied');

    await waitFor(() => refusals.length > 0 && phone.synced && phone.unsyncedChanges === 0 && json(phone.ydoc) === servedTo(t, { role: 'vendor', sub: 'vic', vendorId: 'photo' }), 'the phone back in step with the server');
    expect(refusals).toEqual([{ code: 'permission_denied', paths: ['budget.totals'], discarded: 0 }]);
    expect(phone.ydoc).toBe(ydoc);
    expect(crewOf(phone.ydoc, 'e1').photo).toEqual({ arrival: ARRIVAL, confirmed: true });
    // The budget is not the vendor's to see (audiences.ts): the phone has none, the server kept its own.
    expect(phone.doc.getBudget()).toBeNull();
    expect(new WeddingDoc(served(t)).getBudget()?.totals.GBP?.planned).toBe(150_000);
    expect(statuses.filter((s) => s === 'disconnected')).toEqual([]);
    expect(phone.status).toBe('connected');
    expect(await refusedCount(t, 'permission_denied')).toBe(1);

    const doc = await stored(t);
    expect(crewOf(doc.ydoc, 'e1').photo).toEqual({ arrival: ARRIVAL, confirmed: true });
    expect(doc.getVendor('photo')?.notes).toBe('two cameras');
    expect(doc.getBudget()?.totals.GBP?.planned).toBe(150_000);
  });

  it('a vendor editing another vendor it sees only in part (name, category) is refused just that field: its own edit in the same batch lands, the other vendor keeps its details', async () => {
    const t = await startTestServer();
    await seeded(t);
    const florist = new WeddingDoc(served(t)).getVendor('florist')!;
    const phone = await connectAs(t, { role: 'vendor', sub: 'vic', vendorId: 'photo' });
    const refusals: { code: string; paths: string[] }[] = [];
    phone.onRefused((r) => refusals.push({ code: r.code, paths: r.issues.map((i) => i.path) }));
    phone.doc.transact(() => {
      phone.doc.upsertVendor({ id: 'florist', email: 'taken@example.com' });
      setCrew(phone.ydoc, 'e1', 'photo', { notes: 'same batch' });
    });
    await waitFor(() => refusals.length > 0 && crewOf(served(t), 'e1').photo?.notes === 'same batch', 'the refusal and the crew note');
    expect(refusals).toEqual([{ code: 'permission_denied', paths: ['vendors.florist.email'] }]);
    expect(new WeddingDoc(served(t)).getVendor('florist')).toEqual(florist);
    await waitFor(() => json(phone.ydoc) === servedTo(t, { role: 'vendor', sub: 'vic', vendorId: 'photo' }), 'the phone back in step');
  });

  it('a raw Yjs client whose update is refused in part keeps editing: its later updates build on the refused one and still land', async () => {
    const t = await startTestServer();
    await seeded(t);
    const vendor = await connectAs(t, { role: 'vendor', sub: 'vic', vendorId: 'photo' });
    // The same client id keeps writing after the refusal: later items have the refused ones as origins.
    vendor.doc.setMeta({ title: 'hijacked' });
    setCrew(vendor.ydoc, 'e1', 'photo', { notes: 'first' });
    vendor.doc.setMeta({ title: 'hijacked again' });
    setCrew(vendor.ydoc, 'e1', 'photo', { notes: 'second' });
    await waitFor(() => vendor.unsyncedChanges === 0 && crewOf(served(t), 'e1').photo?.notes === 'second' && json(vendor.ydoc) === servedTo(t, { role: 'vendor', sub: 'vic', vendorId: 'photo' }), 'later edits to land');
    expect(new WeddingDoc(served(t)).getMeta().title).toBe('Ana & Ben');
  });

  it('a couple deleting an event it may not delete, while the photographer confirms its arrival in it: the arrival is kept, the couple is refused whole (removal_forbidden) and ends equal to the server', async () => {
    const t = await startTestServer();
    await seeded(t);
    const photo = await connectAs(t, { role: 'vendor', sub: 'vic', vendorId: 'photo' });
    const couple = await connectAs(t, { role: 'couple', sub: 'ana' });
    const refusals: string[] = [];
    couple.onRefused((r) => refusals.push(r.code));
    // Both offline, so neither has seen the other's change when it is made.
    photo.disconnect();
    couple.disconnect();
    await waitFor(() => photo.status === 'disconnected' && couple.status === 'disconnected', 'both offline');
    couple.doc.deleteEvent('e1');
    setCrew(photo.ydoc, 'e1', 'photo', { arrival: ARRIVAL, confirmed: true });
    const acknowledged = couple.whenAcknowledged().then(() => 'resolved', (e: { code?: string }) => e.code);
    couple.connect();
    expect(await acknowledged).toBe('removal_forbidden');
    await waitFor(() => refusals.includes('removal_forbidden'), 'the couple refused');
    photo.connect();
    await photo.whenAcknowledged();
    await waitFor(() => crewOf(served(t), 'e1').photo?.confirmed === true, 'the arrival on the server');
    await waitFor(() => json(couple.ydoc) === servedTo(t, { role: 'couple', sub: 'ana' }) && json(photo.ydoc) === servedTo(t, { role: 'vendor', sub: 'vic', vendorId: 'photo' }), 'both equal to the server');
    expect(new WeddingDoc(served(t)).getEvent('e1')?.title).toBe('Ceremony');
    const doc = await stored(t);
    expect(crewOf(doc.ydoc, 'e1').photo).toMatchObject({ arrival: ARRIVAL, confirmed: true });
  });

  it('random edits from every role through real providers converge, the stored wedding holds no forbidden change, and allowed edits in a refused batch land', async () => {
    const writers: Writer[] = [{ role: 'vendor', sub: 'vic', vendorId: 'photo' }, { role: 'vendor', sub: 'flo', vendorId: 'florist' }, { role: 'couple', sub: 'ana' }];
    const edit = fc.record({ what: fc.constantFrom(...EDITS.filter((e) => e !== 'assign')), n: fc.integer({ min: 0, max: 40 }) });
    const batch = fc.record({ who: fc.integer({ min: 0, max: writers.length - 1 }), edits: fc.array(edit, { minLength: 1, maxLength: 4 }), offline: fc.boolean() });
    await assertProperty(fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 4 }), async (batches) => {
      const t = await startTestServer();
      await seeded(t);
      const peers = await Promise.all(writers.map((w) => connectAs(t, w)));
      const refused = peers.map(() => [] as string[]);
      peers.forEach((p, i) => p.onRefused((r) => refused[i]!.push(r.code)));
      for (const b of batches) {
        const peer = peers[b.who]!;
        if (b.offline) {
          peer.disconnect();
          await waitFor(() => peer.status === 'disconnected', 'the peer to be offline');
        }
        for (const e of b.edits) applyEdit(peer.ydoc, writers[b.who]!, e.what, e.n);
        const refusedBefore = refused[b.who]!.length;
        if (b.offline) peer.connect();
        // A batch refused in whole or in part is not reported acknowledged: the wait rejects with
        // the refusal's code, which the app is also told; the peer then settles on the server's copy.
        const rejected = await peer.whenAcknowledged().then(() => null, (e: { code?: string }) => e.code);
        if (rejected) {
          expect(['permission_denied', 'removal_forbidden']).toContain(rejected);
          await waitFor(() => refused[b.who]!.slice(refusedBefore).includes(rejected), 'the app told of the refusal');
          await waitFor(() => peer.synced && peer.unsyncedChanges === 0, 'the peer to settle after the refusal');
        }
        // An allowed edit made in the same batch as forbidden ones landed, unless the batch also
        // removes an event or a vendor: such an update is refused whole (removal_forbidden, see
        // docs/collab-protocol.md) and the writer starts again from the server's copy.
        const last = b.edits.some((e) => e.what === 'deleteEvent' || e.what === 'deleteVendor') ? undefined : b.edits.filter((e) => e.what === 'crew').at(-1);
        const own = writers[b.who]!.vendorId;
        if (last && own) await waitFor(() => crewOf(served(t), own === 'photo' ? 'e1' : 'e2')[own]?.notes === `n${last.n}`, 'an allowed crew edit to land');
      }
      await waitFor(() => peers.every((p, i) => json(p.ydoc) === servedTo(t, writers[i]!)), 'every peer equal to the server as it receives it');
      for (const p of peers) expect(p.ydoc.clientID).toBeDefined();
      const doc = await stored(t);
      expect(doc.getMeta().title).toBe('Ana & Ben');
      expect(doc.getBudget()?.totals.GBP?.planned).toBe(150_000);
      expect(doc.getPayment('p1')?.amount).toBe(100_000);
      expect(doc.getEvent('e1')?.notes).toBe('planner notes');
      expect(doc.listEvents().map((e) => e.id)).toEqual(['e1', 'e2']);
      expect(doc.listVendors().map((v) => v.id).sort()).toEqual(['florist', 'photo']);
      expect(doc.getVendor('florist')?.email ?? '').not.toMatch(/^x/);
      expect(doc.getVendor('photo')?.email ?? '').not.toMatch(/^x/);
      expect(crewOf(doc.ydoc, 'e2').photo).toBeUndefined();
      expect(crewOf(doc.ydoc, 'e1').florist).toBeUndefined();
      expect(doc.invalidEntries()).toEqual([]);
    }), { numRuns: 6 });
  }, 120_000);
});
