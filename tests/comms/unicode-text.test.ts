import { describe, expect, it } from 'vitest';
import { isWellFormed, wellFormed, type SendResponse } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectMessaging, postJson, seedWedding, setNotificationMode, startCommsSandboxes } from './helpers.ts';

const vendors = [
  { id: 'photo', name: 'Zoë 📸', category: 'photographer' as const, email: 'photo@example.com', preferredChannels: ['email' as const] },
  { id: 'florist', name: 'Pétale 🌸', category: 'florist' as const, email: 'petal@example.com', preferredChannels: ['slack' as const] },
  { id: 'caterer', name: '婚礼 Cater', category: 'caterer' as const, email: 'food@example.com', preferredChannels: ['teams' as const] },
];

/** Every string in a JSON value, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

describe('text written out is well-formed Unicode', () => {
  it('messages reach e-mail, Slack and Teams with whole emoji, and a lone surrogate as U+FFFD', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1'], { sub: 'pat' });
    const sb = await startCommsSandboxes();
    await seedWedding(t, planner, 'w1', { meta: { title: 'Zoë & Ana 💍', timezone: 'Europe/London', date: '2027-06-12' }, vendors });
    const conn = await connectMessaging(t, planner, 'w1', sb, { slack: ['florist'], teams: ['caterer'] });
    // JSON carries a lone surrogate as an escape (`\ud83d`): the API accepts the string as it is.
    const subject = 'Fleurs 💐 \uD83D';
    const body = 'Bring 😃 and 👩‍👩‍👧‍👦, not \uDE00 half of one.';
    const sent = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['*'], subject, body });
    expect(sent.status).toBe(201);

    const mail = await waitFor(() => sb.smtp.to('photo@example.com')[0], 'mail to the photographer');
    expect(mail.subject).toBe(`${wellFormed(subject)} — Zoë & Ana 💍`);
    expect(mail.text.startsWith(wellFormed(body))).toBe(true);
    const post = await waitFor(() => sb.slack.in(conn.slackChannel.florist!)[0], 'Slack post');
    expect(post.text).toBe(`${wellFormed(subject)}: ${wellFormed(body)}`);
    for (const s of strings(post.blocks)) expect(isWellFormed(s)).toBe(true);
    const card = await waitFor(() => sb.teams.cardsFor(conn.teamsFlow.caterer!)[0], 'Teams card');
    for (const s of strings(card)) expect(isWellFormed(s)).toBe(true);
    expect(strings(card)).toContain(wellFormed(body));
  });

  it('the admin export holds only well-formed strings, emoji whole', async () => {
    const t = await startTestServer();
    const admin = await t.token('admin', ['*']);
    const c = await t.connect('w3', await t.token('planner', ['w3']));
    await c.whenSynced();
    c.doc.upsertEvent({ id: 'ceremony', title: 'Cérémonie 💍', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T15:00:00+01:00', notes: 'Bring 😀' });
    c.doc.upsertEvent({ id: 'ceremony', notes: 'Bring 😃 👩‍👩‍👧‍👦' });
    // A value written before writes were checked, straight into the shared type.
    c.doc.transact(() => c.doc.meta.set('venue', 'Barn \uD83D'));
    c.doc.upsertVendor({ id: 'dj', name: 'DJ 🎧', category: 'dj', email: 'dj@example.com' });
    await c.whenAcknowledged();
    // A server-side write: the message API keeps the string as the JSON escape gave it.
    const posted = await postJson<SendResponse>(t, '/api/weddings/w3/messages', await t.token('planner', ['w3']), { recipientIds: ['*'], subject: 'x \uDE00', body: 'Bring 😃 \uD83D' });
    expect(posted.status).toBe(201);
    const res = await t.fetch('/api/admin/weddings/w3/export', { token: admin });
    expect(res.status).toBe(200);
    const raw = new Uint8Array(await res.arrayBuffer());
    const text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    expect(text).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
    const body = JSON.parse(text) as { content: { timeline: Record<string, { title: string; notes: string }>; meta: { venue: string }; messages: { subject: string; body: string }[] } };
    for (const s of strings(body)) expect(isWellFormed(s)).toBe(true);
    expect(body.content.timeline.ceremony).toMatchObject({ title: 'Cérémonie 💍', notes: 'Bring 😃 👩‍👩‍👧‍👦' });
    expect(body.content.meta.venue.startsWith('Barn ')).toBe(true);
    expect(body.content.messages.at(-1)).toMatchObject({ subject: 'x \uFFFD', body: 'Bring 😃 \uFFFD' });
  });

  it('a message the server composes from long names is shortened to the schema\'s limits between graphemes, not refused', async () => {
    const t = await startTestServer({ env: { NOTIFY_QUIET_MINUTES: '0' } });
    const planner = await t.token('planner', ['w4'], { sub: 'pat' });
    // 199 UTF-16 units: the vendor's name alone nearly fills a subject.
    const name = `${'💐'.repeat(99)}x`;
    await seedWedding(t, planner, 'w4', {
      meta: { title: 'Zoë & Ana 💍', timezone: 'Europe/London', date: '2027-06-12' },
      vendors: [{ id: 'florist', name, category: 'florist', email: 'petal@example.com', status: 'booked' }],
      contacts: [{ id: 'planner', name: 'Pat', role: 'planner', email: 'pat@example.com', preferredChannels: ['email'] }],
    });
    await setNotificationMode(t, planner, 'w4', 'automatic');
    const plan = await postJson(t, '/api/weddings/w4/payments/plan', planner, { vendorId: 'florist', currency: 'GBP', total: 10_000, milestones: [{ milestone: 'deposit', weight: 1, due: '2027-03-01' }] });
    expect(plan.status).toBe(201);
    const paid = await postJson(t, '/api/weddings/w4/payments/florist-deposit/transactions', planner, { type: 'payment', amount: 10_000, currency: 'GBP' });
    expect(paid.status).toBe(200);
    const c = await t.connect('w4', planner);
    await c.whenSynced();
    const received = await waitFor(() => c.doc.listMessages().find((m) => m.type.startsWith('payment.') && m.subject.startsWith('Payment received')), 'the payment received message');
    expect(received.subject.length).toBeLessThanOrEqual(200);
    expect(received.subject.endsWith('…')).toBe(true);
    expect(isWellFormed(received.subject)).toBe(true);
    expect(received.subject.slice(0, -1)).toBe(`Payment received: £100.00 to ${name}`.slice(0, received.subject.length - 1));
  });
});
