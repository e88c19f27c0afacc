import { describe, expect, it } from 'vitest';
import { presetFor } from '../../adapters/presets/index.ts';
import type { BindingSummary, ConnectionResult } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, studio } from './helpers.ts';

const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };

const WEDDINGS = [
  { id: 'w-jane', meta: { title: 'Jane & John', date: '2026-06-13', timezone: 'America/Los_Angeles', venue: 'Rosewood Barn' }, start: '2026-06-13T14:00:00-07:00' },
] as const;

describe('a payment from a universal connection that names no vendor', () => {
  it('is the binding\'s vendor\'s, as a new calendar event is; a rotated secret URL refuses the old token at once', async () => {
    const t = await startTestServer({ env });
    const { alex, lens } = await studio(t, WEDDINGS);
    const as = await alex.accessToken('w-jane');
    // No `vendorId` in the configuration: the preset's payments carry none.
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as, { json: {
      workspaceId: lens.id, system: 'preset', label: 'HoneyBook via Zapier', configuration: { preset: 'honeybook', direction: 'inbound' },
    } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    const bound = await api<{ binding: BindingSummary }>(t, `/api/connections/${connected.body.connectionId}/bindings`, as, { json: { weddingId: 'w-jane', references: ['hb-jane'] } });
    expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    expect(bound.body.binding.vendorId).toBe('photo');

    const paid = { ...structuredClone(presetFor('honeybook').triggers.find((x) => x.id === 'new_payment_paid')!.example), project_id: 'hb-jane' };
    const post = (url: string, body: unknown) => fetch(`${url}&trigger=new_payment_paid`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(connected.body.secretUrl!, paid)).status).toBe(200);
    const jane = await t.connect('w-jane', as);
    await waitFor(() => jane.doc.listPayments().length === 1, 'the payment in the wedding');
    expect(jane.doc.listPayments()[0]).toMatchObject({ vendorId: 'photo', amount: 250000, status: 'paid' });

    // Rotation: the old URL is refused from the answer on, the new one is taken.
    const rotation = await api<{ secretUrl: string }>(t, `/api/connections/${connected.body.connectionId}/rotate-url-token`, as, { method: 'POST' });
    expect(rotation.status).toBe(200);
    expect((await post(connected.body.secretUrl!, { ...paid, payment_id: 'old' })).status).toBe(401);
    expect((await post(rotation.body.secretUrl, { ...paid, payment_id: 'new', amount: '10.00' })).status).toBe(200);
    await waitFor(() => jane.doc.listPayments().length === 2, 'the payment sent to the new URL');
    expect(jane.doc.listPayments().every((p) => p.vendorId === 'photo')).toBe(true);
    // A wedding's own universal connection gets its secret URL the same way, once.
    const plain = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as, { json: { weddingId: 'w-jane', system: 'webhooks', configuration: { direction: 'inbound' } } });
    expect(plain.status, JSON.stringify(plain.body)).toBe(201);
    expect(plain.body.secretUrl).toMatch(/\?token=[A-Za-z0-9_-]{43}$/);
  });
});
