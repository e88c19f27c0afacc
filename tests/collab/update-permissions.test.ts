import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  WeddingDoc, addComment, canEdit, crewOf, decideProposal, deleteComment, listComments, getProposal, notesText, proposeChange, setCrew, type Writer,
} from '../../schema/index.ts';
import { applyEdit, EDITS, json, seed } from '../helpers/wedding-edits.ts';
import type { DocumentLimits } from '../../schema/document/limits.ts';
import { checkUpdate } from '../../server/collab/update-check.ts';
import { filterByPermission } from '../../server/collab/update-permissions.ts';
import { reestablish, revocation } from '../../server/collab/update-repair.ts';
import { assertProperty } from '../helpers/property.ts';

const LIMITS: DocumentLimits = { maxEvents: 2000, maxTextLength: 20_000, maxDocumentBytes: 16 * 1024 * 1024 };
const PLANNER: Writer = { role: 'planner', sub: 'pat' };
const VENDOR: Writer = { role: 'vendor', sub: 'vic', vendorId: 'photo' };
const COUPLE: Writer = { role: 'couple', sub: 'ana' };

/**
 * A server Y.Doc and peers, wired as the collaboration server is: each peer's update is filtered by
 * its writer's permissions, the permitted part applied, the writer repaired, and every server
 * change broadcast to every peer.
 */
function hub() {
  const server = new Y.Doc();
  const peers = new Map<Y.Doc, Writer>();
  const refusals: string[][] = [];
  server.on('update', (u: Uint8Array) => { for (const p of peers.keys()) Y.applyUpdate(p, u, 'server'); });
  const deliver = (peer: Y.Doc, update: Uint8Array) => {
    const writer = peers.get(peer)!;
    const permitted = writer.role === 'planner' ? null : filterByPermission(server, update, writer);
    const verdict = checkUpdate(server, permitted?.update ?? update, LIMITS, permitted?.isRefused);
    if (!verdict.ok) throw new Error(`schema refusal: ${verdict.message}`);
    if (!permitted) return void Y.applyUpdate(server, update, peer);
    Y.applyUpdate(server, permitted.update, peer);
    reestablish(server, permitted.kept);
    const revoke = revocation(permitted.revoke);
    if (revoke) Y.applyUpdate(peer, revoke, 'server');
    refusals.push(permitted.issues.map((i) => i.path));
  };
  return {
    server,
    refusals,
    /** A peer of `writer`, synced with the server. */
    join(writer: Writer): Y.Doc {
      const peer = new Y.Doc();
      Y.applyUpdate(peer, Y.encodeStateAsUpdate(server), 'server');
      peers.set(peer, writer);
      return peer;
    },
    /** Runs `fn` on the peer offline and sends everything it has that the server lacks, in one update. */
    offline(peer: Y.Doc, fn: () => void): void {
      const before = Y.encodeStateVector(server);
      const writer = peers.get(peer)!;
      peers.delete(peer);
      fn();
      peers.set(peer, writer);
      deliver(peer, Y.encodeStateAsUpdate(peer, before));
    },
    /** Live editing: each local transaction is sent as it happens. */
    live(peer: Y.Doc, fn: () => void): void {
      const sent: Uint8Array[] = [];
      const onUpdate = (u: Uint8Array, origin: unknown) => { if (origin !== 'server') sent.push(u); };
      peer.on('update', onUpdate);
      fn();
      peer.off('update', onUpdate);
      for (const u of sent) deliver(peer, u);
    },
  };
}

