import { encodeHTML } from 'entities';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipText, isWellFormed, wellFormed, type Payment } from '../../schema/index.ts';
import { contentHash, plainText, project, sameField, type OutboundChange, type OutboundMessage, type WeddingContext } from '../../adapters/core/index.ts';
import { composeEmail } from '../../adapters/email/mappers.ts';
import { composePost } from '../../adapters/slack/mappers.ts';
import { composeCard } from '../../adapters/teams/mappers.ts';
import { MAX_BODY, composeText, toChanges as twilioChanges } from '../../adapters/twilio/mappers.ts';
import { mapEvent as mapStripe, requestDescription, type StripeEventJson } from '../../adapters/stripe/mappers.ts';
import { orderBody } from '../../adapters/paypal/mappers.ts';
import { readTag, tagNote } from '../../adapters/square/mappers.ts';
import { htmlToText } from '../../adapters/outlook/mappers.ts';
import { parseEnvelope, toChanges as webhookChanges, toEnvelope } from '../../adapters/webhooks/mappers.ts';
import { graphemeBoundaries, trickyText, unicodeText, utf16Units } from '../helpers/unicode.ts';

const message: OutboundMessage = {
  weddingId: 'w1', weddingTitle: 'Zoë & Ana 💍', messageId: 'msg_1', recipient: { id: 'photo', kind: 'vendor', name: 'Lens & Light', email: 'photo@example.com', phone: '+447700900123', role: 'photographer' },
  channel: 'sms', address: '+447700900123', subject: 'Storm', body: 'Ceremony moves indoors.', priority: 'urgent', type: 'emergency.weather', requiresAck: true,
  ackUrl: 'https://hub.example/api/comms/ack/abc.def', level: 0,
};
/** Long text made of hard graphemes, so limits fall inside emoji, flags and combining sequences. */
const longText = (min: number) => fc.tuple(fc.string({ unit: 'grapheme', maxLength: 5 }), fc.array(trickyText(6), { minLength: Math.ceil(min / 8), maxLength: Math.ceil(min / 8) + 10 }))
  .map(([head, parts]) => `${head}${parts.join('')}`);
const anyBody = fc.oneof(unicodeText(80), longText(1700), longText(3200));
/** A prefix of `whole` that ends on one of its grapheme boundaries. */
const endsOnBoundary = (whole: string, part: string) => whole.startsWith(part) && graphemeBoundaries(whole).has(part.length);

describe('messages out: every channel writes whole characters within its limits', () => {
  it('SMS / WhatsApp: at most 1600 units, the body cut between graphemes, the acknowledgement link whole', () => {
    fc.assert(fc.property(anyBody, (body) => {
      const text = composeText({ ...message, body });
      expect(text.length).toBeLessThanOrEqual(MAX_BODY);
      expect(isWellFormed(text)).toBe(true);
      expect(text.endsWith(message.ackUrl!)).toBe(true);
      const sent = text.slice(0, text.length - `\n\nPlease confirm you have seen this: ${message.ackUrl}`.length);
      const whole = `URGENT: [${message.weddingTitle}] Storm\n${body}`;
      if (sent !== whole) {
        expect(sent.endsWith('…')).toBe(true);
        expect(endsOnBoundary(whole, sent.slice(0, -1))).toBe(true);
      }
    }), { numRuns: 150 });
  });

  it('the issue\'s kind of example: a body whose limit falls inside an emoji loses the whole emoji', () => {
    const footer = `\n\nPlease confirm you have seen this: ${message.ackUrl}`;
    const room = 40;
    const body = `${'x'.repeat(room - 2)}😀 tail`;
    expect(plainText({ ...message, body }, { maxLength: room + footer.length })).toBe(`${'x'.repeat(room - 2)}…${footer}`);
  });

  it('Slack: header ≤ 150, section and fallback text ≤ 3000, between graphemes, no half entity', () => {
    fc.assert(fc.property(anyBody, fc.oneof(unicodeText(20), longText(200)), (body, subject) => {
      const post = composePost({ ...message, channel: 'slack', address: 'C1', body: `&${body}<>`, subject }, 'key');
      const header = (post.blocks[0] as { text: { text: string } }).text.text;
      const section = (post.blocks[1] as { text: { text: string } }).text.text;
      expect(header.length).toBeLessThanOrEqual(150);
      expect(section.length).toBeLessThanOrEqual(3000);
      expect(post.text.length).toBeLessThanOrEqual(3000);
      for (const t of [header, section, post.text]) expect(isWellFormed(t)).toBe(true);
      expect(section).not.toMatch(/&(?!amp;|lt;|gt;)/);
      const escaped = `&${body}<>`.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      expect(endsOnBoundary(escaped, section)).toBe(true);
    }), { numRuns: 100 });
  });

  it('e-mail: the subject is cut between graphemes, text and HTML carry the body whole', () => {
    fc.assert(fc.property(fc.oneof(unicodeText(40), longText(300)), unicodeText(200), (subject, body) => {
      const mail = composeEmail({ ...message, channel: 'email', address: 'photo@example.com', subject, body }, { idempotencyKey: 'k', domain: 'hub.example' });
      expect(mail.subject.length).toBeLessThanOrEqual(250);
      expect(endsOnBoundary(`URGENT: ${subject || clipText(body.split('\n')[0]!, 80)} — Zoë & Ana 💍`, mail.subject)).toBe(true);
      expect(isWellFormed(mail.subject)).toBe(true);
      expect(mail.text.startsWith(body)).toBe(true);
    }), { numRuns: 100 });
    const long = `${'a'.repeat(79)}😀${'b'.repeat(10)}`;
    expect(composeEmail({ ...message, subject: '', priority: 'normal', body: long, weddingTitle: '' }, { idempotencyKey: 'k', domain: 'd' }).subject).toBe('a'.repeat(79));
  });

  it('Teams: the card carries any text unchanged', () => {
    fc.assert(fc.property(unicodeText(200), unicodeText(40), (body, subject) => {
      const card = composeCard({ ...message, channel: 'teams', body, subject }, '1.4').attachments[0]!.content;
      expect((card.body[1] as { text: string }).text).toBe(body);
      expect(JSON.parse(JSON.stringify(card)).body[1].text).toBe(body);
    }));
  });

  it('Twilio: a provider error message is clipped to 500 units between graphemes', () => {
    const url = 'https://hub.example/hook?m=msg_1&r=photo&c=sms';
    const errorMessage = `${'x'.repeat(479)}😀😀`;
    const [change] = twilioChanges(url, { MessageSid: 'SM1', MessageStatus: 'failed', ErrorCode: '30003', ErrorMessage: errorMessage });
    const error = (change as { error: string }).error;
    expect(error.length).toBeLessThanOrEqual(500);
    expect(error).toBe(clipText(`Twilio error 30003: ${errorMessage}`, 500));
    expect(error.endsWith('x')).toBe(true);
  });
});

