import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeField, signStandardWebhook, verifyStandardWebhook, type OutboundChange } from '../../adapters/core/index.ts';
import { WEBHOOK_FIELDS, parseEnvelope, toChanges, toEnvelope } from '../../adapters/webhooks/mappers.ts';
import { ALPHANUMERIC, stringOf } from '../helpers/property.ts';
import { WEDDING_ID_PATTERN } from '../../schema/document/names.ts';

describe('Standard Webhooks signatures', () => {
  // The example from the Standard Webhooks specification.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const ts = 1614265330;
  const body = '{"test": 2432232314}';

  it('matches the specification\'s test vector', () => {
    expect(signStandardWebhook(secret, id, ts, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies within the tolerance, with several signatures, and refuses the rest', () => {
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': `v1,bogus v1a,whatever ${signStandardWebhook(secret, id, ts, body)}` };
    expect(verifyStandardWebhook(secret, headers, body, ts * 1000)).toEqual({ ok: true, id, timestamp: ts });
    expect(verifyStandardWebhook(secret, headers, body, (ts + 301) * 1000)).toMatchObject({ ok: false, code: 'signature_stale' });
    expect(verifyStandardWebhook(secret, headers, body + ' ', ts * 1000)).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(verifyStandardWebhook(secret, { ...headers, 'webhook-id': 'other' }, body, ts * 1000)).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(verifyStandardWebhook(secret, { ...headers, 'webhook-timestamp': '1e9' }, body, ts * 1000)).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(verifyStandardWebhook(secret, {}, body, ts * 1000)).toMatchObject({ ok: false, code: 'signature_invalid' });
  });
});

const isoInstant = fc.date({ min: new Date('2020-01-01'), max: new Date('2035-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
const text = fc.string({ minLength: 1, maxLength: 40 });
const id = stringOf(`${ALPHANUMERIC}_-`, 1, 20);
// Wedding ids as WEDDING_ID_PATTERN takes them: `__proto__`, which the characters can spell, is not one.
const weddingId = stringOf(`${ALPHANUMERIC}_-`, 1, 64).filter((w) => WEDDING_ID_PATTERN.test(w));

const timelineChange: fc.Arbitrary<OutboundChange> = fc.record({
  entityId: id,
  data: fc.record({
    title: text, start: isoInstant, end: isoInstant, location: fc.string({ maxLength: 30 }),
    category: fc.constantFrom('ceremony', 'reception', 'other'), vendorIds: fc.array(id, { maxLength: 4 }), notes: fc.string({ maxLength: 60 }),
  }, { requiredKeys: ['title'] }),
}).map(({ entityId, data }) => ({ op: 'upsert', entity: 'timeline', entityId, externalId: entityId, data, version: null }));

const paymentChange: fc.Arbitrary<OutboundChange> = fc.record({
  entityId: id,
  data: fc.record({ vendorId: id, amount: fc.nat(10_000_000), amountPaid: fc.nat(10_000_000), currency: fc.constantFrom('GBP', 'USD', 'EUR'), status: fc.constantFrom('planned', 'paid'), due: fc.constant('2026-05-01') }),
}).map(({ entityId, data }) => ({ op: 'upsert', entity: 'payments', entityId, externalId: entityId, data, version: null }));

describe('webhooks mappers', () => {
  it('round-trips every outbound change through the wire format unchanged', () => {
    fc.assert(fc.property(fc.oneof(timelineChange, paymentChange), fc.boolean(), weddingId, (change, asDelete, wedding) => {
      const c: OutboundChange = asDelete ? { ...change, op: 'delete', data: null } : change;
      const wire = JSON.stringify(toEnvelope(c, Date.parse('2026-01-01T00:00:00Z'), wedding));
      const [back] = toChanges(parseEnvelope(wire));
      if (c.op === 'delete') {
        expect(back).toEqual({ op: 'delete', entity: c.entity, externalId: c.entityId, entityId: c.entityId, weddingId: wedding });
        return;
      }
      expect(back).toMatchObject({ op: 'upsert', entity: c.entity, externalId: c.entityId, entityId: c.entityId, weddingId: wedding });
      const fields = WEBHOOK_FIELDS[c.entity as 'timeline' | 'payments'];
      for (const f of fields) expect(normalizeField(f, (back as { data: Record<string, unknown> }).data[f])).toEqual(normalizeField(f, c.data![f]));
    }));
  });

  it('drops fields that are not part of the entity and refuses malformed events', () => {
    const [change] = toChanges(parseEnvelope(JSON.stringify({ type: 'vendor.upserted', timestamp: '2026-01-01T00:00:00Z', data: { id: 'v1', name: 'A', secretField: 1 } })));
    expect(change).toEqual({ op: 'upsert', entity: 'vendors', externalId: 'v1', entityId: 'v1', data: { name: 'A' } });
    expect(() => parseEnvelope('not json')).toThrow(/not JSON/);
    expect(() => parseEnvelope(JSON.stringify({ type: 'timeline.exploded', timestamp: '2026-01-01T00:00:00Z', data: {} }))).toThrow(/type/);
    expect(() => toChanges(parseEnvelope(JSON.stringify({ type: 'timeline.upserted', timestamp: '2026-01-01T00:00:00Z', data: { title: 'no id' } })))).toThrow(/data.id/);
  });
});
