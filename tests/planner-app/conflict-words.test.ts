import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc, type Conflict } from '../../schema/index.ts';
import { activityLines } from '../../client/app/src/activity/activity-words.ts';
import { conflictWords, sentenceText, type ConflictWords, type Partner } from '../../client/app/src/conflicts/conflict-words.ts';
import { partnerInDocument } from '../../client/app/src/conflicts/use-partners.ts';
import { weddingFacts } from '../../client/app/src/conflicts/wedding-facts.ts';
import { assertProperty, stringOf } from '../helpers/property.ts';

const DATE = '2027-06-12';
const LONDON = 'Europe/London';

function wedding(ids = { photo: 'ven_photo', flowers: 'ven_flowers', family: 'evt_family', groom: 'evt_groom', ceremony: 'evt_ceremony', pay: 'pay_deposit' }) {
  const doc = new WeddingDoc(new Y.Doc());
  doc.setMeta({ title: 'Ada & Grace', date: DATE, timezone: LONDON, venue: 'Kew Gardens' });
  doc.upsertVendor({ id: ids.photo, name: 'Lens & Light', category: 'photographer', email: 'hello@lens.example' });
  doc.upsertVendor({ id: ids.flowers, name: 'Petal Co', category: 'florist' });
  doc.upsertEvent({ id: ids.groom, title: 'Groom getting ready', start: `${DATE}T14:30:00+01:00`, end: `${DATE}T15:15:00+01:00`, vendorIds: [ids.photo] });
  doc.upsertEvent({ id: ids.family, title: 'Family photos', start: `${DATE}T14:45:00+01:00`, end: `${DATE}T15:30:00+01:00`, vendorIds: [ids.photo, ids.flowers] });
  doc.upsertEvent({ id: ids.ceremony, title: 'Ceremony', start: `${DATE}T13:00:00+01:00`, end: `${DATE}T13:45:00+01:00` });
  doc.upsertPayment({ id: ids.pay, vendorId: ids.photo, amount: 125_000, currency: 'GBP', description: 'Deposit' });
  return { doc, ids, facts: weddingFacts(doc, LONDON, DATE) };
}

const base = { integrationId: null, strategy: 'manual', status: 'pending', winner: null, resolvedBy: null, resolvedAt: null } as const;
const conflict = (c: Partial<Conflict> & Pick<Conflict, 'entity' | 'entityId' | 'field' | 'localValue' | 'remoteValue' | 'source'>): Conflict =>
  ({ id: 'cf_0123456789abcdef', at: '2027-06-01T09:00:00.000Z', ...base, ...c });

/** Everything a person reads of a conflict. */
const allText = (w: ConflictWords) => [sentenceText(w.sentence), w.local.label, w.local.value, w.remote.label, w.remote.value, w.choices.local, w.choices.remote].join(' | ');

