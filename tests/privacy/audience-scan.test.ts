import fc from 'fast-check';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WeddingDoc, addComment, crewOf, documentNameFor, notesText, setCrew, type Role } from '../../schema/index.ts';
import { MSG, authFrame, syncStep1Frame } from '../helpers/frames.ts';
import { assertProperty } from '../helpers/property.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * Issue 11 item 5, at the protocol level: every byte a connection receives is scanned for marker
 * strings placed in every private part of a wedding. The expectations restate the rules of
 * schema/document/audiences.ts by hand (not read from READ_RULES), so a wrong rule fails here.
 */

type Audience = 'full' | 'schedule' | 'couple' | 'vendor:photo' | 'vendor:florist';
const AUDIENCES: readonly Audience[] = ['full', 'schedule', 'couple', 'vendor:photo', 'vendor:florist'];

/** Where a marker is written, and who may receive it. */
type Place =
  | 'metaTitle' | 'eventTitle' | 'eventNotes' | 'comment'
  | 'vendorEmail:photo' | 'vendorEmail:florist' | 'vendorNotes:photo' | 'vendorNotes:florist'
  | 'crewNotes:photo' | 'crewNotes:florist' | 'payment:photo' | 'payment:florist'
  | 'contactName' | 'contactEmail' | 'notesPlanner' | 'notesCouple' | 'messageBody' | 'taskTitle' | 'conflictValue';
const PLACES: readonly Place[] = ['metaTitle', 'eventTitle', 'eventNotes', 'comment', 'vendorEmail:photo', 'vendorEmail:florist',
  'vendorNotes:photo', 'vendorNotes:florist', 'crewNotes:photo', 'crewNotes:florist', 'payment:photo', 'payment:florist',
  'contactName', 'contactEmail', 'notesPlanner', 'notesCouple', 'messageBody', 'taskTitle', 'conflictValue'];

/** Places that hold one value: a second write replaces the first. */
const ONE_VALUE: ReadonlySet<Place> = new Set(['metaTitle', 'vendorEmail:photo', 'vendorEmail:florist', 'vendorNotes:photo', 'vendorNotes:florist', 'crewNotes:photo', 'crewNotes:florist']);

/** The issue's rules, by hand. */
function sees(a: Audience, place: Place | 'budget' | 'vendorPhone:photo' | 'vendorPhone:florist'): boolean {
  if (a === 'full') return true;
  const [kind, vendor] = place.split(':') as [string, string | undefined];
  switch (kind) {
    case 'metaTitle': case 'eventTitle': case 'eventNotes': case 'comment': return true;
    case 'vendorEmail': case 'vendorPhone': case 'payment': return a === 'couple' || a === `vendor:${vendor}`;
    case 'vendorNotes': case 'crewNotes': return a === `vendor:${vendor}`;
    case 'contactName': case 'contactEmail': case 'notesCouple': case 'budget': return a === 'couple';
    default: return false; // notes.planner, messages, tasks, conflicts
  }
}

/** A marker string for `place`: emails must parse as e-mail addresses. */
function markerFor(place: Place, tag: string): string {
  const slug = `${place.replace(':', '-')}-${tag}`.toLowerCase();
  return place.startsWith('vendorEmail') || place === 'contactEmail' ? `mark-${slug}@x.test` : `MARK-${slug}`;
}