describe('payments: descriptions both ways', () => {
  const meta = { wedsync_wedding_id: 'w1', wedsync_payment_id: 'photo-deposit', wedsync_vendor_id: 'photo', wedsync_milestone: 'deposit' };
  const ctx = { weddingId: 'w1', acceptUntagged: false };
  // A vendor's own intent tagged for the wedding but not a WedSync request (no payment id): WedSync's
  // own requests keep the planner's description and never take Stripe's back.
  const { wedsync_payment_id: _own, ...vendorMeta } = meta;
  const pi = (description: string): StripeEventJson => ({ id: 'evt_1', object: 'event', type: 'payment_intent.created', created: 1, data: { object: { id: 'pi_1', object: 'payment_intent', amount: 100, amount_received: 0, currency: 'gbp', status: 'requires_payment_method', description, metadata: vendorMeta } } });

  it('Stripe in: a description is clipped to the schema\'s 300 units between graphemes, lone surrogates as U+FFFD', () => {
    fc.assert(fc.property(fc.oneof(unicodeText(80), longText(400), utf16Units(80)), (description) => {
      const [change] = mapStripe(pi(description), ctx).changes;
      const got = (change as { data: Partial<Payment> }).data.description;
      if (!description) return;
      expect(got).toBe(clipText(description, 300));
      expect(got!.length).toBeLessThanOrEqual(300);
      expect(isWellFormed(got!)).toBe(true);
      expect(endsOnBoundary(wellFormed(description), got!)).toBe(true);
    }), { numRuns: 150 });
  });

  it('Stripe in: a WedSync request keeps its own description (no "Deposit · Deposit — Lens & Light (Ana & Ben)")', () => {
    const own: StripeEventJson = { ...pi('Deposit — Lens & Light (Ana & Ben)'), data: { object: { ...(pi('').data.object as object), description: 'Deposit — Lens & Light (Ana & Ben)', metadata: meta } } } as never;
    const [change] = mapStripe(own, ctx).changes;
    expect((change as { data: Partial<Payment> }).data).not.toHaveProperty('description');
  });

  it('Stripe out, PayPal out, Square out: descriptions within each limit, between graphemes, tags whole', () => {
    const wedding: WeddingContext = { weddingId: 'w1', meta: { title: 'Zoë & Ana 💍' }, vendors: { photo: { id: 'photo', name: 'Lens 📸 Light', category: 'photographer', email: '', phone: '', preferredChannels: [], status: 'booked', links: {} } } } as never;
    fc.assert(fc.property(fc.oneof(unicodeText(80), longText(400)), (description) => {
      const stripe = requestDescription({ vendorId: 'photo', milestone: 'deposit', amount: 100, currency: 'GBP', description } as never, wedding);
      expect(stripe.length).toBeLessThanOrEqual(300);
      expect(isWellFormed(stripe)).toBe(true);
      const change: OutboundChange = { op: 'upsert', entity: 'payments', entityId: 'photo-deposit', externalId: null, version: null, data: { vendorId: 'photo', milestone: 'deposit', amount: 100, currency: 'GBP' } };
      const paypal = (orderBody(change, 'w1', description, {}) as { purchase_units: { description: string }[] }).purchase_units[0]!.description;
      expect(paypal.length).toBeLessThanOrEqual(127);
      expect(endsOnBoundary(description, paypal)).toBe(true);
      const note = tagNote('w1', 'photo-deposit', 'photo', 'deposit', description);
      expect(readTag(note)).toEqual({ weddingId: 'w1', paymentId: 'photo-deposit', vendorId: 'photo', milestone: 'deposit' });
      expect(endsOnBoundary(description, note.slice(0, note.lastIndexOf(' [wedsync ')))).toBe(true);
      expect(isWellFormed(note)).toBe(true);
    }), { numRuns: 150 });
  });
});