describe('conflicts in the wedding’s words', () => {
  const { doc, facts } = wedding();
  const doubleBooking = conflict({ entity: 'timeline', entityId: 'evt_family', field: 'vendorIds', localValue: ['ven_photo', 'ven_flowers'], remoteValue: ['ven_flowers'], source: 'availability:double-booking' });

  // Every kind the server records: [what, conflict, partner, sentence, local value, remote value, choices].
  const table: [string, Conflict, Partner | undefined, string, string, string, [string, string]][] = [
    ['a double booking within the wedding (the issue’s example)', doubleBooking, partnerInDocument(doubleBooking, doc),
      'Lens & Light is booked for Family photos (14:45) and Groom getting ready (14:30) at the same time',
      'Lens & Light, Petal Co', 'Petal Co', ['Keep Lens & Light on both', 'Take Lens & Light off Family photos']],
    ['a double booking with another wedding the planner cannot open', doubleBooking, { kind: 'other-wedding', title: null, start: '2027-06-12T13:30:00.000Z' },
      'Lens & Light is booked for Family photos (14:45) and another wedding (14:30) at the same time',
      'Lens & Light, Petal Co', 'Petal Co', ['Keep Lens & Light on both', 'Take Lens & Light off Family photos']],
    ['a clash with the vendor’s own calendar', { ...doubleBooking, source: 'availability:calendar' }, { kind: 'calendar', system: 'google-calendar' },
      'Lens & Light is booked for Family photos (14:45) and busy in their own Google Calendar at the same time',
      'Lens & Light, Petal Co', 'Petal Co', ['Keep Lens & Light on both', 'Take Lens & Light off Family photos']],
    ['an event’s start changed on both sides (UTC from the calendar)', conflict({ entity: 'timeline', entityId: 'evt_ceremony', field: 'start', localValue: `${DATE}T13:00:00+01:00`, remoteValue: `${DATE}T12:30:00Z`, source: 'google-calendar' }), undefined,
      'Ceremony (13:00): the start was changed to 13:00 here and to 13:30 in Google Calendar', '13:00', '13:30', ['Keep the start at 13:00', 'Move the start to 13:30']],
    ['an event’s vendors changed by a system', conflict({ entity: 'timeline', entityId: 'evt_ceremony', field: 'vendorIds', localValue: ['ven_photo'], remoteValue: [], source: 'vsco-workspace' }), undefined,
      'Ceremony (13:00): the vendors were changed to Lens & Light here and to none in VSCO Workspace', 'Lens & Light', 'none', ['Keep the vendors as Lens & Light', 'Clear the vendors']],
    ['a vendor’s e-mail', conflict({ entity: 'vendors', entityId: 'ven_photo', field: 'email', localValue: 'hello@lens.example', remoteValue: 'studio@lens.example', source: 'vsco-workspace' }), undefined,
      'Lens & Light: the e-mail was changed to hello@lens.example here and to studio@lens.example in VSCO Workspace', 'hello@lens.example', 'studio@lens.example',
      ['Keep the e-mail as hello@lens.example', 'Change the e-mail to studio@lens.example']],
    ['a payment’s amount in minor units', conflict({ entity: 'payments', entityId: 'pay_deposit', field: 'amountPaid', localValue: 0, remoteValue: 125_000, source: 'stripe' }), undefined,
      'Lens & Light’s Deposit (£1,250.00): the amount paid was changed to £0.00 here and to £1,250.00 in Stripe', '£0.00', '£1,250.00',
      ['Keep the amount paid as £0.00', 'Change the amount paid to £1,250.00']],
    ['a payment’s status', conflict({ entity: 'payments', entityId: 'pay_deposit', field: 'status', localValue: 'pending', remoteValue: 'requires_action', source: 'square' }), undefined,
      'Lens & Light’s Deposit (£1,250.00): the status was changed to Pending here and to Requires action in Square', 'Pending', 'Requires action',
      ['Keep the status as Pending', 'Change the status to Requires action']],
    ['an event a system deleted after it was changed here', conflict({ entity: 'timeline', entityId: 'evt_ceremony', field: '*', localValue: doc.getEvent('evt_ceremony') as never, remoteValue: null, source: 'outlook' }), undefined,
      'Outlook deleted Ceremony (13:00), which was changed here since', 'Ceremony (13:00)', 'deleted', ['Keep Ceremony (13:00)', 'Delete Ceremony (13:00)']],
    ['an event deleted here that a system changed meanwhile', conflict({ entity: 'timeline', entityId: 'evt_gone', field: '*', localValue: null, remoteValue: { title: 'Cake cutting', start: `${DATE}T19:00:00Z` }, source: 'google-calendar' }), undefined,
      'Cake cutting (20:00) was deleted here, but Google Calendar changed it meanwhile', 'deleted', 'Cake cutting (20:00)',
      ['Confirm deleting Cake cutting (20:00)', 'Keep Cake cutting (20:00) with Google Calendar’s changes']],
    ['a vendor deleted by a system', conflict({ entity: 'vendors', entityId: 'ven_flowers', field: '*', localValue: { name: 'Petal Co' }, remoteValue: null, source: 'vsco-workspace' }), undefined,
      'VSCO Workspace deleted Petal Co, which was changed here since', 'Petal Co', 'deleted', ['Keep Petal Co', 'Delete Petal Co']],
    ['an offline edit displaced by a snapshot restore', conflict({ entity: 'timeline', entityId: 'evt_groom', field: 'title', localValue: 'Groom getting ready', remoteValue: 'Groom prep', source: 'restore:snap_1a2b3c' }), undefined,
      'Groom getting ready (14:30): the title was changed to Groom getting ready here while offline, and restoring the snapshot put back Groom prep', 'Groom getting ready', 'Groom prep',
      ['Keep the title as Groom getting ready', 'Change the title to Groom prep']],
    ['an event a restore removed but an offline edit kept', conflict({ entity: 'timeline', entityId: 'evt_groom', field: '*', localValue: doc.getEvent('evt_groom') as never, remoteValue: null, source: 'restore:snap_1a2b3c' }), undefined,
      'Restoring the snapshot removed Groom getting ready (14:30), but it was changed here while offline', 'Groom getting ready (14:30)', 'deleted',
      ['Keep Groom getting ready (14:30)', 'Delete Groom getting ready (14:30)']],
    ['the wedding’s date', conflict({ entity: 'meta', entityId: '', field: 'date', localValue: DATE, remoteValue: '2027-06-19', source: 'vsco-workspace' }), undefined,
      'The wedding: the date was changed to Sat 12 Jun here and to Sat 19 Jun in VSCO Workspace', 'Sat 12 Jun', 'Sat 19 Jun', ['Keep the date as Sat 12 Jun', 'Change the date to Sat 19 Jun']],
    ['the wedding’s title displaced by a restore (entityId `meta`)', conflict({ entity: 'meta', entityId: 'meta', field: 'title', localValue: 'Ada & Grace, at Kew', remoteValue: 'Ada & Grace', source: 'restore:snap_1a2b3c' }), undefined,
      'The wedding: the title was changed to Ada & Grace, at Kew here while offline, and restoring the snapshot put back Ada & Grace', 'Ada & Grace, at Kew', 'Ada & Grace',
      ['Keep the title as Ada & Grace, at Kew', 'Change the title to Ada & Grace']],
    ['the guest count', conflict({ entity: 'guests', entityId: '', field: 'count', localValue: 120, remoteValue: 118, source: 'webhooks' }), undefined,
      'The guest numbers: the guest count was changed to 120 here and to 118 in a webhook system', '120', '118', ['Keep the guest count as 120', 'Change the guest count to 118']],
  ];

  it.each(table)('%s', (_what, c, partner, sentence, local, remote, [keep, take]) => {
    const w = conflictWords(c, facts, partner);
    expect(sentenceText(w.sentence)).toBe(sentence);
    expect([w.local.value, w.remote.value]).toEqual([local, remote]);
    expect([w.choices.local, w.choices.remote]).toEqual([keep, take]);
    for (const id of ['ven_photo', 'ven_flowers', 'evt_family', 'evt_groom', 'evt_ceremony', 'evt_gone', 'pay_deposit', 'cf_0123456789abcdef', 'snap_1a2b3c']) expect(allText(w)).not.toContain(id);
  });

  it('links both events of a double booking, and the event of an event conflict', () => {
    const w = conflictWords(doubleBooking, facts, partnerInDocument(doubleBooking, doc));
    expect(w.eventIds).toEqual(['evt_family', 'evt_groom']);
    expect(conflictWords(table[3]![1], facts).eventIds).toEqual(['evt_ceremony']);
  });
});