/** Writes `marker` at `place` (as the planner, on the planner's full document). */
function write(ydoc: Y.Doc, place: Place, marker: string, n: number): void {
  const w = new WeddingDoc(ydoc);
  const [kind, vendor] = place.split(':') as [string, string];
  switch (kind) {
    case 'metaTitle': return void w.setMeta({ title: marker });
    case 'eventTitle': return void w.upsertEvent({ id: `ev${n}`, title: marker, start: '2026-06-13T10:00:00+01:00', end: '2026-06-13T11:00:00+01:00' });
    case 'eventNotes': return void w.eventNotes('e1')!.insert(0, marker);
    case 'comment': return void addComment(ydoc, { id: `cm${n}`, authorId: 'pat', subject: '', text: marker });
    case 'vendorEmail': return void w.upsertVendor({ id: vendor, email: marker });
    case 'vendorNotes': return void w.upsertVendor({ id: vendor, notes: marker });
    case 'crewNotes': return void setCrew(ydoc, vendor === 'photo' ? 'e1' : 'e2', vendor, { notes: marker });
    case 'payment': return void w.upsertPayment({ id: `pay${n}`, vendorId: vendor, amount: 1000 + n, currency: 'GBP', description: marker });
    case 'contactName': return void w.upsertContact({ id: `ct${n}`, name: marker, role: 'family' });
    case 'contactEmail': return void w.upsertContact({ id: `ct${n}`, name: 'Guest', role: 'family', email: marker });
    case 'notesPlanner': return void notesText(ydoc, 'planner').insert(0, marker);
    case 'notesCouple': return void notesText(ydoc, 'couple').insert(0, marker);
    case 'messageBody': return void w.appendMessage({ id: `msg${n}`, senderId: 'pat', type: 'note', body: marker });
    case 'taskTitle': return void w.upsertTask({ id: `tk${n}`, kind: 'other', title: marker });
    case 'conflictValue': return void w.appendConflict({ id: `cf${n}`, at: '2026-01-01T00:00:00Z', entity: 'vendors', entityId: 'photo', field: 'email', localValue: marker, remoteValue: 'x', source: 'crm', strategy: 'manual', status: 'pending', winner: null, resolvedBy: null, resolvedAt: null });
    default: throw new Error(place);
  }
}

