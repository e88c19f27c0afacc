import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WorkspaceConnectBody } from '../../schema/api/connections.ts';
import { computeBudget } from '../../schema/document/budget.ts';
import { crewOf, setCrew } from '../../schema/document/contributions.ts';
import { EntityId, type MessageInput } from '../../schema/document/entities.ts';
import { documentNameFor, isWeddingId } from '../../schema/document/names.ts';
import { WeddingDoc } from '../../schema/document/wedding-doc.ts';
import { parseOrThrow, SchemaError } from '../../schema/errors.ts';
import { keyPath, RESERVED_KEYS } from '../../schema/own-keys.ts';

/** Names Object.prototype answers to, that the id pattern's characters allow. */
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).filter((n) => /^[A-Za-z0-9_.:-]+$/.test(n));
/** Reserved (schema/own-keys.ts): a plain object or a value Yjs stores whole cannot hold them as keys. */
const RESERVED = ['__proto__', 'constructor'];
const ID_LIKE = PROTOTYPE_NAMES.filter((n) => !RESERVED.includes(n));
const REFUSED = '"__proto__" and "constructor" cannot be used as names or ids';

function wedding(): WeddingDoc {
  const d = new WeddingDoc(new Y.Doc());
  d.setMeta({ title: 'Ada & Bo', date: '2026-06-13', timezone: 'Europe/London' });
  return d;
}

/** A JSON body as the HTTP layer gets it: `__proto__` is an own key there, not a prototype. */
const parsedJson = (json: string): Record<string, unknown> => JSON.parse(json) as Record<string, unknown>;