const id = (prefix: string) => stringOf('abcdefghijklmnopqrstuvwxyz0123456789', 10, 10).map((s) => `${prefix}_${s}`);
const ZONES = ['Europe/London', 'America/New_York', 'Asia/Kolkata', 'Australia/Sydney', 'Pacific/Chatham', 'America/St_Johns'];
/** An independent oracle for "HH:MM in the zone": Intl, not the app's helpers. */
const clock = (ms: number, timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);

describe('conflict words: properties', () => {
  it('never show an id, whatever the ids, kind and sides', () => {
    const kinds = ['availability:double-booking', 'availability:calendar', 'google-calendar', 'restore:x'] as const;
    assertProperty(fc.property(id('ven'), id('ven'), id('evt'), id('evt'), id('evt'), id('pay'), fc.constantFrom(...kinds),
      fc.constantFrom('start', 'end', 'title', 'vendorIds', '*', 'amount', 'status', 'email', 'notes'), fc.boolean(), fc.boolean(),
      (photo, flowers, family, groom, ceremony, pay, source, field, localNull, remoteNull) => {
        fc.pre(new Set([photo, flowers, family, groom, ceremony, pay]).size === 6);
        const { doc, facts } = wedding({ photo, flowers, family, groom, ceremony, pay });
        const entity = field === 'amount' || field === 'status' ? 'payments' : field === 'email' ? 'vendors' : 'timeline';
        const entityId = entity === 'payments' ? pay : entity === 'vendors' ? photo : family;
        const current = entity === 'payments' ? doc.getPayment(pay) : entity === 'vendors' ? doc.getVendor(photo) : doc.getEvent(family);
        const value = (f: string) => (f === '*' ? current : (current as unknown as Record<string, unknown>)[f]);
        const c = source.startsWith('availability')
          ? conflict({ entity: 'timeline', entityId: family, field: 'vendorIds', localValue: [photo, flowers], remoteValue: [flowers], source })
          : conflict({ entity, entityId, field, localValue: localNull ? null : value(field) as never, remoteValue: remoteNull ? null : value(field) as never, source });
        const w = conflictWords(c, facts, partnerInDocument(c, doc));
        const text = allText(w);
        for (const raw of [photo, flowers, family, groom, ceremony, pay, c.id]) expect(text).not.toContain(raw);
        expect(text).not.toMatch(/[[\]{}"]/);
      }), { numRuns: 150 });
  });

  it('show times in the wedding’s zone, with the date when it is not the wedding day', () => {
    assertProperty(fc.property(fc.constantFrom(...ZONES), fc.integer({ min: -20 * 60, max: 40 * 60 }), fc.integer({ min: 1, max: 600 }), (zone, fromNoonUtc, delta) => {
      const doc = new WeddingDoc(new Y.Doc());
      doc.setMeta({ title: 'T', date: DATE, timezone: zone });
      const noon = Date.parse(`${DATE}T12:00:00Z`);
      const local = noon + fromNoonUtc * 60_000;
      const remote = local + delta * 60_000;
      doc.upsertEvent({ id: 'evt_a', title: 'A', start: new Date(local).toISOString(), end: new Date(remote + 60_000).toISOString() });
      const c = conflict({ entity: 'timeline', entityId: 'evt_a', field: 'start', localValue: new Date(local).toISOString(), remoteValue: new Date(remote).toISOString(), source: 'outlook' });
      const w = conflictWords(c, weddingFacts(doc, zone, DATE), undefined);
      for (const [ms, words] of [[local, w.local.value], [remote, w.remote.value]] as const) {
        expect(words.endsWith(clock(ms, zone))).toBe(true);
        const day = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
        expect(words === clock(ms, zone)).toBe(day === DATE);
      }
    }), { numRuns: 200 });
  });
});

describe('activity lines', () => {
  it('group one update’s changes to an event into one line, with names and zoned times', () => {
    const { facts } = wedding();
    const actor = { kind: 'client', id: 'u_alex', name: 'Alex Planner', role: 'planner' } as const;
    const entry = (n: number, field: string, previous: unknown, value: unknown) => ({
      id: n, at: '2027-06-01T09:00:00.000Z', updateSeq: 7, entity: 'timeline:evt_family', root: 'timeline', entityId: 'evt_family', field, change: 'changed' as const, previous, value, actor,
    });
    const lines = activityLines([entry(2, 'start', '2027-06-12T13:45:00Z', '2027-06-12T14:15:00+01:00'), entry(1, 'vendorIds', ['ven_flowers'], ['ven_flowers', 'ven_photo'])], facts);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ subject: 'Family photos', eventId: 'evt_family', summary: 'start 14:45 → 14:15; vendors Petal Co → Petal Co, Lens & Light' });
  });

  it('leaves out a change that reads the same before and after, and the budget totals WedSync recomputes from the payments', () => {
    const { facts } = wedding();
    const actor = { kind: 'client' as const, id: 'pia', name: 'Pia Planner' };
    const budget = (n: number, field: string, previous: unknown, value: unknown) => ({
      id: n, at: '2027-06-01T09:00:00.000Z', updateSeq: 8, entity: 'budget', root: 'budget', entityId: '', field, change: 'changed' as const, previous, value, actor,
    });
    expect(activityLines([budget(1, 'updatedAt', '2027-06-01T09:00:01.000Z', '2027-06-01T09:00:01.000Z')], facts)).toEqual([]);
    // The payment's own line says what changed; the totals only mirror it (docs/planner-app.md, Activity).
    expect(activityLines([budget(2, 'paid', 0, 72_000)], facts)).toEqual([]);
  });
});