describe('write permissions per path (Y.Doc level)', () => {
  it('a vendor offline confirms its arrival and, in the same batch, changes the budget: the arrival lands, the budget does not, the phone equals the server', () => {
    const h = hub();
    seed(h.server);
    const phone = h.join(VENDOR);
    h.offline(phone, () => {
      setCrew(phone, 'e1', 'photo', { arrival: '2026-06-13T13:00:00+01:00', confirmed: true });
      phone.getMap('budget').set('nextDue', null);
      phone.getMap('budget').delete('totals');
    });
    expect(crewOf(h.server, 'e1').photo).toEqual({ arrival: '2026-06-13T13:00:00+01:00', confirmed: true });
    expect(new WeddingDoc(h.server).getBudget()?.totals.GBP?.planned).toBe(150_000);
    expect(h.refusals.at(-1)).toEqual(expect.arrayContaining(['budget.totals']));
    expect(json(phone)).toBe(json(h.server));
  });

  it('nobody takes over a comment or a proposal by rewriting its author, nor passes their own off as another\'s; then deleting it is still refused', () => {
    const h = hub();
    seed(h.server);
    const planner = h.join(PLANNER);
    const phone = h.join(VENDOR);
    const couple = h.join(COUPLE);
    h.live(planner, () => addComment(planner, { id: 'c1', authorId: 'pat', subject: '', text: 'from the planner' }));
    h.live(couple, () => proposeChange(couple, { id: 'pr1', authorId: 'ana', eventId: 'e1', changes: { title: 'Vows' } }));
    h.live(phone, () => addComment(phone, { id: 'c2', authorId: 'vic', subject: 'timeline.e1', text: 'the photographer\'s' }));
    const comments = () => h.server.getMap<Y.Map<unknown>>('comments');
    // The couple rewrites the planner's comment as theirs, in one update.
    h.live(couple, () => {
      const c1 = couple.getMap<Y.Map<unknown>>('comments').get('c1')!;
      c1.set('authorId', 'ana');
      c1.set('text', 'HIJACKED');
    });
    expect(comments().get('c1')!.toJSON()).toMatchObject({ authorId: 'pat', text: 'from the planner' });
    expect(h.refusals.at(-1)!.some((path) => path.startsWith('comments.c1.'))).toBe(true);
    // The vendor takes over the couple's proposal; and passes its own comment off as the couple's.
    h.live(phone, () => {
      phone.getMap<Y.Map<unknown>>('proposals').get('pr1')!.set('authorId', 'vic');
      phone.getMap<Y.Map<unknown>>('comments').get('c2')!.set('authorId', 'ana');
    });
    expect((h.server.getMap<Y.Map<unknown>>('proposals').get('pr1')!.toJSON() as { authorId: string }).authorId).toBe('ana');
    expect((comments().get('c2')!.toJSON() as { authorId: string }).authorId).toBe('vic');
    // Not theirs, so not theirs to delete either.
    h.live(couple, () => deleteComment(couple, 'c1'));
    expect(comments().has('c1')).toBe(true);
    // Their own stays theirs to edit and delete.
    h.live(phone, () => comments().get('c2') && phone.getMap<Y.Map<unknown>>('comments').get('c2')!.set('text', 'edited'));
    expect((comments().get('c2')!.toJSON() as { text: string }).text).toBe('edited');
    h.live(phone, () => deleteComment(phone, 'c2'));
    expect(comments().has('c2')).toBe(false);
    expect(json(couple)).toBe(json(h.server));
    expect(json(phone)).toBe(json(h.server));
  });

  it('refuses what each role may not write and keeps what it may, with the writer back in the server state', () => {
    const h = hub();
    seed(h.server);
    const phone = h.join(VENDOR);
    const couple = h.join(COUPLE);
    h.live(phone, () => {
      const w = new WeddingDoc(phone);
      w.upsertVendor({ id: 'photo', email: 'new@example.com', notes: 'bring ladder' });
      w.upsertVendor({ id: 'florist', phone: '+44 20 0000 0000' }); // another vendor's record
      w.upsertPayment({ id: 'p1', invoiceRef: 'INV-7' });
      w.upsertPayment({ id: 'p2', invoiceRef: 'INV-8' }); // not its payment
      w.upsertPayment({ id: 'p1', amount: 1 }); // its payment, but not the amount
      setCrew(phone, 'e2', 'photo', { confirmed: true }); // not assigned
      w.eventNotes('e1')!.insert(0, 'vendor was here ');
      w.eventNotes('e1')!.delete(0, 3);
      addComment(phone, { id: 'c1', authorId: 'vic', subject: 'timeline.e1', text: 'see you there' });
      addComment(phone, { id: 'c2', authorId: 'ana', subject: '', text: 'spoofed' });
    });
    h.live(couple, () => {
      const w = new WeddingDoc(couple);
      w.updateGuests({ count: 95, dietary: { vegan: 4, halal: 2 } });
      notesText(couple, 'couple').insert(0, 'our notes');
      proposeChange(couple, { id: 'pr1', authorId: 'ana', eventId: 'e1', changes: { start: '2026-06-13T14:30:00+01:00' } });
      couple.getMap<Y.Map<unknown>>('proposals').get('pr1')!.set('status', 'accepted');
      w.setMeta({ title: 'Renamed by couple' });
      w.deleteEvent('e2');
    });
    const s = new WeddingDoc(h.server);
    expect(s.getVendor('photo')).toMatchObject({ email: 'new@example.com', notes: 'bring ladder' });
    expect(s.getVendor('florist')?.phone).toBe('+44 20 7946 0000');
    expect(s.getPayment('p1')).toMatchObject({ invoiceRef: 'INV-7', amount: 100_000 });
    expect(s.getPayment('p2')?.invoiceRef).toBeUndefined();
    expect(crewOf(h.server, 'e2')).toEqual({});
    expect(s.getEvent('e1')?.notes).toBe('planner notes');
    expect(Object.keys(h.server.getMap('comments').toJSON())).toEqual(['c1']);
    expect(s.getGuests()).toMatchObject({ count: 95, dietary: { vegan: 4, halal: 2 } });
    expect(notesText(h.server, 'couple').toString()).toBe('our notes');
    expect((h.server.getMap('proposals').toJSON() as Record<string, { status?: string }>).pr1?.status).toBeUndefined();
    expect(s.getMeta().title).toBe('Ana & Ben');
    expect(s.getEvent('e2')?.title).toBe('Dinner');
    expect(json(phone)).toBe(json(h.server));
    expect(json(couple)).toBe(json(h.server));
  });

  it('converges for random edits from every role, and the server never holds a forbidden change', () => {
    const roles: Writer[] = [PLANNER, VENDOR, { role: 'vendor', sub: 'flo', vendorId: 'florist' }, COUPLE];
    const edit = fc.record({
      who: fc.integer({ min: 0, max: roles.length - 1 }),
      what: fc.constantFrom(...EDITS),
      n: fc.integer({ min: 0, max: 50 }),
      offline: fc.boolean(),
    });
    assertProperty(fc.property(fc.array(fc.array(edit, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }), (batches) => {
      const h = hub();
      seed(h.server);
      const peers = roles.map((r) => h.join(r));
      for (const batch of batches) {
        const who = batch[0]!.who;
        const peer = peers[who]!;
        const writer = roles[who]!;
        const run = () => {
          for (const e of batch) applyEdit(peer, writer, e.what, e.n);
        };
        if (batch[0]!.offline) h.offline(peer, run); else h.live(peer, run);
        for (const p of peers) expect(json(p)).toBe(json(h.server));
        expect(new WeddingDoc(h.server).invalidEntries()).toEqual([]);
      }
      // What only planners may write never changed unless a planner wrote it.
      const plannerWrote = batches.some((b) => roles[b[0]!.who]!.role === 'planner');
      if (!plannerWrote) {
        const s = new WeddingDoc(h.server);
        expect(s.getMeta().title).toBe('Ana & Ben');
        expect(s.getBudget()?.totals.GBP?.planned).toBe(150_000);
        expect(s.getPayment('p1')?.amount).toBe(100_000);
        expect(s.getEvent('e1')?.notes).toBe('planner notes');
        expect(s.listEvents().map((e) => e.id)).toEqual(['e1', 'e2']);
        expect(s.getVendor('florist')?.phone).toBe('+44 20 7946 0000');
      }
    }), { numRuns: 100 });
  });

  it('comments: anyone but a viewer adds one; its author (and a planner, who may change anything) deletes or rewrites it, online or offline, and every peer ends as the server', () => {
    const writers: Writer[] = [PLANNER, VENDOR, COUPLE, { role: 'vendor', sub: 'flo', vendorId: 'florist' }, { role: 'viewer', sub: 'vi' }];
    const action = fc.record({
      who: fc.integer({ min: 0, max: writers.length - 1 }),
      kind: fc.constantFrom('add', 'delete', 'rewrite'),
      target: fc.integer({ min: 0, max: 5 }),
      offline: fc.boolean(),
    });
    assertProperty(fc.property(fc.array(action, { minLength: 1, maxLength: 12 }), (actions) => {
      const h = hub();
      seed(h.server);
      const peers = writers.map((w) => h.join(w));
      // What the server must hold: comment id → [author, text], worked out from the rules alone.
      const expected = new Map<string, [string, string]>();
      actions.forEach((a, i) => {
        const writer = writers[a.who]!;
        const peer = peers[a.who]!;
        const ids = listComments(peer).map((c) => c.id);
        const id = ids[a.target % Math.max(ids.length, 1)];
        const mayChange = (cid: string) => writer.role === 'planner' || expected.get(cid)?.[0] === writer.sub;
        const run = () => {
          if (a.kind === 'add' || id === undefined) {
            addComment(peer, { id: `c${i}`, authorId: writer.sub, subject: 'timeline.e1', text: `comment ${i}` });
          } else if (a.kind === 'delete') {
            deleteComment(peer, id);
          } else {
            peer.getMap<Y.Map<unknown>>('comments').get(id)!.set('text', `rewritten ${i}`);
          }
        };
        if (a.kind === 'add' || id === undefined) { if (writer.role !== 'viewer') expected.set(`c${i}`, [writer.sub, `comment ${i}`]); }
        else if (mayChange(id) && a.kind === 'delete') expected.delete(id);
        else if (mayChange(id)) expected.set(id, [expected.get(id)![0], `rewritten ${i}`]);
        if (a.offline) h.offline(peer, run); else h.live(peer, run);
        expect(new Map(listComments(h.server).map((c) => [c.id, [c.authorId, c.text]]))).toEqual(expected);
        for (const p of peers) expect(json(p)).toBe(json(h.server));
      });
    }), { numRuns: 100 });
  });

  it('a couple proposes a timeline change; only a planner accepts (the change is applied) or declines (only marked)', () => {
    const h = hub();
    seed(h.server);
    const couple = h.join(COUPLE);
    const planner = h.join(PLANNER);
    h.live(couple, () => {
      proposeChange(couple, { id: 'pr1', authorId: 'ana', eventId: 'e1', changes: { start: '2026-06-13T14:30:00+01:00', end: '2026-06-13T15:30:00+01:00' } });
      proposeChange(couple, { id: 'pr2', authorId: 'ana', eventId: 'e2', changes: { title: 'Feast' } });
    });
    expect(getProposal(h.server, 'pr1')?.status).toBe('pending');
    // The couple cannot decide its own proposal: the decision is refused, the proposal stays pending.
    h.live(couple, () => void decideProposal(couple, 'pr1', 'accepted', 'ana'));
    expect(getProposal(h.server, 'pr1')?.status).toBe('pending');
    expect(new WeddingDoc(h.server).getEvent('e1')?.start).toBe('2026-06-13T14:00:00+01:00');
    expect(json(couple)).toBe(json(h.server));
    h.live(planner, () => {
      decideProposal(planner, 'pr1', 'accepted', 'pat');
      decideProposal(planner, 'pr2', 'declined', 'pat');
    });
    const s = new WeddingDoc(h.server);
    expect(s.getEvent('e1')).toMatchObject({ start: '2026-06-13T14:30:00+01:00', end: '2026-06-13T15:30:00+01:00' });
    expect(s.getEvent('e2')?.title).toBe('Dinner');
    expect(getProposal(h.server, 'pr1')).toMatchObject({ status: 'accepted', decidedBy: 'pat' });
    expect(getProposal(h.server, 'pr2')).toMatchObject({ status: 'declined', decidedBy: 'pat' });
    expect(() => decideProposal(planner, 'pr2', 'accepted', 'pat')).toThrow(/already declined/);
    expect(json(couple)).toBe(json(h.server));
  });

  it('tells clients what a person can edit, from the same table the server enforces', () => {
    const server = new Y.Doc();
    seed(server);
    expect(canEdit(server, VENDOR, 'timeline', ['e1', 'crew', 'photo', 'arrival'])).toBe(true);
    expect(canEdit(server, VENDOR, 'timeline', ['e2', 'crew', 'photo', 'arrival'])).toBe(false);
    expect(canEdit(server, VENDOR, 'timeline', ['e1', 'title'])).toBe(false);
    expect(canEdit(server, VENDOR, 'vendors', ['photo', 'email'])).toBe(true);
    expect(canEdit(server, VENDOR, 'vendors', ['florist', 'email'])).toBe(false);
    expect(canEdit(server, VENDOR, 'payments', ['p1', 'invoiceRef'])).toBe(true);
    expect(canEdit(server, VENDOR, 'payments', ['p2', 'invoiceRef'])).toBe(false);
    expect(canEdit(server, COUPLE, 'guests', ['dietary', 'vegan'])).toBe(true);
    expect(canEdit(server, COUPLE, 'notes', ['planner'])).toBe(false);
    expect(canEdit(server, { role: 'viewer', sub: 'val' }, 'guests', ['count'])).toBe(false);
    expect(canEdit(server, PLANNER, 'budget', ['totals'])).toBe(true);
  });

  it('a forbidden value written concurrently with a planner\'s never wins on any peer, whichever client id is larger', () => {
    for (let round = 0; round < 20; round++) {
      const server = new Y.Doc();
      seed(server);
      const planner = new Y.Doc();
      const vendor = new Y.Doc();
      for (const p of [planner, vendor]) Y.applyUpdate(p, Y.encodeStateAsUpdate(server));
      // Both edit the title from the same state; the planner's reaches the server first.
      new WeddingDoc(planner).setMeta({ title: 'By the planner' });
      new WeddingDoc(vendor).setMeta({ title: 'By the vendor' });
      setCrew(vendor, 'e1', 'photo', { confirmed: true });
      const broadcast: Uint8Array[] = [];
      server.on('update', (u: Uint8Array) => broadcast.push(u));
      Y.applyUpdate(server, Y.encodeStateAsUpdate(planner, Y.encodeStateVector(server)));
      const update = Y.encodeStateAsUpdate(vendor, Y.encodeStateVector(server));
      const permitted = filterByPermission(server, update, VENDOR)!;
      expect(checkUpdate(server, permitted.update, LIMITS, permitted.isRefused)).toEqual({ ok: true });
      Y.applyUpdate(server, permitted.update);
      reestablish(server, permitted.kept);
      Y.applyUpdate(vendor, revocation(permitted.revoke)!);
      for (const u of broadcast) { Y.applyUpdate(vendor, u); Y.applyUpdate(planner, u); }
      Y.applyUpdate(vendor, Y.encodeStateAsUpdate(server, Y.encodeStateVector(vendor)));
      expect(new WeddingDoc(server).getMeta().title).toBe('By the planner');
      expect(crewOf(server, 'e1').photo).toEqual({ confirmed: true });
      expect(json(vendor)).toBe(json(server));
      expect(json(planner)).toBe(json(server));
    }
  });
});

