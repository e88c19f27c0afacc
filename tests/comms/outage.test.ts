import { describe, expect, it } from 'vitest';
import type { EmergencyResponse, SendResponse } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectMessaging, postJson, seedWedding, startCommsSandboxes } from './helpers.ts';
import { serverSql } from '../helpers/test-backend.ts';

const START = Date.parse('2027-06-12T09:00:00Z');

describe('providers that are down for a while', () => {
  it('nothing is lost and nothing is sent twice: SMTP 421, Twilio 500s and Slack down, then all recover', async () => {
    let now = START;
    const t = await startTestServer({ now: () => now, env: { RETRY_SCHEDULE_MS: '1000,5000,30000' } });
    const planner = await t.token('planner', ['w1']);
    const sb = await startCommsSandboxes();
    await seedWedding(t, planner, 'w1', {
      vendors: [
        { id: 'photo', name: 'Lens & Light', category: 'photographer', email: 'photo@example.com', preferredChannels: ['email'] },
        { id: 'band', name: 'The Band', category: 'band', phone: '+447700900401', preferredChannels: ['sms'] },
        { id: 'florist', name: 'Petal Co', category: 'florist', preferredChannels: ['slack'] },
      ],
    });
    const conn = await connectMessaging(t, planner, 'w1', sb, { slack: ['florist'] });
    const client = await t.connect('w1', planner);
    await client.whenSynced();

    sb.smtp.failNext(2, 421);
    sb.twilio.http.failNext(3, 500, { path: /Messages\.json$/ });
    sb.slack.http.down = true;
    const res = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['*'], subject: 'Rehearsal', body: 'Rehearsal at 17:00 on Friday.' });
    const id = res.body.message.id;

    // Each send fails and waits for its retry; the failures are on the message for everyone to see.
    await waitFor(() => {
      const d = client.doc.getMessage(id)?.deliveries;
      return d?.['photo/email']?.status === 'retrying' && d['band/sms']?.status === 'retrying' && d['florist/slack']?.status === 'retrying';
    }, 'first attempts failed');
    expect(client.doc.getMessage(id)!.deliveries['photo/email']!.error).toContain('SMTP 421');
    expect(client.doc.getMessage(id)!.deliveries['florist/slack']!.error).toContain('503');

    // Time passes (the bridge's clock): retries run as they fall due; Slack comes back part way through.
    const dueLeft = (at: number) => serverSql(t.server).value(`SELECT count(*) FROM outbox WHERE status IN ('pending', 'inflight') AND next_attempt_at <= ?`, at);
    const done = () => ['photo/email', 'band/sms', 'florist/slack'].every((k) => ['sent', 'delivered'].includes(client.doc.getMessage(id)!.deliveries[k]!.status));
    for (let step = 0; step < 30 && !done(); step++) {
      now += 10_000;
      if (step === 6) sb.slack.http.down = false;
      await waitFor(async () => (await dueLeft(now)) === 0, 'due retries processed');
    }
    await waitFor(done, 'all delivered after recovery');

    // Exactly once each at the provider.
    expect(sb.smtp.to('photo@example.com')).toHaveLength(1);
    expect(sb.smtp.refused).toHaveLength(2);
    expect(sb.twilio.to('+447700900401')).toHaveLength(1);
    expect(sb.slack.in(conn.slackChannel.florist!)).toHaveLength(1);
    expect(client.doc.getMessage(id)!.deliveries['band/sms']!.attempts).toBe(4);
  });

  it('wedding-day mode: emergencies leave the outbox before the backlog that built up while a provider was down', async () => {
    let now = START;
    // One failure per row here, so the breaker stays closed and every row makes its first attempt.
    const t = await startTestServer({ now: () => now, env: { BREAKER_THRESHOLD: '100' } });
    const planner = await t.token('planner', ['w2']);
    const sb = await startCommsSandboxes();
    const vendorList = Array.from({ length: 8 }, (_, i) => ({ id: `v${i}`, name: `Vendor ${i}`, category: 'other' as const, email: `v${i}@example.com`, preferredChannels: ['email' as const] }));
    await seedWedding(t, planner, 'w2', { meta: { weddingDayMode: true }, vendors: vendorList });
    await connectMessaging(t, planner, 'w2', sb);
    sb.smtp.down = true;
    const update = await postJson<SendResponse>(t, '/api/weddings/w2/messages', planner, { recipientIds: ['*'], subject: 'Parking', body: 'Vendor parking is behind the barn.' });
    const emergency = await postJson<EmergencyResponse>(t, '/api/weddings/w2/emergency', planner, { kind: 'medical', severity: 'critical', message: 'Medical emergency at the barn: keep the drive clear.', affectedVendorIds: ['v5', 'v6', 'v7'] });
    expect(emergency.status).toBe(201);
    const rows = await serverSql(t.server).rows(`SELECT priority, count(*) AS n FROM outbox WHERE kind = 'message' GROUP BY priority ORDER BY priority`);
    expect(rows).toEqual([{ priority: 10, n: 8 }, { priority: 100, n: 3 }]);
    // Every first attempt fails while the mail server is down.
    await waitFor(async () => (await serverSql(t.server).value(`SELECT count(*) FROM outbox WHERE kind = 'message' AND attempts >= 1`)) === 11, 'first attempts made');

    // The server is back and every retry is due at once: the emergency goes first.
    sb.smtp.down = false;
    now += 30 * 60_000;
    await waitFor(() => sb.smtp.received.length === 11, 'all mail delivered');
    const order = sb.smtp.received.map((m) => (m.subject.startsWith('URGENT: Medical emergency') ? 'emergency' : 'update'));
    expect(order.slice(0, 3)).toEqual(['emergency', 'emergency', 'emergency']);
    expect(update.body.message.priority).toBe('normal');
  });

  it('an emergency queued while a burst is being delivered goes out next, not after the burst', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w3']);
    const sb = await startCommsSandboxes();
    const vendorList = Array.from({ length: 10 }, (_, i) => ({ id: `v${i}`, name: `Vendor ${i}`, category: 'other' as const, email: `v${i}@example.com`, preferredChannels: ['email' as const] }));
    await seedWedding(t, planner, 'w3', { meta: { weddingDayMode: true }, vendors: vendorList });
    await connectMessaging(t, planner, 'w3', sb);
    // The first mail of the burst is held by the server, so the rest of the burst waits behind it.
    sb.smtp.holdData();
    await postJson(t, '/api/weddings/w3/messages', planner, { recipientIds: ['*'], subject: 'Timings', body: 'Speeches at 19:00.' });
    await waitFor(() => sb.smtp.heldCount === 1, 'first mail of the burst under way');
    await postJson(t, '/api/weddings/w3/emergency', planner, { kind: 'other', severity: 'critical', message: 'Fire alarm: leave by the east doors.', affectedVendorIds: ['v9'] });
    sb.smtp.release();
    await waitFor(() => sb.smtp.received.length === 11, 'burst and emergency delivered');
    const order = sb.smtp.received.map((m) => (m.subject.startsWith('URGENT') ? 'emergency' : 'update'));
    expect(order.slice(0, 2)).toEqual(['update', 'emergency']);
  });
});
