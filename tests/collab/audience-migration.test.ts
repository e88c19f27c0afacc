import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { WeddingDoc, crewOf, listComments, type Part } from '../../schema/index.ts';
import { FIXTURE_WEDDING as W, LOG_ONLY, STORED } from '../fixtures/data-bc8a90e-content.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/test-server.ts';
import { onPostgresBackend } from '../helpers/test-backend.ts';

// Existing weddings migrate on start-up (issue 11, item 5): a data directory written by the
// version before audience documents (commit bc8a90e, tests/fixtures/data-bc8a90e/README.md) loads,
// both its stored state and the edits only in its update log, and every part serves it.

const FIXTURE = fileURLToPath(new URL('../fixtures/data-bc8a90e/', import.meta.url));

function fixtureCopy(): string {
  const dir = tempDir('wedsync-mig-');
  for (const f of fs.readdirSync(FIXTURE)) if (f !== 'README.md') fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  return dir;
}

async function open(t: TestServer, token: string, part: Part) {
  const conn = await t.connect(W, token, { part });
  await conn.whenSynced();
  return conn;
}

const noteOf = (d: Y.Doc, who: string) => {
  const text = d.getMap('notes').get(who);
  return text instanceof Y.Text ? text.toString() : undefined;
};
/** Every string in the document, to check a value is nowhere (not under another key either). */
const allText = (d: Y.Doc) => JSON.stringify([...d.share.keys()].map((k) => d.share.get(k) instanceof Y.Array ? d.getArray(k).toJSON() : d.getMap(k).toJSON()));

function expectWholeWedding(d: Y.Doc): void {
  const w = new WeddingDoc(d);
  expect(w.getMeta()).toMatchObject({ ...STORED.meta, ...LOG_ONLY.meta });
  for (const v of STORED.vendors) {
    const expected = v.id === LOG_ONLY.vendorPhone.id ? { ...v, phone: LOG_ONLY.vendorPhone.phone } : v;
    expect(w.getVendor(v.id)).toMatchObject(expected);
  }
  for (const e of STORED.events) expect(w.getEvent(e.id)).toMatchObject({ ...e, notes: 'notes' in e ? e.notes : '' });
  for (const c of STORED.crew) expect(crewOf(d, c.eventId)[c.vendorId]).toEqual(c.entry);
  for (const p of [...STORED.payments, LOG_ONLY.payment]) expect(w.getPayment(p.id)).toMatchObject(p);
  for (const c of [...STORED.contacts, LOG_ONLY.contact]) expect(w.getContact(c.id)).toMatchObject(c);
  expect(w.getGuests()).toMatchObject(STORED.guests);
  expect(noteOf(d, 'couple')).toBe(STORED.notes.couple);
  expect(noteOf(d, 'planner')).toBe(STORED.notes.planner + LOG_ONLY.plannerNote);
  expect(listComments(d).map((c) => [c.id, c.text]).sort()).toEqual([...STORED.comments, LOG_ONLY.comment].map((c) => [c.id, c.text]).sort());
}

function expectSchedule(d: Y.Doc): void {
  const w = new WeddingDoc(d);
  expect(w.getMeta()).toMatchObject({ ...STORED.meta, ...LOG_ONLY.meta });
  for (const e of STORED.events) expect(w.getEvent(e.id)).toMatchObject({ id: e.id, title: e.title, start: e.start, end: e.end, vendorIds: e.vendorIds });
  expect(w.listVendors().map((v) => [v.id, v.name, v.category]).sort()).toEqual(STORED.vendors.map((v) => [v.id, v.name, v.category]).sort());
  expect(listComments(d).map((c) => c.id).sort()).toEqual(['c1', 'c2']);
  expect(crewOf(d, 'e1').photo?.arrival).toBe(STORED.crew[0].entry.arrival);
}

