import { describe, expect, it } from 'vitest';
import { SmtpSandbox } from '../../adapters/email/sandbox.ts';
import type { MessageListResponse, MessageStatusResponse, SendResponse } from '../../schema/index.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectIntegration, getJson, postJson, seedWedding } from './helpers.ts';

const error = (body: unknown) => (body as { error?: { code?: string } }).error?.code;

describe('replies: a vendor or the couple answers a message to them', () => {
  it('the photographer’s reply reaches the planner who wrote (by e-mail too), not the other planner; the couple’s answer to an operator’s message reaches every planner; each side lists its own replies only', async () => {
    const t = await startTestServer();
    const pat = await signedIn(t, 'pat@studio.example', 'Pat Planner');
    const ben = await signedIn(t, 'ben@studio.example', 'Ben Second');
    const studio = await workspaceWith(t, pat, 'Pat Studio', ['w1']);
    await t.server.people.addMember(studio.id, ben.person.id, 'member');
    const planner = await pat.accessToken('w1');
    await seedWedding(t, planner, 'w1', {
      meta: { title: 'Ana & Ben', timezone: 'Europe/London', date: '2027-06-12' },
      vendors: [
        { id: 'photo', name: 'Lens & Light', category: 'photographer', email: 'photo@example.com' },
        { id: 'florist', name: 'Petal Co', category: 'florist', email: 'petal@example.com' },
      ],
      contacts: [{ id: 'couple', name: 'Ana & Ben', role: 'couple', email: 'ana.ben@example.com' }],
    });
    const smtp = await new SmtpSandbox().start();
    registerTeardown(() => smtp.stop());
    await connectIntegration(t, planner, { weddingId: 'w1', system: 'email', configuration: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: { name: 'Ana & Ben', address: 'wedding@example.com' } } });
    const sent = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['photo', 'couple'], subject: 'Final timings', body: 'Doors open at 13:30.', requiresAck: true });
    expect(sent.status).toBe(201);
    const timings = sent.body.message.id;
    const admin = await t.token('admin', ['w1'], { sub: 'operator' });
    const fromOperator = (await postJson<SendResponse>(t, '/api/weddings/w1/messages', admin, { recipientIds: ['couple'], body: 'Your guest list is due on Friday.' })).body.message.id;

    const photo = await t.token('vendor', ['w1'], { sub: 'priya', name: 'Priya Shah', vendorId: 'photo' });
    const florist = await t.token('vendor', ['w1'], { sub: 'flo', vendorId: 'florist' });
    const couple = await t.token('couple', ['w1'], { sub: 'ana', name: 'Ana' });

    // The photographer answers: to Pat, who wrote, on their channels; nothing to Ben.
    const reply = await postJson<SendResponse>(t, `/api/weddings/w1/messages/${timings}/reply`, photo, { body: '  Can we arrive at 13:00 instead?  ' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.message).toMatchObject({
      senderId: 'priya', type: 'reply', subject: 'Re: Final timings (from Priya Shah, Lens & Light)', body: 'Can we arrive at 13:00 instead?', requiresAck: false,
      context: { inReplyTo: timings, fromName: 'Priya Shah', fromRole: 'vendor', vendorId: 'photo' },
    });
    expect(reply.body.recipients.map((r) => r.id)).toEqual([pat.person.id]);
    const mail = await waitFor(() => smtp.to('pat@studio.example').find((m) => m.subject.startsWith('Re: Final timings')), 'the reply e-mailed to Pat');
    expect(mail.text).toContain('Can we arrive at 13:00 instead?');
    expect(smtp.to('ben@studio.example')).toEqual([]);

    // An operator's message (no planner contact wrote it): the couple's answer reaches every planner.
    const answer = await postJson<SendResponse>(t, `/api/weddings/w1/messages/${fromOperator}/reply`, couple, { body: 'Done, sent it today.' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body.recipients.map((r) => r.id).sort()).toEqual([pat.person.id, ben.person.id].sort());
    expect(answer.body.message).toMatchObject({ subject: 'Re: Your guest list is due on Friday. (from Ana, the couple)', context: { fromName: 'Ana', fromRole: 'couple' } });

    // Each lists its own side's replies beside its messages; nobody else's.
    const list = async (token: string) => (await getJson<MessageListResponse>(t, '/api/weddings/w1/messages', token)).body.messages.map((m) => m.message.subject || m.message.body);
    expect(await list(photo)).toEqual(['Re: Final timings (from Priya Shah, Lens & Light)', 'Final timings']);
    expect(await list(await t.token('couple', ['w1'], { sub: 'partner' }))).toEqual(['Re: Your guest list is due on Friday. (from Ana, the couple)', 'Your guest list is due on Friday.', 'Final timings']);
    expect(await list(florist)).toEqual([]);
    expect((await list(planner)).slice(0, 2)).toEqual(['Re: Your guest list is due on Friday. (from Ana, the couple)', 'Re: Final timings (from Priya Shah, Lens & Light)']);
    // Their own reply is listed with whom it went to, not the planners' acknowledgements or the sends' details.
    const own = (await getJson<MessageListResponse>(t, '/api/weddings/w1/messages', photo)).body.messages[0]!;
    expect([own.message.deliveries, own.message.acks, own.recipients.map((r) => [r.name, r.deliveries])]).toEqual([{}, {}, [['Pat Planner', []]]]);
    // Opened on its own, a reply a side can list reads the same; another side's reply is not theirs to open.
    const opened = await getJson<MessageStatusResponse>(t, `/api/weddings/w1/messages/${reply.body.message.id}`, photo);
    expect(opened.status, JSON.stringify(opened.body)).toBe(200);
    expect([opened.body.message, opened.body.recipients, opened.body.waitingFor]).toEqual([own.message, own.recipients, []]);
    expect((await getJson<MessageStatusResponse>(t, `/api/weddings/w1/messages/${answer.body.message.id}`, await t.token('couple', ['w1'], { sub: 'partner' }))).status).toBe(200);
    for (const [token, id] of [[florist, reply.body.message.id], [couple, reply.body.message.id], [photo, answer.body.message.id]] as const) {
      const res = await getJson(t, `/api/weddings/w1/messages/${id}`, token);
      expect([res.status, error(res.body)]).toEqual([404, 'message_not_found']);
    }

    // Pat leaves the studio: a reply to the message Pat wrote goes to the wedding's planners now (Ben), never to Pat.
    await t.server.people.removeMember(studio.id, pat.person.id);
    const afterLeaving = await postJson<SendResponse>(t, `/api/weddings/w1/messages/${timings}/reply`, photo, { body: 'Still 13:00?' });
    expect(afterLeaving.status, JSON.stringify(afterLeaving.body)).toBe(201);
    expect(afterLeaving.body.recipients.map((r) => r.id)).toEqual([ben.person.id]);

    // Refused, typed, and nothing written: a message not to them, planners, viewers, an empty or oversized body.
    const refusals: [string, string, unknown, number, string][] = [
      [florist, timings, { body: 'Me too?' }, 404, 'message_not_found'],
      [photo, 'msg_missing', { body: 'Hello' }, 404, 'message_not_found'],
      [await ben.accessToken('w1'), timings, { body: 'Reply to myself' }, 403, 'role_forbidden'],
      [await t.token('viewer', ['w1'], { sub: 'guest' }), timings, { body: 'Hi' }, 403, 'role_forbidden'],
      [photo, timings, { body: '   ' }, 400, 'validation_failed'],
      [photo, timings, { body: 'x'.repeat(4001) }, 400, 'validation_failed'],
      [photo, timings, { body: 'Hi', to: 'everyone' }, 400, 'validation_failed'],
      [await t.token('vendor', ['w2'], { vendorId: 'photo' }), timings, { body: 'Hi' }, 403, 'wedding_forbidden'],
    ];
    for (const [token, id, body, status, code] of refusals) {
      const res = await postJson(t, `/api/weddings/w1/messages/${id}/reply`, token, body);
      expect([res.status, error(res.body)], JSON.stringify(body)).toEqual([status, code]);
    }
    expect((await list(await ben.accessToken('w1'))).filter((s) => s.startsWith('Re:'))).toHaveLength(3);
  });

  it('one person’s replies on a wedding have a budget of their own: past it 429 with Retry-After and nothing written; others still reply', async () => {
    const t = await startTestServer({ env: { REPLIES_PER_SENDER_PER_HOUR: '3' } });
    const pat = await signedIn(t, 'pat@studio.example', 'Pat Planner');
    await workspaceWith(t, pat, 'Pat Studio', ['w1']);
    const planner = await pat.accessToken('w1');
    await seedWedding(t, planner, 'w1', {
      meta: { title: 'Ana & Ben', timezone: 'Europe/London', date: '2027-06-12' },
      vendors: [{ id: 'photo', name: 'Lens & Light', category: 'photographer', email: 'photo@example.com' }],
      contacts: [{ id: 'couple', name: 'Ana & Ben', role: 'couple', email: 'ana.ben@example.com' }],
    });
    const id = (await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['photo', 'couple'], subject: 'Final timings', body: 'Doors open at 13:30.' })).body.message.id;
    const photo = await t.token('vendor', ['w1'], { sub: 'priya', vendorId: 'photo' });
    for (let i = 1; i <= 3; i++) expect((await postJson(t, `/api/weddings/w1/messages/${id}/reply`, photo, { body: `Reply ${i}` })).status).toBe(201);
    const over = await t.fetch(`/api/weddings/w1/messages/${id}/reply`, { method: 'POST', token: photo, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body: 'Reply 4' }) });
    expect([over.status, error(await over.json())]).toEqual([429, 'rate_limited']);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(60);
    // The same person with a fresh token is the same sender; the couple has a budget of its own.
    expect((await postJson(t, `/api/weddings/w1/messages/${id}/reply`, await t.token('vendor', ['w1'], { sub: 'priya', vendorId: 'photo' }), { body: 'Reply 5' })).status).toBe(429);
    expect((await postJson(t, `/api/weddings/w1/messages/${id}/reply`, await t.token('couple', ['w1'], { sub: 'ana' }), { body: 'From Ana' })).status).toBe(201);
    const bodies = (await getJson<MessageListResponse>(t, '/api/weddings/w1/messages', planner)).body.messages.map((m) => m.message.body);
    expect(bodies.filter((b) => b.startsWith('Reply')).sort()).toEqual(['Reply 1', 'Reply 2', 'Reply 3']);
    expect(await (await t.fetch('/metrics')).text()).toMatch(/wedsync_rate_limited_total\{limit="reply"\} 2/);
  });
});
