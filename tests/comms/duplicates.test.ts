import * as Y from 'yjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchemaError, WeddingDoc, addressKeys, normalizePhone, type Message, type SendResponse } from '../../schema/index.ts';
import { validateEntityPatch } from '../../server/bridge/entity-access.ts';
import { dedupeByAddress, personOfVendor } from '../../server/comms/recipients.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectMessaging, postJson, seedWedding, setNotificationMode, startCommsSandboxes } from './helpers.ts';

const MINUTE = 60_000;

function refusal(fn: () => unknown): SchemaError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SchemaError) return error;
    throw error;
  }
  throw new Error('the write was accepted');
}

describe('duplicate vendors are refused when added, and never messaged twice', () => {
  it('refuses a vendor whose e-mail (any case) or phone (any formatting of the same E.164 number) another vendor has; nothing is written', () => {
    const w = new WeddingDoc(new Y.Doc());
    w.upsertVendor({ id: 'photo', name: 'Lens & Light', category: 'photographer', email: 'Studio@Lens.example', phone: '+44 7700 900123' });
    const before = Y.encodeStateAsUpdate(w.ydoc);
    for (const input of [
      { email: 'studio@lens.example' },
      { email: 'STUDIO@LENS.EXAMPLE' },
      { phone: '+447700900123' },
      { phone: '0044 7700 900123' },
      { phone: '+44 (0)7700-900-123' },
      { phone: '+44-7700-900.123' },
    ]) {
      const error = refusal(() => w.upsertVendor({ id: 'photo-2', name: 'Lens and Light', category: 'photographer', ...input }));
      expect(error.code).toBe('duplicate');
      // Named for people, never by id; the id travels apart, for apps.
      expect(error.message).toMatch(/^Lens & Light, another vendor of this wedding, already has this (e-mail address|phone number)$/);
      expect(error.issues[0]).toMatchObject({ path: input.email ? 'email' : 'phone', vendorId: 'photo' });
    }
    // An existing vendor may not take another's address either.
    w.upsertVendor({ id: 'dj', name: 'DJ Sam', category: 'dj', email: 'sam@example.com' });
    expect(refusal(() => w.upsertVendor({ id: 'dj', email: 'studio@LENS.example' })).code).toBe('duplicate');
    expect(w.getVendor('dj')!.email).toBe('sam@example.com');
    expect(w.listVendors().map((v) => v.id)).toEqual(['dj', 'photo']);
    // Different addresses, empty ones, and a vendor's own address in another case are fine.
    w.upsertVendor({ id: 'florist', name: 'Petal Co', category: 'florist', email: 'petal@example.com', phone: '+44 7700 900124' });
    w.upsertVendor({ id: 'band', name: 'The Band', category: 'band' });
    w.upsertVendor({ id: 'cake', name: 'Cake Co', category: 'baker' });
    w.upsertVendor({ id: 'photo', email: 'STUDIO@lens.example' });
    expect(w.listVendors()).toHaveLength(5);
    expect(Y.encodeStateAsUpdate(w.ydoc).length).toBeGreaterThan(before.length);
  });

  it('the inbound check refuses the same before anything of an external batch is written', () => {
    const w = new WeddingDoc(new Y.Doc());
    w.upsertVendor({ id: 'photo', name: 'Lens & Light', category: 'photographer', email: 'studio@lens.example' });
    const error = refusal(() => validateEntityPatch(w, 'vendors', 'crm-17', { name: 'Lens & Light', category: 'photographer', email: 'Studio@Lens.Example' }));
    expect(error.code).toBe('duplicate');
    expect(error.message).toBe('Lens & Light, another vendor of this wedding, already has the e-mail or phone given for Lens & Light');
    expect(() => validateEntityPatch(w, 'vendors', 'photo', { name: 'Lens & Light Ltd', email: 'studio@lens.example' })).not.toThrow();
  });

  it('every way of writing one phone number gives one address key (property)', () => {
    const digits = fc.stringMatching(/^[1-9]\d{6,13}$/);
    const separator = fc.constantFrom('', ' ', '-', '.', ' - ');
    fc.assert(fc.property(digits, fc.array(separator, { minLength: 14, maxLength: 14 }), fc.boolean(), fc.boolean(), (number, seps, doubleZero, bracketCountry) => {
      const cc = number.slice(0, 2);
      const rest = [...number.slice(2)].map((d, i) => `${d}${seps[i] ?? ''}`).join('');
      const prefix = doubleZero ? `00${cc}` : bracketCountry ? `(+${cc})` : `+${cc}`;
      return normalizePhone(`${prefix} ${rest}`) === `+${number}` && addressKeys({ phone: `${prefix}${rest}` })[0] === `phone:+${number}`;
    }));
    fc.assert(fc.property(fc.emailAddress(), (address) => {
      const mixed = [...address].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
      return addressKeys({ email: ` ${mixed} ` })[0] === addressKeys({ email: address })[0];
    }));
  });

  it('recipients that share an address are merged into the first, whichever field they share', () => {
    const v = (id: string, email: string, phone: string) => personOfVendor({ id, name: id, category: 'other', email, phone, preferredChannels: [], status: 'booked', links: {} });
    const { people, merged } = dedupeByAddress([
      v('a', 'one@example.com', ''), v('b', '', '+447700900001'), v('c', 'ONE@example.com', '+44 7700 900002'), v('d', '', '0044 7700 900001'), v('e', 'two@example.com', ''), v('a', 'one@example.com', ''),
    ]);
    expect(people.map((p) => p.id)).toEqual(['a', 'b', 'e']);
    expect(Object.fromEntries(merged)).toEqual({ c: 'a', d: 'b' });
  });

  it('two peers add the same vendor offline at once: the CRDT keeps both entries, and each message reaches the address once', async () => {
    let now = Date.parse('2027-03-01T09:00:00Z');
    const t = await startTestServer({ now: () => now, env: { NOTIFY_QUIET_MINUTES: '5' } });
    const planner = await t.token('planner', ['w1'], { sub: 'pat' });
    const sb = await startCommsSandboxes();
    await seedWedding(t, planner, 'w1', { meta: { title: 'Ana & Ben', timezone: 'Europe/London' } });
    await connectMessaging(t, planner, 'w1', sb);
    await setNotificationMode(t, planner, 'w1', 'automatic');

    // Two offline peers each add the photographer; each write alone is valid.
    const a = new WeddingDoc(new Y.Doc());
    const b = new WeddingDoc(new Y.Doc());
    a.upsertVendor({ id: 'photo-a', name: 'Lens & Light', category: 'photographer', email: 'studio@lens.example', phone: '+447700900123', preferredChannels: ['email', 'sms'], status: 'booked' });
    b.upsertVendor({ id: 'photo-b', name: 'Lens and Light', category: 'photographer', email: 'Studio@Lens.Example', phone: '0044 7700 900123', preferredChannels: ['email', 'sms'], status: 'booked' });
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    Y.applyUpdate(client.doc.ydoc, Y.encodeStateAsUpdate(a.ydoc));
    Y.applyUpdate(client.doc.ydoc, Y.encodeStateAsUpdate(b.ydoc));
    await client.whenAcknowledged();
    expect(client.doc.listVendors().map((v) => v.id).sort()).toEqual(['photo-a', 'photo-b']);

    // A planner's message to every vendor: one mail, one SMS.
    const sent = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['*'], subject: 'Timings', body: 'Doors at 13:30.', broadcast: true });
    expect(sent.status).toBe(201);
    expect(sent.body.message.recipientIds).toHaveLength(1);
    expect(sent.body.message.context.mergedRecipients).toMatch(/^photo-[ab]>photo-[ab]$/);
    await waitFor(() => sb.smtp.to('studio@lens.example').length === 1 && sb.twilio.to('+447700900123').length === 1, 'one mail and one SMS');

    // An automatic message concerning both entries: one message, one mail.
    client.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', category: 'ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00', vendorIds: ['photo-a', 'photo-b'] });
    await client.whenAcknowledged();
    client.doc.upsertEvent({ id: 'ceremony', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T15:45:00+01:00' });
    await client.whenAcknowledged();
    now += 6 * MINUTE;
    await t.server.comms.tick();
    const automatic = await waitFor(() => client.doc.listMessages().find((m: Message) => m.type === 'cascade.ceremony_time'), 'the automatic message');
    expect(automatic.recipientIds).toHaveLength(1);
    // One recipient, one planned send besides in-app: the address gets it once.
    expect(Object.values(automatic.deliveries).filter((d) => d.channel !== 'wedsync_chat').map((d) => `${d.recipientId}/${d.channel}`)).toEqual([`${automatic.recipientIds[0]}/email`]);
    await waitFor(() => sb.smtp.to('studio@lens.example').length === 2, 'the ceremony mail');
  });
});