// SQLite only: the data directory of an earlier version is a SQLite database.
describe.skipIf(onPostgresBackend)('a data directory from bc8a90e', () => {
  it('serves every part of the stored and logged wedding to its audience', async () => {
    const t = await startTestServer({ dataDir: fixtureCopy() });
    const planner = await t.token('planner', [W]);

    for (const part of [null, { kind: 'planning' } as const]) expectWholeWedding((await open(t, planner, part)).ydoc);

    const photo = (await open(t, await t.token('vendor', [W], { vendorId: 'photo' }), { kind: 'vendor', vendorId: 'photo' })).ydoc;
    expectSchedule(photo);
    const pw = new WeddingDoc(photo);
    expect(pw.getVendor('photo')).toMatchObject({ ...STORED.vendors[0], phone: LOG_ONLY.vendorPhone.phone });
    expect(crewOf(photo, 'e1').photo).toEqual(STORED.crew[0].entry);
    expect(pw.getPayment('p1')).toMatchObject(STORED.payments[0]);
    expect(pw.getGuests()).toMatchObject(STORED.guests);
    const photoText = allText(photo);
    for (const hidden of ['florist-secret@example.com', '+44 20 7946 0002', 'FLORIST-INTERNAL-NOTE', 'FLORIST-CREW-NOTE', 'FLORIST-BALANCE', 'FLORIST-LOG-FINAL',
      'maria-contact@example.com', 'dan-log@example.com', STORED.notes.couple, STORED.notes.planner, 'LOG-PLANNER-APPEND']) {
      expect(photoText).not.toContain(hidden);
    }

    const couple = (await open(t, await t.token('couple', [W]), { kind: 'couple' })).ydoc;
    expectSchedule(couple);
    const cw = new WeddingDoc(couple);
    expect(cw.getGuests()).toMatchObject(STORED.guests);
    expect(noteOf(couple, 'couple')).toBe(STORED.notes.couple);
    expect(cw.getVendor('florist')).toMatchObject({ email: STORED.vendors[1].email, phone: STORED.vendors[1].phone });
    expect(cw.getContact('dad')).toMatchObject(LOG_ONLY.contact);
    const coupleText = allText(couple);
    for (const hidden of ['PHOTO-INTERNAL-NOTE', 'FLORIST-INTERNAL-NOTE', 'PHOTO-CREW-NOTE', 'FLORIST-CREW-NOTE', STORED.notes.planner, 'LOG-PLANNER-APPEND']) {
      expect(coupleText).not.toContain(hidden);
    }

    const viewer = (await open(t, await t.token('viewer', [W]), null)).ydoc;
    expectSchedule(viewer);
    const viewerText = allText(viewer);
    for (const hidden of ['photo-secret@example.com', 'florist-secret@example.com', '+44 20 7946 0777', 'PHOTO-INTERNAL-NOTE', 'PHOTO-CREW-NOTE', 'PHOTO-DEPOSIT', 'FLORIST-LOG-FINAL',
      'maria-contact@example.com', 'dan-log@example.com', STORED.notes.couple, STORED.notes.planner]) {
      expect(viewerText).not.toContain(hidden);
    }
    expect(new WeddingDoc(viewer).listPayments()).toEqual([]);
    expect(new WeddingDoc(viewer).listContacts()).toEqual([]);
  });

  it('takes a vendor edit through its part and keeps it across a restart', async () => {
    const dataDir = fixtureCopy();
    let t = await startTestServer({ dataDir });
    const vendorToken = await t.token('vendor', [W], { vendorId: 'photo' });
    const conn = await open(t, vendorToken, { kind: 'vendor', vendorId: 'photo' });
    new WeddingDoc(conn.ydoc).upsertVendor({ id: 'photo', notes: 'PHOTO-NOTE-after-migration' });
    await conn.whenAcknowledged();
    await t.close();

    t = await startTestServer({ dataDir });
    const planner = (await open(t, await t.token('planner', [W]), { kind: 'planning' })).ydoc;
    expect(new WeddingDoc(planner).getVendor('photo')?.notes).toBe('PHOTO-NOTE-after-migration');
    // The rest of the migrated wedding is still whole (the old planner-only parts included).
    expect(noteOf(planner, 'planner')).toBe(STORED.notes.planner + LOG_ONLY.plannerNote);
    expect(new WeddingDoc(planner).getVendor('florist')).toMatchObject(STORED.vendors[1]);
    const again = (await open(t, vendorToken, { kind: 'vendor', vendorId: 'photo' })).ydoc;
    expect(new WeddingDoc(again).getVendor('photo')?.notes).toBe('PHOTO-NOTE-after-migration');
  });
});
