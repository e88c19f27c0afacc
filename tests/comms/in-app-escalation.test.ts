import { describe, expect, it } from 'vitest';
import { WeddingDoc, type EmergencyResponse, type Message, type MessageStatusResponse } from '../../schema/index.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectMessaging, getJson, postJson, seedWedding, startCommsSandboxes } from './helpers.ts';

const START = Date.parse('2027-06-12T09:00:00Z');
const PERIOD_S = 600;

const vendors = [
  { id: 'photo', name: 'Lens & Light', category: 'photographer' as const, email: 'photo@example.com', preferredChannels: ['email' as const] },
  { id: 'florist', name: 'Petal Works', category: 'florist' as const, phone: '+447700900402', preferredChannels: ['sms' as const] },
  { id: 'caterer', name: 'Cater Co', category: 'caterer' as const, email: 'food@example.com' },
];
const contacts = [
  { id: 'pat', name: 'Pat Planner', role: 'planner' as const, email: 'pat@example.com' },
  { id: 'chloe', name: 'Chloe', role: 'coordinator' as const, email: 'chloe@example.com' },
];

const reports = (t: TestServer, weddingId: string): Promise<Message[]> =>
  t.server.bridge.withDocument(weddingId, (doc) => new WeddingDoc(doc).listMessages().filter((m) => m.type === 'escalation.unacknowledged'));

/** A look by the escalation runner at the clock's current time (a tick already running may have read the clock before it moved). */
async function look(t: TestServer): Promise<void> {
  await t.server.comms.tick();
  await t.server.comms.tick();
}

describe('escalation when every channel has been tried', () => {
  it('with in-app as the only channel, waits the escalation period before telling the planners, and names only who has not acknowledged', async () => {
    let now = START;
    // The period is the server setting (EMERGENCY_ESCALATE_AFTER_S); the request leaves it out.
    const t = await startTestServer({ now: () => now, env: { EMERGENCY_ESCALATE_AFTER_S: String(PERIOD_S) } });
    const planner = await t.token('planner', ['w1'], { sub: 'pat' });
    // No outside channel is connected: everyone gets the emergency in-app only.
    await seedWedding(t, planner, 'w1', { meta: { title: 'Ana & Ben', date: '2027-06-12' }, vendors, contacts });
    const res = await postJson<EmergencyResponse>(t, '/api/weddings/w1/emergency', planner, { kind: 'weather', severity: 'high', message: 'Storm from 14:00: the ceremony moves indoors.' });
    expect(res.status).toBe(201);
    const id = res.body.message.id;
    expect(res.body.message.escalateAfterSeconds).toBe(PERIOD_S);
    expect(new Set(res.body.recipients.flatMap((r) => r.deliveries.filter((d) => d.status !== 'skipped').map((d) => d.channel)))).toEqual(new Set(['wedsync_chat']));

    // At once, and one second before the period is over: nobody is reported, the next look is at the period's end.
    await look(t);
    expect(await reports(t, 'w1')).toEqual([]);
    now += (PERIOD_S - 1) * 1000;
    await look(t);
    expect(await reports(t, 'w1')).toEqual([]);
    const early = await getJson<MessageStatusResponse>(t, `/api/weddings/w1/messages/${id}`, planner);
    expect(early.body).toMatchObject({ unreachable: [], nextEscalationAt: new Date(START + PERIOD_S * 1000).toISOString() });

    // Two acknowledge in time (the photographer, and Chloe in the app).
    const photo = await t.token('vendor', ['w1'], { vendorId: 'photo' });
    expect((await postJson(t, `/api/weddings/w1/messages/${id}/ack`, photo, {})).status).toBe(200);
    expect((await postJson(t, `/api/weddings/w1/messages/${id}/ack`, planner, { recipientId: 'chloe' })).status).toBe(200);

    // Past the period: one report, to the planners, naming only the two who did not acknowledge.
    now += 2000;
    await look(t);
    const [report, ...more] = await waitFor(async () => { const r = await reports(t, 'w1'); return r.length ? r : null; }, 'planners told');
    expect(more).toEqual([]);
    expect(report!.body).toBe('Cater Co, Petal Works have not acknowledged “Weather emergency” after every channel was tried. Please call them.');
    expect(report!.recipientIds.sort()).toEqual(['chloe', 'pat']);
    const final = await getJson<MessageStatusResponse>(t, `/api/weddings/w1/messages/${id}`, planner);
    expect(final.body.nextEscalationAt).toBeNull();
    expect([...final.body.unreachable].sort()).toEqual(['caterer', 'florist']);
  });

  it('with one outside channel that fails at once, still waits the period after that wave before telling the planners', async () => {
    let now = START;
    const t = await startTestServer({ now: () => now });
    const planner = await t.token('planner', ['w2'], { sub: 'pat' });
    const sb = await startCommsSandboxes();
    // The florist has a phone only: SMS, then WhatsApp on the same handset; both fail.
    sb.twilio.undeliverable.add('+447700900402');
    await seedWedding(t, planner, 'w2', { vendors: [vendors[1]!], contacts: [contacts[0]!] });
    await connectMessaging(t, planner, 'w2', sb);
    const res = await postJson<EmergencyResponse>(t, '/api/weddings/w2/emergency', planner, { kind: 'venue_change', severity: 'critical', message: 'Venue flooded.', escalateAfterSeconds: PERIOD_S, includeContacts: false });
    const id = res.body.message.id;
    const client = await t.connect('w2', planner);
    await client.whenSynced();
    await waitFor(() => client.doc.getMessage(id)?.deliveries['florist/sms']?.status === 'failed', 'SMS undeliverable');
    await look(t);
    await waitFor(() => client.doc.getMessage(id)?.deliveries['florist/whatsapp']?.status === 'failed', 'WhatsApp undeliverable');
    // Nothing is left to try, but the WhatsApp wave is not yet a period old.
    await look(t);
    expect(await reports(t, 'w2')).toEqual([]);
    now += (PERIOD_S - 1) * 1000;
    await look(t);
    expect(await reports(t, 'w2')).toEqual([]);
    now += 2000;
    await look(t);
    const [report] = await waitFor(async () => { const r = await reports(t, 'w2'); return r.length ? r : null; }, 'planner told');
    expect(report!.body).toContain('Petal Works has not acknowledged “Venue change”');
  });
});