describe('Outlook HTML bodies', () => {
  it('decode named and numeric references to whole characters, and references to no character as U+FFFD', () => {
    expect(htmlToText('<p>Bring &#128512; &#x1F603; caf&eacute; &amp; &lt;3&nbsp;!</p>')).toBe('Bring 😀 😃 café & <3 !');
    expect(htmlToText('a&#xD800;b&#x110000;c')).toBe('a\uFFFDb\uFFFDc');
    // The HTML standard reads numeric references to C1 controls (&#x80;–&#x9F;) as windows-1252
    // characters, as browsers and Outlook do: they cannot round-trip, and are checked here instead.
    expect(htmlToText('&#x82;&#128;&#x9F;')).toBe('\u201A\u20AC\u0178');
    fc.assert(fc.property(unicodeText(80).filter((t) => !/[\u0080-\u009f]/.test(t)), (text) => {
      expect(htmlToText(`<div><p>${encodeHTML(text)}</p></div>`)).toBe(`${text}\n`.replace(/\u00a0/g, ' ').trim());
    }), { numRuns: 200 });
  });
});

describe('comparing synced text', () => {
  it('treats canonically equivalent spellings as the same value, and a lone surrogate as the U+FFFD peers store', () => {
    expect(sameField('title', 'Cafe\u0301 💍', 'Café 💍')).toBe(true);
    expect(sameField('notes', 'x\uD83D', 'x\uFFFD')).toBe(true);
    expect(sameField('title', 'Bring 😀', 'Bring 😃')).toBe(false);
    fc.assert(fc.property(unicodeText(60), unicodeText(60), (a, b) => {
      expect(sameField('notes', a, a.normalize('NFD'))).toBe(true);
      expect(sameField('notes', a, b)).toBe(a.normalize('NFC') === b.normalize('NFC'));
      expect(contentHash('timeline', project({ notes: a.normalize('NFD') }, ['notes']))).toBe(contentHash('timeline', project({ notes: a.normalize('NFC') }, ['notes'])));
    }));
  });
});

describe('generic webhooks: text both ways', () => {
  it('round-trips any Unicode text unchanged and writes lone surrogates as U+FFFD', () => {
    fc.assert(fc.property(fc.oneof(unicodeText(60), utf16Units(60)), fc.oneof(unicodeText(200), utf16Units(60)), (title, notes) => {
      const change: OutboundChange = { op: 'upsert', entity: 'timeline', entityId: 'e1', externalId: null, version: null, data: { title, notes, start: '2027-06-12T10:00:00Z', end: '2027-06-12T11:00:00Z' } };
      const wire = JSON.stringify(toEnvelope(change, 0, 'w1'));
      expect(wire).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
      const [back] = webhookChanges(parseEnvelope(wire));
      expect(back).toMatchObject({ data: { title: wellFormed(title), notes: wellFormed(notes) } });
      // Inbound: a sender that escapes half a pair gets U+FFFD, not a lone surrogate in the document.
      const [inbound] = webhookChanges(parseEnvelope(JSON.stringify({ type: 'timeline.upserted', timestamp: '2027-01-01T00:00:00Z', data: { id: 'e1', title, notes } })));
      expect(inbound).toMatchObject({ data: { title: wellFormed(title), notes: wellFormed(notes) } });
    }));
  });
});