describe('ids and keys named like Object.prototype members', () => {
  it('refuses `__proto__` and `constructor` as ids and keys in words, instead of dropping them or failing mid-write', () => {
    for (const id of RESERVED) expect(EntityId.safeParse(id).error?.issues[0]?.message).toBe(REFUSED);
    expect(isWeddingId('__proto__')).toBe(false);
    expect(() => documentNameFor('__proto__')).toThrow(RangeError);
    const body = parsedJson('{"workspaceId":"wks_1","system":"stripe","credentials":{"__proto__":{"apiKey":"x"}}}');
    // zod alone drops the key without a word; parseOrThrow names it.
    expect(WorkspaceConnectBody.parse(body).credentials).toEqual({});
    expect(() => parseOrThrow(WorkspaceConnectBody, body, 'connection')).toThrow(`invalid connection: credentials.__proto__: ${REFUSED}`);

    const d = wedding();
    d.updateGuests({ count: 10, dietary: { vegan: 2 } });
    let refused: unknown;
    try { d.updateGuests({ dietary: parsedJson('{"__proto__": 3, "vegan": 4}') as Record<string, number> }); } catch (e) { refused = e; }
    expect(refused).toBeInstanceOf(SchemaError);
    expect((refused as SchemaError).code).toBe('validation_failed');
    expect(d.getGuests().dietary).toEqual({ vegan: 2 });
    expect(() => d.updateGuests({ dietary: { constructor: 3 } })).toThrow(`invalid guests: dietary.constructor: ${REFUSED}`);
    expect(d.getGuests().dietary).toEqual({ vegan: 2 });

    // Yjs refuses an object stored whole with an own `constructor` key ("Unexpected content type");
    // such a write is refused before the transaction, in words, and nothing of it is stored.
    const message: MessageInput = { id: 'msg_1', senderId: 'per_pia', type: 'update', body: 'Hello', recipientIds: ['ven_a'] };
    expect(() => d.appendMessage({ ...message, recipientNames: { constructor: 'Lens' } })).toThrow(`recipientNames.constructor: ${REFUSED}`);
    expect(() => d.setBudget({ totals: {}, vendors: { constructor: {} }, nextDue: null, asOf: '2026-04-01', updatedAt: '2026-04-01T00:00:00Z' })).toThrow(`vendors.constructor: ${REFUSED}`);
    expect(d.listMessages()).toEqual([]);
    expect(d.getBudget()).toBeNull();
    expect(d.appendMessage({ ...message, recipientNames: { ven_a: 'Lens' } }).recipientNames).toEqual({ ven_a: 'Lens' });
  });

  it('keeps every other such name as plain data: ids, diets, crew and budget totals', () => {
    for (const name of ID_LIKE) {
      expect(EntityId.safeParse(name).success).toBe(true);
      expect(isWeddingId(name)).toBe(/^[A-Za-z0-9_-]+$/.test(name));
      const d = wedding();
      d.upsertVendor({ id: name, name: `Vendor ${name}`, category: 'photographer' });
      d.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T15:00:00+01:00', category: 'ceremony', vendorIds: [name] });
      expect(d.getVendor(name)?.name).toBe(`Vendor ${name}`);
      expect(d.vendorDisplayName(name)).toBe(`Vendor ${name}`);
      expect(Object.hasOwn(crewOf(d.ydoc, 'ceremony'), name)).toBe(false);
      expect(setCrew(d.ydoc, 'ceremony', name, { arrival: '2026-06-13T13:00:00+01:00' })).toEqual({ arrival: '2026-06-13T13:00:00+01:00' });
      if (/^[a-z0-9_-]+$/.test(name)) {
        d.updateGuests({ count: 10, dietary: { [name]: 3 } });
        expect(d.getGuests().dietary).toEqual({ [name]: 3 });
      }
    }
  });

  it('totals a vendor named like a prototype member on its own, and touches nothing global (property)', () => {
    const payment = fc.record({
      vendorId: fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES.filter((n) => n !== '__proto__')), fc.constantFrom('ven_a', 'ven_b', '')),
      currency: fc.constantFrom('GBP', 'EUR'),
      amount: fc.integer({ min: 1, max: 1_000_000 }),
    });
    fc.assert(fc.property(fc.array(payment, { maxLength: 12 }), (list) => {
      const payments = list.map((p, i) => ({
        id: `pay_${i}`, vendorId: p.vendorId, description: 'Deposit', amount: p.amount, currency: p.currency, due: '2026-05-01',
        status: 'pending' as const, paidAmount: 0, refundedAmount: 0, links: {},
      }));
      const budget = computeBudget(payments as never, '2026-04-01', '2026-04-01T00:00:00Z');
      const expected = new Map<string, Map<string, number>>();
      for (const p of list) {
        const byCurrency = expected.get(p.vendorId) ?? new Map<string, number>();
        byCurrency.set(p.currency, (byCurrency.get(p.currency) ?? 0) + p.amount);
        expected.set(p.vendorId, byCurrency);
      }
      expect(Object.keys(budget.vendors).sort()).toEqual([...expected.keys()].sort());
      for (const [vendorId, byCurrency] of expected) {
        expect(Object.hasOwn(budget.vendors, vendorId)).toBe(true);
        for (const [currency, planned] of byCurrency) expect(budget.vendors[vendorId]![currency]!.planned).toBe(planned);
      }
      for (const currency of ['GBP', 'EUR']) expect(Object.hasOwn(Object, currency)).toBe(false);
    }), { numRuns: 300 });
  });

  it('finds a reserved key at any depth of a JSON value, by its path, and ends on cycles', () => {
    expect(keyPath(parsedJson('{"a":[{"b":1},{"c":{"__proto__":{}}}]}'))).toBe('a.1.c.__proto__');
    expect(keyPath(parsedJson('{"__proto__":1}'))).toBe('__proto__');
    expect(keyPath(parsedJson('{"a":{"constructor":1}}'))).toBeNull();
    expect(keyPath(parsedJson('{"a":{"constructor":1}}'), RESERVED_KEYS)).toBe('a.constructor');
    expect(keyPath([1, 'x', null, { ok: true }], RESERVED_KEYS)).toBeNull();
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    expect(keyPath(cyclic, RESERVED_KEYS)).toBeNull();
    // Bytes and class instances are not JSON objects: not walked (a 1 MB update is not a million keys).
    expect(keyPath({ bytes: new Uint8Array(1_000_000), at: new Date() }, RESERVED_KEYS)).toBeNull();
  });
});
