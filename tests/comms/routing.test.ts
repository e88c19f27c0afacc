import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { WeddingDoc, type Message } from '../../schema/index.ts';
import { escalationStep } from '../../server/comms/escalation.ts';
import { firstWave, ladder, personOfVendor, type Router } from '../../server/comms/recipients.ts';

const router: Router = (person, channel) => {
  const reach: Record<string, boolean> = { email: !!person.email, sms: !!person.phone, whatsapp: !!person.phone, slack: person.id === 'florist', teams: false };
  return reach[channel] ? { integrationId: `int-${channel}`, address: `${channel}:${person.id}` } : null;
};

describe('who gets what on which channel', () => {
  const florist = personOfVendor({ id: 'florist', name: 'Petal Co', category: 'florist', email: 'p@example.com', phone: '+447700900001', preferredChannels: ['slack', 'email', 'vendor_crm'], status: 'booked', links: {} });
  const dj = personOfVendor({ id: 'dj', name: 'DJ', category: 'dj', email: 'dj@example.com', phone: '', preferredChannels: [], status: 'booked', links: {} });

  it('the ladder: the person\'s own list first, then the channels people notice soonest', () => {
    expect(ladder(florist, router).map((x) => x.channel)).toEqual(['slack', 'email', 'sms', 'whatsapp']);
    expect(ladder(dj, router).map((x) => x.channel)).toEqual(['email']);
    expect(ladder(florist, router, ['email', 'sms']).map((x) => x.channel)).toEqual(['email', 'sms']);
  });

  it('first wave: the first channel, or for a broadcast every channel the person listed', () => {
    expect(firstWave(florist, router, { broadcast: false }).map((x) => x.channel)).toEqual(['slack']);
    expect(firstWave(florist, router, { broadcast: true }).map((x) => x.channel)).toEqual(['slack', 'email']);
    expect(firstWave(dj, router, { broadcast: true }).map((x) => x.channel)).toEqual(['email']);
  });

  it('escalation: only unacknowledged people, only after the delay (or at once when the wave failed), next untried channel', () => {
    const w = new WeddingDoc(new Y.Doc());
    w.upsertVendor({ id: 'florist', name: 'Petal Co', category: 'florist', email: 'p@example.com', phone: '+447700900001', preferredChannels: ['slack'] });
    w.upsertVendor({ id: 'dj', name: 'DJ', category: 'dj', email: 'dj@example.com' });
    const t0 = '2027-06-12T09:00:00.000Z';
    const d = (recipientId: string, channel: Message['channels'][number], status: 'sent' | 'failed', level = 0) => ({ recipientId, channel, status, queuedAt: t0, at: t0, level, integrationId: 'i', providerId: null, attempts: 1, error: null });
    const message = w.appendMessage({
      id: 'm1', at: t0, senderId: 'pat', recipientIds: ['florist', 'dj'], body: 'x', type: 'emergency.weather', requiresAck: true, escalateAfterSeconds: 600,
      deliveries: { 'florist/slack': d('florist', 'slack', 'sent'), 'dj/email': d('dj', 'email', 'sent') },
    });
    const at = (s: number) => Date.parse(t0) + s * 1000;
    expect(escalationStep(w, message, at(599), router, new Set())).toEqual({ next: [], exhausted: [], checkAt: at(600) });
    const step = escalationStep(w, message, at(600), router, new Set());
    expect(step.next.map((x) => `${x.recipientId}/${x.channel}@${x.level}`)).toEqual(['florist/sms@1']);
    expect(step.exhausted).toEqual(['dj']);
    expect(step.checkAt).toBe(at(1200));
    // Acknowledged: left alone.
    w.acknowledgeMessage('m1', 'florist', t0);
    expect(escalationStep(w, w.getMessage('m1')!, at(600), router, new Set(['dj']))).toEqual({ next: [], exhausted: [], checkAt: null });
    // A wave that failed does not wait for the delay.
    const failed = w.appendMessage({ id: 'm2', at: t0, senderId: 'pat', recipientIds: ['florist'], body: 'x', type: 't', requiresAck: true, escalateAfterSeconds: 600, deliveries: { 'florist/slack': d('florist', 'slack', 'failed') } });
    expect(escalationStep(w, failed, at(1), router, new Set()).next.map((x) => x.channel)).toEqual(['sms']);
  });

  it('a late status never moves a send backwards, while a replayed dead send may still succeed', () => {
    const w = new WeddingDoc(new Y.Doc());
    const t0 = '2027-06-12T09:00:00.000Z';
    const base = { recipientId: 'r', channel: 'sms' as const, queuedAt: t0, at: t0, level: 0, integrationId: 'i', providerId: null, attempts: 1, error: null };
    w.appendMessage({ id: 'm', at: t0, senderId: 's', recipientIds: ['r'], body: 'x', type: 't', deliveries: { 'r/sms': { ...base, status: 'queued' } } });
    expect(w.recordDelivery('m', { ...base, status: 'delivered', providerId: 'SM1' }).status).toBe('delivered');
    expect(w.recordDelivery('m', { ...base, status: 'sent', attempts: 2 })).toMatchObject({ status: 'delivered', attempts: 2, providerId: 'SM1' });
    expect(w.recordDelivery('m', { ...base, status: 'read' }).status).toBe('read');
    w.appendMessage({ id: 'm2', at: t0, senderId: 's', recipientIds: ['r'], body: 'x', type: 't', deliveries: { 'r/sms': { ...base, status: 'failed' } } });
    expect(w.recordDelivery('m2', { ...base, status: 'sent' }).status).toBe('sent');
  });
});
