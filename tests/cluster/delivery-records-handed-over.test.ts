import { describe, expect, it } from 'vitest';
import { SmtpSandbox } from '../../adapters/email/sandbox.ts';
import type { SendResponse } from '../../schema/index.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { useTwoInstances } from '../helpers/two-instances.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectIntegration, postJson, seedWedding } from '../comms/helpers.ts';

/**
 * The outbox is shared: the instance that sends a message is whichever claimed it, not always the
 * one where its wedding is live. The story: the planner, on instance A, messages the florist →
 * instance B sends the e-mail → the planner's screen on A says "sent", not "queued" forever.
 */
describe('a send made by an instance where its wedding is not live', () => {
  const cluster = useTwoInstances();

  it('is recorded on the message where the wedding is live, through its inbox', async () => {
    const { a, b } = cluster();
    const smtp = await new SmtpSandbox().start();
    registerTeardown(() => smtp.stop());
    const planner = await a.token('planner', ['w1']);
    await seedWedding(a, planner, 'w1', { meta: { title: 'Ana & Ben', timezone: 'Europe/London' }, vendors: [{ id: 'florist', name: 'Petal & Stem', category: 'florist', email: 'petals@example.com', preferredChannels: ['email'] }] });
    await connectIntegration(a, planner, { weddingId: 'w1', system: 'email', configuration: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: { name: 'Ana & Ben', address: 'wedding@example.com' } } });
    const onA = await a.connect('w1', planner);
    await onA.whenSynced();
    // A sends nothing from now on: B's outbox worker, ready beside it, takes the send.
    await a.server.bridge.outboxWorker.stop();
    expect((await b.fetch('/readyz')).status).toBe(200);

    const sent = await postJson<SendResponse>(a, '/api/weddings/w1/messages', planner, { recipientIds: ['florist'], channels: ['email'], subject: 'Arch', body: 'The arch goes up at 13:00.' });
    expect(sent.status).toBe(201);
    const messageId = sent.body.message.id;
    await waitFor(() => smtp.to('petals@example.com').length === 1, 'the e-mail, sent by B', 20_000);
    const delivery = () => onA.doc.getDeliveries(messageId, ['florist/email'])[0];
    await waitFor(() => delivery()?.status === 'sent', 'sent on the planner\'s screen', 20_000);
    expect(delivery()).toMatchObject({ status: 'sent', attempts: 1, providerId: expect.stringMatching(/.+/), error: null });
    // Once: one e-mail, and the record applied once.
    expect(smtp.to('petals@example.com')).toHaveLength(1);
  });
});