function seedBase(ydoc: Y.Doc): void {
  const w = new WeddingDoc(ydoc);
  w.transact(() => {
    w.setMeta({ title: 'Ana & Ben', date: '2026-06-13', timezone: 'Europe/London' });
    w.upsertVendor({ id: 'photo', name: 'Photo Co', category: 'photographer' });
    w.upsertVendor({ id: 'florist', name: 'Flora', category: 'florist' });
    w.upsertEvent({ id: 'e1', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T15:00:00+01:00', vendorIds: ['photo'], notes: ' ' });
    w.upsertEvent({ id: 'e2', title: 'Dinner', start: '2026-06-13T18:00:00+01:00', end: '2026-06-13T20:00:00+01:00', vendorIds: ['florist'] });
  });
}

/** Every place once, plus the vendors' phones, in one planner transaction. Returns marker → who may see it. */
function writeAll(ydoc: Y.Doc, tag: string, n0: number): Map<string, Place | 'vendorPhone:photo' | 'vendorPhone:florist'> {
  const markers = new Map<string, Place | 'vendorPhone:photo' | 'vendorPhone:florist'>();
  ydoc.transact(() => {
    PLACES.forEach((place, i) => {
      const m = markerFor(place, tag);
      write(ydoc, place, m, n0 + i);
      markers.set(m, place);
    });
    // Phones are digits only: numbers no other place holds.
    const w = new WeddingDoc(ydoc);
    for (const [v, digits] of [['photo', `+44 7${n0}1 9173 0`], ['florist', `+44 7${n0}2 8264 0`]] as const) {
      w.upsertVendor({ id: v, phone: digits });
      markers.set(digits, `vendorPhone:${v}`);
    }
  });
  return markers;
}

// ── raw protocol scanning ───────────────────────────────────────────────────────────────────────

interface Scan {
  ws: WebSocket;
  bytes: Buffer[];
  synced: boolean;
  denied: boolean;
  text(): string;
}

const totals = { bytes: 0, checks: 0, connections: 0 };

function scanner(ws: WebSocket, parse: (b: Uint8Array, s: Scan) => void): Scan {
  const s: Scan = {
    ws, bytes: [], synced: false, denied: false,
    text: () => Buffer.concat(s.bytes).toString('latin1'),
  };
  ws.on('message', (data: Buffer) => {
    s.bytes.push(Buffer.from(data));
    totals.bytes += data.length;
    parse(new Uint8Array(data), s);
  });
  totals.connections++;
  return s;
}

/** A raw Hocuspocus socket on /collab, authenticated for `doc`, that has asked for the whole state. */
async function collabScan(t: TestServer, doc: string, token: string): Promise<Scan> {
  const ws = await t.rawSocket();
  const s = scanner(ws, (b, s) => {
    const d = decoding.createDecoder(b);
    if (decoding.readVarString(d) !== doc) return;
    const type = decoding.readVarUint(d);
    if (type === MSG.Auth && decoding.readVarUint(d) === 1) s.denied = true;
    if (type === MSG.Sync && decoding.readVarUint(d) === 1) s.synced = true;
  });
  ws.send(authFrame(doc, token));
  ws.send(syncStep1Frame(doc));
  await waitFor(() => s.synced || s.denied, `${doc} to answer`);
  return s;
}

/** A raw y-websocket socket at /yjs/<doc>?token=… that has asked for the whole state. */
async function ywsScan(t: TestServer, doc: string, token: string): Promise<Scan> {
  const ws = new WebSocket(`ws://127.0.0.1:${t.port}/yjs/${doc}?token=${encodeURIComponent(token)}`);
  registerTeardown(() => ws.terminate());
  const s = scanner(ws, (b, s) => {
    const d = decoding.createDecoder(b);
    const type = decoding.readVarUint(d);
    if (type === 0 && decoding.readVarUint(d) === 1) s.synced = true;
    if (type === 2) s.denied = true;
  });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint8Array(e, Y.encodeStateVector(new Y.Doc()));
  ws.send(encoding.toUint8Array(e));
  await waitFor(() => s.synced || s.denied, `${doc} over y-websocket to answer`);
  return s;
}

/** Asserts `received` holds exactly the markers `audience` may see. */
function expectExactly(received: string, audience: Audience, markers: Map<string, Parameters<typeof sees>[1]>, what: string, overwritten: ReadonlySet<string> = new Set()): void {
  const leaked: string[] = [];
  const missing: string[] = [];
  for (const [m, place] of markers) {
    totals.checks++;
    const present = received.includes(m);
    if (present && !sees(audience, place)) leaked.push(`${place}: ${m}`);
    if (!present && sees(audience, place) && !overwritten.has(m)) missing.push(`${place}: ${m}`);
  }
  expect({ what, leaked, missing }).toEqual({ what, leaked: [], missing: [] });
}

// ── who opens what ──────────────────────────────────────────────────────────────────────────────

interface Participant { name: string; role: Role; vendorId?: string }
const PARTICIPANTS: readonly Participant[] = [
  { name: 'planner', role: 'planner' },
  { name: 'couple', role: 'couple' },
  { name: 'photo', role: 'vendor', vendorId: 'photo' },
  { name: 'florist', role: 'vendor', vendorId: 'florist' },
  { name: 'viewer', role: 'viewer' },
];
const PARTS = ['', '/schedule', '/couple', '/vendor:photo', '/vendor:florist', '/planning'] as const;

/** The issue's table: what `p` receives from `part`, or null when refused. */
function audienceOf(p: Participant, part: (typeof PARTS)[number]): Audience | null {
  const planner = p.role === 'planner';
  switch (part) {
    case '': return planner ? 'full' : 'schedule';
    case '/schedule': return 'schedule';
    case '/planning': return planner ? 'full' : null;
    case '/couple': return planner || p.role === 'couple' ? 'couple' : null;
    default: {
      const v = part.slice('/vendor:'.length);
      return planner || p.vendorId === v ? (`vendor:${v}` as Audience) : null;
    }
  }
}

async function plannerOf(t: TestServer, weddingId: string) {
  const planner = await t.connect(weddingId, await t.token('planner', [weddingId], { sub: 'pat' }));
  await planner.whenSynced();
  return planner;
}

function served(t: TestServer, weddingId: string): WeddingDoc {
  return new WeddingDoc(t.server.collab.persistence.loadedDocument(documentNameFor(weddingId))!);
}

/** The budget's `updatedAt` once the server has derived it from the payments (a string only the budget holds). */
async function budgetMarker(t: TestServer, weddingId: string, payments: number, previous?: string): Promise<string> {
  const b = await waitFor(() => {
    const budget = served(t, weddingId).getBudget();
    return budget && budget.totals.GBP?.payments === payments && budget.updatedAt !== previous ? budget : null;
  }, 'the budget derived by the server');
  return b.updatedAt;
}

describe('what each audience receives, byte for byte', () => {
  afterAll(() => console.log(`audience scan: ${totals.connections} connections, ${totals.bytes} bytes scanned, ${totals.checks} marker checks`));

  it('every role × every document: refused where the table says, and otherwise exactly the markers it may see — at sync and in live broadcasts, on /collab and on /yjs', async () => {
    const t = await startTestServer();
    const planner = await plannerOf(t, 'w1');
    seedBase(planner.ydoc);
    const markers: Map<string, Parameters<typeof sees>[1]> = writeAll(planner.ydoc, 'seed', 1);
    await planner.whenAcknowledged();
    markers.set(await budgetMarker(t, 'w1', 2), 'budget');

    const open: { label: string; audience: Audience; scan: Scan; start: number }[] = [];
    for (const p of PARTICIPANTS) {
      const token = await t.token(p.role, ['w1'], { sub: `${p.name}-user`, ...(p.vendorId ? { vendorId: p.vendorId } : {}) });
      for (const part of PARTS) {
        const doc = `wedding:w1${part}`;
        const audience = audienceOf(p, part);
        const scan = await collabScan(t, doc, token);
        const label = `${p.name} on ${doc}`;
        if (audience === null) {
          expect(scan.denied, label).toBe(true);
          expect(scan.synced, label).toBe(false);
          continue;
        }
        expect(scan.denied, label).toBe(false);
        expectExactly(scan.text(), audience, markers, `${label} at sync`);
        open.push({ label, audience, scan, start: scan.bytes.length });
      }
      if (p.vendorId) {
        const scan = await ywsScan(t, `wedding:w1/vendor:${p.vendorId}`, token);
        expect(scan.denied).toBe(false);
        const audience = `vendor:${p.vendorId}` as Audience;
        expectExactly(scan.text(), audience, markers, `${p.name} on /yjs at sync`);
        open.push({ label: `${p.name} on /yjs`, audience, scan, start: scan.bytes.length });
      }
    }
    // Another vendor's part over y-websocket is refused like on /collab.
    const other = await ywsScan(t, 'wedding:w1/vendor:photo', await t.token('vendor', ['w1'], { vendorId: 'florist' }));
    expect(other.denied).toBe(true);
    expect(other.synced).toBe(false);
    expect(open).toHaveLength(6 + 3 + 4 + 4 + 2);

    // Live: the planner adds a marker in every place again; the server derives a new budget.
    const live: Map<string, Parameters<typeof sees>[1]> = writeAll(planner.ydoc, 'live', 100);
    await planner.whenAcknowledged();
    live.set(await budgetMarker(t, 'w1', 4, [...markers].find(([, p]) => p === 'budget')![0]), 'budget');
    // A last public edit: each socket receives frames in order, so once it has this, it has everything before.
    new WeddingDoc(planner.ydoc).setMeta({ venue: 'MARK-barrier' });
    for (const o of open) await waitFor(() => Buffer.concat(o.scan.bytes.slice(o.start)).includes('MARK-barrier'), `${o.label} to receive the live edits`);
    for (const o of open) expectExactly(Buffer.concat(o.scan.bytes.slice(o.start)).toString('latin1'), o.audience, live, `${o.label} live`);
  });

  it('a vendor on the SDK writes its own record and crew notes (they land), and is refused another vendor\'s email (the server keeps it)', async () => {
    const t = await startTestServer();
    const planner = await plannerOf(t, 'w1');
    seedBase(planner.ydoc);
    new WeddingDoc(planner.ydoc).upsertVendor({ id: 'florist', email: 'flora@example.com' });
    await planner.whenAcknowledged();

    const vendor = await t.connect('w1', await t.token('vendor', ['w1'], { sub: 'vic', vendorId: 'photo' }));
    await vendor.whenSynced();
    const refusals: { code: string; paths: string[] }[] = [];
    vendor.onRefused((r) => refusals.push({ code: r.code, paths: r.issues.map((i) => i.path) }));
    vendor.doc.upsertVendor({ id: 'photo', notes: 'two cameras', email: 'vic@photo.test' });
    setCrew(vendor.ydoc, 'e1', 'photo', { notes: 'side door' });
    await vendor.whenAcknowledged();
    await waitFor(() => served(t, 'w1').getVendor('photo')?.notes === 'two cameras' && crewOf(served(t, 'w1').ydoc, 'e1').photo?.notes === 'side door', 'the vendor\'s own edits on the server');
    expect(served(t, 'w1').getVendor('photo')?.email).toBe('vic@photo.test');
    expect(refusals).toEqual([]);

    // Only the florist's email, written straight into its map: refused, the rest of the batch unaffected.
    vendor.ydoc.transact(() => {
      (vendor.ydoc.getMap('vendors').get('florist') as Y.Map<unknown>).set('email', 'stolen@x.test');
      setCrew(vendor.ydoc, 'e1', 'photo', { notes: 'after the refusal' });
    });
    await waitFor(() => refusals.length > 0, 'the refusal');
    expect(refusals).toEqual([{ code: 'permission_denied', paths: ['vendors.florist.email'] }]);
    await waitFor(() => crewOf(served(t, 'w1').ydoc, 'e1').photo?.notes === 'after the refusal', 'the allowed part of the batch');
    expect(served(t, 'w1').getVendor('florist')?.email).toBe('flora@example.com');
    await waitFor(() => vendor.unsyncedChanges === 0 && (vendor.ydoc.getMap('vendors').get('florist') as Y.Map<unknown>).get('email') === undefined, 'the refused value taken back');

    // The typed API on a vendor it sees only in part writes just the given field: refused that field alone.
    vendor.doc.upsertVendor({ id: 'florist', email: 'stolen2@x.test' });
    await waitFor(() => refusals.length > 1, 'the second refusal');
    expect(refusals[1]).toEqual({ code: 'permission_denied', paths: ['vendors.florist.email'] });
    expect(served(t, 'w1').getVendor('florist')?.email).toBe('flora@example.com');
  });

  it('property: random planner edits in random places — each audience receives exactly the markers it may see', async () => {
    const t = await startTestServer();
    let run = 0;
    await assertProperty(fc.asyncProperty(fc.array(fc.constantFrom(...PLACES), { minLength: 1, maxLength: 12 }), async (places) => {
      const weddingId = `p${++run}`;
      const planner = await plannerOf(t, weddingId);
      seedBase(planner.ydoc);
      const markers = new Map<string, Place>();
      // A later write to a one-value place replaces the earlier one: the earlier marker may be gone, never leaked.
      const lastOf = new Map<Place, string>();
      const overwritten = new Set<string>();
      planner.ydoc.transact(() => places.forEach((place, i) => {
        const m = markerFor(place, `r${run}-${i}`);
        write(planner.ydoc, place, m, i);
        markers.set(m, place);
        if (ONE_VALUE.has(place) && lastOf.has(place)) overwritten.add(lastOf.get(place)!);
        lastOf.set(place, m);
      }));
      await planner.whenAcknowledged();
      const tokens: Record<Audience, [string, string]> = {
        full: [`wedding:${weddingId}/planning`, await t.token('planner', [weddingId])],
        schedule: [`wedding:${weddingId}`, await t.token('viewer', [weddingId])],
        couple: [`wedding:${weddingId}/couple`, await t.token('couple', [weddingId])],
        'vendor:photo': [`wedding:${weddingId}/vendor:photo`, await t.token('vendor', [weddingId], { vendorId: 'photo' })],
        'vendor:florist': [`wedding:${weddingId}/vendor:florist`, await t.token('vendor', [weddingId], { vendorId: 'florist' })],
      };
      for (const a of AUDIENCES) {
        const scan = await collabScan(t, ...tokens[a]);
        expect(scan.denied).toBe(false);
        expectExactly(scan.text(), a, markers, `${a} of ${weddingId}`, overwritten);
        scan.ws.terminate();
      }
      await planner.destroy();
    }), { numRuns: 8 });
  });
});
