import { describe, expect, it } from 'vitest';
import { standardWebhookHeaders } from '../../adapters/core/index.ts';
import { presetFor } from '../../adapters/presets/index.ts';
import { newSecretUrlToken } from '../../adapters/webhooks/secret-url.ts';
import type { ConnectionResult, UnmatchedSummary } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, studio } from './helpers.ts';

const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };

const WEDDINGS = [
  { id: 'w-jane', meta: { title: 'Jane & John', date: '2026-06-13', timezone: 'America/Los_Angeles', venue: 'Rosewood Barn' }, start: '2026-06-13T14:00:00-07:00' },
  { id: 'w-kai', meta: { title: 'Kai & Lee', date: '2026-07-18', timezone: 'America/Los_Angeles', venue: 'Pier 9' }, start: '2026-07-18T16:00:00-07:00' },
] as const;

/** What Zapier's "Webhooks by Zapier" POST action sends: plain JSON, no signature, to the URL the Zap names. */
function zapierPost(url: string, payload: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'Zapier' }, body: JSON.stringify(payload) });
}

describe('a studio\'s HoneyBook reaches its weddings through Zapier and a preset', () => {
  it('payments and bookings arrive at the secret URL, are routed by the project id, and the token rotates', async () => {
    const t = await startTestServer({ env });
    const { alex, lens } = await studio(t, WEDDINGS);
    const as = await alex.accessToken('w-jane');
    const honeybook = presetFor('honeybook');
    const example = (id: string) => structuredClone(honeybook.triggers.find((x) => x.id === id)!.example);

    // ── connect HoneyBook for the studio, inbound only: the server makes the secret URL and shows it once ──
    const chosen = await api<{ error: { code: string } }>(t, '/api/integrations/vendor/connect', as, { json: {
      workspaceId: lens.id, system: 'preset', label: 'HoneyBook via Zapier', configuration: { preset: 'honeybook', secretUrlToken: newSecretUrlToken() },
    } });
    expect(chosen.status).toBe(400);
    expect(chosen.body.error.code).toBe('invalid_config');
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as, { json: {
      workspaceId: lens.id, system: 'preset', label: 'HoneyBook via Zapier',
      configuration: { preset: 'honeybook', direction: 'inbound', timeZone: 'America/Los_Angeles', vendorId: 'photo' },
    } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    const { connectionId, webhookUrl } = connected.body;
    const secretUrl = new URL(connected.body.secretUrl!);
    expect(`${secretUrl.origin}${secretUrl.pathname}`).toBe(webhookUrl);
    const token = secretUrl.searchParams.get('token')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Never shown again: the connection's view has it redacted.
    const view = await api(t, `/api/connections/${connectionId}`, as);
    expect(JSON.stringify(view.body)).not.toContain(token);
    expect(JSON.stringify(view.body)).not.toContain('secretUrl"');
    const bound = await api(t, `/api/connections/${connectionId}/bindings`, as, { json: { weddingId: 'w-jane', references: ['hb-jane'] } });
    expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    await api(t, `/api/connections/${connectionId}/bindings`, await alex.accessToken('w-kai'), { json: { weddingId: 'w-kai', references: ['hb-kai'] } });
    const at = (trigger: string, tok = token) => `${webhookUrl}?token=${tok}&trigger=${encodeURIComponent(trigger)}`;

    // ── HoneyBook "New Payment Paid" for Jane & John's project → their budget, nothing in Kai & Lee's ──
    const paid = { ...example('new_payment_paid'), project_id: 'hb-jane' };
    const res = await zapierPost(at('New Payment Paid'), paid);
    expect(res.status, await res.clone().text()).toBe(200);
    const jane = await t.connect('w-jane', as);
    await waitFor(() => jane.doc.listPayments().length === 1, 'the payment in Jane & John\'s budget');
    expect(jane.doc.listPayments()[0]).toMatchObject({ vendorId: 'photo', amount: 250000, amountPaid: 250000, currency: 'USD', status: 'paid', milestone: 'deposit', paidAt: '2026-02-01T18:22:05+00:00' });
    const kai = await t.connect('w-kai', await alex.accessToken('w-kai'));
    await kai.whenSynced();
    expect(kai.doc.listPayments()).toEqual([]);

    // ── refused, and nothing applied: a wrong token, no trigger, an unknown trigger, a payload that does not read ──
    const refused = async (url: string, payload: unknown, status: number, code: string) => {
      const r = await zapierPost(url, payload);
      expect(r.status).toBe(status);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe(code);
    };
    await refused(at('New Payment Paid', newSecretUrlToken()), { ...paid, payment_id: 'forged' }, 401, 'signature_invalid');
    await refused(`${webhookUrl}?trigger=new_payment_paid`, { ...paid, payment_id: 'unsigned' }, 401, 'signature_invalid');
    await refused(`${webhookUrl}?token=${token}`, paid, 400, 'invalid_payload');
    await refused(at('Project Deleted'), paid, 400, 'invalid_payload');
    await refused(at('New Payment Paid'), { ...paid, payment_id: 'bad', amount: 'a lot' }, 400, 'invalid_payload');

    // ── a booking for a project no wedding holds waits in the unmatched queue with its hints ──
    const booked = { ...example('new_project_booked'), project_id: 'hb-new', event_date: '2026-09-05', location: 'Casa Verde' };
    expect((await zapierPost(at('new_project_booked'), booked)).status).toBe(200);
    let queued: UnmatchedSummary[] = [];
    await waitFor(async () => {
      queued = (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${lens.id}/unmatched`, as)).body.records;
      return queued.length > 0;
    }, 'the new project in the unmatched queue');
    expect(queued[0]!.record).toMatchObject({ date: '2026-09-05', venue: 'Casa Verde', timeZone: 'America/Los_Angeles' });

    // ── a Standard Webhooks signed delivery is accepted alongside the secret URL ──
    const body = JSON.stringify({ ...paid, payment_id: 'pay_signed', amount: '100.00' });
    const signed = await fetch(`${webhookUrl}?trigger=new_payment_paid`, { method: 'POST', headers: { 'content-type': 'application/json', ...standardWebhookHeaders(connected.body.webhookSecret, 'msg_1', body) }, body });
    expect(signed.status).toBe(200);
    await waitFor(() => jane.doc.listPayments().length === 2, 'the signed payment');

    // ── rotating the token: the old URL stops working at once, the new one works ──
    const patched = await api<{ error: { code: string } }>(t, `/api/connections/${connectionId}`, as, { method: 'PATCH', json: { configuration: { secretUrlToken: newSecretUrlToken() } } });
    expect(patched.status).toBe(400);
    expect(patched.body.error.code).toBe('invalid_config');
    expect((await zapierPost(at('New Payment Paid'), { ...paid, payment_id: 'still-old', amount: '1' })).status).toBe(200);
    const rotation = await api<{ secretUrl: string }>(t, `/api/connections/${connectionId}/rotate-url-token`, as, { method: 'POST' });
    expect(rotation.status, JSON.stringify(rotation.body)).toBe(200);
    const rotated = new URL(rotation.body.secretUrl).searchParams.get('token')!;
    expect(rotated).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rotated).not.toBe(token);
    expect(JSON.stringify((await api(t, `/api/connections/${connectionId}`, as)).body)).not.toContain(rotated);
    await refused(at('New Payment Paid'), { ...paid, payment_id: 'old-url' }, 401, 'signature_invalid');
    expect((await zapierPost(at('New Payment Paid', rotated), { ...paid, payment_id: 'new-url', amount: '50' })).status).toBe(200);
    await waitFor(() => jane.doc.listPayments().length === 4, 'the payment sent to the rotated URL');
    expect(jane.doc.listPayments().map((p) => p.amount).sort((a, b) => a - b)).toEqual([100, 5000, 10000, 250000]);
  });
});
