import { describe, expect, it } from 'vitest';
import type { SendResponse } from '../../schema/index.ts';
import { useTwoInstances } from '../helpers/two-instances.ts';
import { waitFor } from '../helpers/wait.ts';
import { postJson, seedWedding } from '../comms/helpers.ts';

/**
 * Links whose credential names the wedding, not their path, opened through whichever instance the
 * balancer picks: the florist taps "I have seen this" in an e-mail, a vendor's phone refreshes the
 * wedding's calendar feed. The wedding is live on instance A; the requests reach B, which passes
 * them to A (owner-forwarding.ts `weddingNamedBy`) instead of answering 503.
 */
describe('acknowledgement links and calendar feeds through an instance that does not hold the wedding', () => {
  const cluster = useTwoInstances();

  it('an acknowledgement link opened and confirmed through B reaches the message on A', async () => {
    const { a, b } = cluster();
    const planner = await a.token('planner', ['w1']);
    await seedWedding(a, planner, 'w1', { meta: { title: 'Ana & Ben', timezone: 'Europe/London' }, vendors: [{ id: 'florist', name: 'Petal & Stem', category: 'florist', email: 'petals@example.com' }] });
    // The planner's client keeps the wedding live on A.
    const onA = await a.connect('w1', planner);
    await onA.whenSynced();
    const sent = await postJson<SendResponse>(a, '/api/weddings/w1/messages', planner, { recipientIds: ['florist'], subject: 'Arch', body: 'The arch goes up at 13:00.' });
    expect(sent.status).toBe(201);
    const messageId = sent.body.message.id;
    const token = a.server.comms.ackLinks.token({ weddingId: 'w1', messageId, recipientId: 'florist' });

    const shown = await b.fetch(`/api/comms/ack/${token}`, { headers: { accept: 'application/json' } });
    expect(shown.status).toBe(200);
    expect(await shown.json()).toEqual({ messageId, subject: 'Arch', acknowledgedAt: null });
    const confirmed = await b.fetch(`/api/comms/ack/${token}`, { method: 'POST', headers: { accept: 'application/json' } });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toMatchObject({ messageId, recipientId: 'florist', acknowledgedAt: expect.any(String) });
    await waitFor(() => onA.doc.listMessages().find((m) => m.id === messageId)?.acks.florist, 'the acknowledgement on the planner\'s screen');

    // A forged token names no wedding: B answers it itself, as A would.
    const forged = await b.fetch(`/api/comms/ack/${token.slice(0, -4)}AAAA`, { headers: { accept: 'application/json' } });
    expect(forged.status).toBe(404);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('invalid_ack_link');
  });

  it('a calendar feed fetched through B is the wedding as A holds it', async () => {
    const { a, b } = cluster();
    const planner = await a.token('planner', ['w2']);
    await seedWedding(a, planner, 'w2', { meta: { title: 'Cleo & Dev', timezone: 'Europe/London', date: '2027-07-03' } });
    const onA = await a.connect('w2', planner);
    await onA.whenSynced();
    onA.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-07-03T14:00:00.000Z', end: '2027-07-03T14:45:00.000Z' });
    await onA.whenAcknowledged();
    const created = await a.fetch('/api/calendar/feeds', { method: 'POST', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weddingId: 'w2' }) });
    expect(created.status).toBe(201);
    const file = /\/calendar\/(wsf_[A-Za-z0-9_-]+\.ics)/.exec(((await created.json()) as { url: string }).url)![1];

    const feed = await b.fetch(`/calendar/${file}`);
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toContain('text/calendar');
    expect(await feed.text()).toContain('SUMMARY:Ceremony');
    // Moved on A, fetched again through B: the new time.
    onA.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-07-03T14:30:00.000Z', end: '2027-07-03T15:15:00.000Z' });
    await onA.whenAcknowledged();
    expect(await (await b.fetch(`/calendar/${file}`)).text()).toContain('DTSTART;TZID=Europe/London:20270703T153000');
    // A revoked or unknown feed is B's to answer: 404.
    expect((await b.fetch('/calendar/wsf_AAAAAAAAAAAAAAAAAAAAAAAA.ics')).status).toBe(404);
  });
});
