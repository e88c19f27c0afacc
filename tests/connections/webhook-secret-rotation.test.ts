import { describe, expect, it } from 'vitest';
import { verifyStandardWebhook } from '../../adapters/core/index.ts';
import { startVscoSandbox } from '../../adapters/vsco-workspace/sandbox.ts';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { connectWebhooks, startReceiver } from '../bridge/helpers.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, STORY_WEDDINGS, studio } from './helpers.ts';

interface Rotated { webhookSecret: string; previousExpiresAt: string | null }

/*
 * The story: the signing secret of a studio's Zap leaked. The planner rotates it; the Zap and the
 * subscriber switch to the new one in their own time, while the hub accepts and signs with both
 * for as long as the planner said; a leaked secret can be refused at once.
 */
describe('rotating the signing secret of a webhooks connection', () => {
  it('a new secret shown once; the old one accepted and signed with beside it until it expires, or refused at once; kept across a restart', async () => {
    const dataDir = tempDir();
    let t: TestServer = await startTestServer({ dataDir, env: { PUSH_COALESCE_MS: '0', CASCADE_DELAY_MS: '0' } });
    const planner = await t.token('planner', ['w1']);
    const receiver = await startReceiver();
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    const conn = await connectWebhooks(t, planner, 'w1', receiver);
    const first = conn.webhookSecret;
    let url = conn.webhookUrl;
    let n = 0;
    /** A Zap's delivery of a vendor, signed with `secret`: the hub's answer. */
    const zap = async (secret: string) => (await sendStandardWebhook(url, secret, { id: `evt_${++n}`, type: 'vendor.upserted', data: { id: `v${n}`, name: `Vendor ${n}`, category: 'florist' } })).status;
    /** The planner adds an event: the delivery the subscriber receives for it. */
    const delivery = async (id: string) => {
      client.doc.upsertEvent({ id, title: id, start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:30:00+01:00' });
      return waitFor(() => receiver.received.find((r) => r.body.data?.id === id), `the delivery of ${id}`);
    };
    const rotate = (body?: unknown) => api<Rotated & { error?: { code: string } }>(t, `/api/connections/${conn.connectionId}/rotate-webhook-secret`, planner, body === undefined ? { method: 'POST' } : { json: body });
    const signatures = (r: { headers: Record<string, string> }) => r.headers['webhook-signature']!.split(' ').length;

    expect(signatures(await delivery('before'))).toBe(1);

    // Rotated with the default overlap: a day.
    const before = Date.now();
    const second = await rotate();
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/=]{22,}$/);
    expect(second.body.webhookSecret).not.toBe(first);
    const until = Date.parse(second.body.previousExpiresAt!);
    expect(until - before).toBeGreaterThanOrEqual(24 * 3600_000 - 1000);
    expect(until - Date.now()).toBeLessThanOrEqual(24 * 3600_000);

    // Deliveries carry a signature by each: the subscriber, still on the old secret, verifies them, and so does one on the new.
    const both = await delivery('during');
    expect(signatures(both)).toBe(2);
    expect(both.verified).toBe(true);
    expect(verifyStandardWebhook(second.body.webhookSecret, both.headers, both.raw).ok).toBe(true);
    // The Zap may sign with either; anything else is refused.
    expect(await zap(first)).toBe(200);
    expect(await zap(second.body.webhookSecret)).toBe(200);
    expect(await zap('whsec_' + Buffer.alloc(24, 9).toString('base64'))).toBe(401);
    await waitFor(() => client.doc.getVendor('v2'), 'the delivery signed with the new secret applied');
    expect(client.doc.getVendor('v1')?.name).toBe('Vendor 1');

    // The connection says until when, and shows neither secret.
    const view = await api<{ configuration: Record<string, unknown> }>(t, `/api/connections/${conn.connectionId}`, planner);
    expect(view.body.configuration).toMatchObject({ previousWebhookSecret: { set: true }, previousWebhookSecretExpiresAt: second.body.previousExpiresAt });
    expect(JSON.stringify(view.body)).not.toContain(first.slice(6));
    expect(JSON.stringify(view.body)).not.toContain(second.body.webhookSecret.slice(6));
    // Only a rotation sets them: the view sent back is taken, a changed end or a chosen secret is refused by name.
    expect((await api(t, `/api/connections/${conn.connectionId}`, planner, { method: 'PATCH', json: { configuration: view.body.configuration } })).status).toBe(200);
    for (const configuration of [{ previousWebhookSecretExpiresAt: '2099-01-01T00:00:00.000Z' }, { previousWebhookSecret: first }]) {
      const refused = await api<{ error: { code: string; details: { issues: { path: string }[] } } }>(t, `/api/connections/${conn.connectionId}`, planner, { method: 'PATCH', json: { configuration } });
      expect(refused.status).toBe(400);
      expect(refused.body.error.details.issues[0]!.path).toBe(`configuration.${Object.keys(configuration)[0]}`);
    }

    // The overlap is the planner's to choose, within a week.
    for (const bad of [{ expirePreviousInSeconds: -1 }, { expirePreviousInSeconds: 7 * 24 * 3600 + 1 }, { expirePreviousInSeconds: 1.5 }, { expire: 0 }]) {
      const refused = await rotate(bad);
      expect(refused.status, JSON.stringify(bad)).toBe(400);
      expect(refused.body.error?.code).toBe('validation_failed');
    }
    expect(await zap(second.body.webhookSecret)).toBe(200);

    // Leaked: rotated with no overlap, both earlier secrets are refused at once, and deliveries carry one signature again.
    const third = await rotate({ expirePreviousInSeconds: 0 });
    expect(third.status).toBe(200);
    expect(third.body.previousExpiresAt).toBeNull();
    expect([await zap(first), await zap(second.body.webhookSecret), await zap(third.body.webhookSecret)]).toEqual([401, 401, 200]);
    const after = await delivery('after-leak');
    expect(signatures(after)).toBe(1);
    expect(after.verified).toBe(false);
    expect(verifyStandardWebhook(third.body.webhookSecret, after.headers, after.raw).ok).toBe(true);

    // A short overlap ends on its own.
    const fourth = await rotate({ expirePreviousInSeconds: 1 });
    expect(await zap(third.body.webhookSecret)).toBe(200);
    await waitFor(async () => (await zap(third.body.webhookSecret)) === 401, 'the previous secret refused once its second has passed', 5000, 200);
    expect(await zap(fourth.body.webhookSecret)).toBe(200);

    // Stored: a restarted server verifies with the newest secret, and the old ones stay refused.
    await client.destroy();
    await t.close();
    t = await startTestServer({ dataDir, env: { PUSH_COALESCE_MS: '0', CASCADE_DELAY_MS: '0' } });
    url = new URL(new URL(conn.webhookUrl).pathname, t.httpUrl).toString();
    expect([await zap(fourth.body.webhookSecret), await zap(third.body.webhookSecret), await zap(first)]).toEqual([200, 401, 401]);
  });

  it('is the server\'s alone: a connect, a binding or a wedding\'s PATCH naming the previous secret or its end is refused by name, and only webhooks and preset connections rotate', async () => {
    const t = await startTestServer();
    const [ana] = STORY_WEDDINGS;
    const { alex, lens } = await studio(t, [ana!]);
    const token = await alex.accessToken(ana!.id);
    const connect = (configuration: Record<string, unknown>, system = 'preset') =>
      api<{ connectionId: string; error?: { code: string; details?: { issues: { path: string }[] } } }>(t, '/api/integrations/vendor/connect', token, { json: { workspaceId: lens.id, system, configuration: { preset: 'honeybook', direction: 'inbound', ...configuration } } });
    const refusedAt = (res: { status: number; body: unknown }) => [res.status, (res.body as { error?: { details?: { issues: { path: string }[] } } }).error?.details?.issues[0]?.path];
    expect(refusedAt(await connect({ previousWebhookSecret: `whsec_${Buffer.alloc(24, 1).toString('base64')}` }))).toEqual([400, 'configuration.previousWebhookSecret']);
    expect(refusedAt(await connect({ previousWebhookSecretExpiresAt: '2099-01-01T00:00:00.000Z' }))).toEqual([400, 'configuration.previousWebhookSecretExpiresAt']);
    const made = await connect({});
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const { connectionId } = made.body;
    // A wedding's own values never hold it: not when bound, not when the binding is changed.
    const bind = (configuration: Record<string, unknown>) => api<{ binding: { bindingId: string } }>(t, `/api/connections/${connectionId}/bindings`, token, { json: { weddingId: ana!.id, configuration } });
    expect(refusedAt(await bind({ previousWebhookSecretExpiresAt: '2099-01-01T00:00:00.000Z' }))).toEqual([400, 'configuration.previousWebhookSecretExpiresAt']);
    const bound = await bind({});
    expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    const patched = await api(t, `/api/integrations/${bound.body.binding.bindingId}`, token, { method: 'PATCH', json: { configuration: { previousWebhookSecretExpiresAt: '2099-01-01T00:00:00.000Z' } } });
    expect(refusedAt(patched)).toEqual([400, 'configuration.previousWebhookSecretExpiresAt']);
    // A preset connection rotates; the end it was given is the connection's, and the binding's PATCH still cannot move it.
    const rotated = await api<Rotated>(t, `/api/connections/${connectionId}/rotate-webhook-secret`, token, { json: { expirePreviousInSeconds: 3600 } });
    expect(rotated.status).toBe(200);
    expect(Date.parse(rotated.body.previousExpiresAt!) - Date.now()).toBeGreaterThan(3500_000);
    // The same end sent back (a binding's view) is taken and not kept as the wedding's own; another is refused.
    const again = await api<{ configuration: Record<string, unknown> }>(t, `/api/integrations/${bound.body.binding.bindingId}`, token, { method: 'PATCH', json: { configuration: { previousWebhookSecretExpiresAt: rotated.body.previousExpiresAt } } });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    const binding = await api<{ bindings: { bindingId: string; configuration: Record<string, unknown> }[] }>(t, `/api/connections/${connectionId}`, token);
    expect(binding.body.bindings.find((b) => b.bindingId === bound.body.binding.bindingId)!.configuration).not.toHaveProperty('previousWebhookSecretExpiresAt');
    const later = new Date(Date.parse(rotated.body.previousExpiresAt!) + 3600_000).toISOString();
    const moved = await api(t, `/api/integrations/${bound.body.binding.bindingId}`, token, { method: 'PATCH', json: { configuration: { previousWebhookSecretExpiresAt: later } } });
    expect(refusedAt(moved)).toEqual([400, 'configuration.previousWebhookSecretExpiresAt']);
    // Another system signs with its own secrets: nothing to rotate here.
    const vsco = await startVscoSandbox();
    registerTeardown(() => vsco.stop());
    const crm = await api<{ connectionId: string }>(t, '/api/integrations/vendor/connect', token, { json: {
      workspaceId: lens.id, system: 'vsco-workspace', credentials: { apiKey: vsco.apiKey }, configuration: { apiBaseUrl: vsco.url, vendorId: 'photo', timeZone: 'America/New_York' },
    } });
    expect(crm.status, JSON.stringify(crm.body)).toBe(201);
    const other = await api<{ error: { code: string; message: string } }>(t, `/api/connections/${crm.body.connectionId}/rotate-webhook-secret`, token, { method: 'POST' });
    expect([other.status, other.body.error.code]).toEqual([400, 'invalid_config']);
    expect(other.body.error.message).toMatch(/vsco-workspace connections are signed with the system's own secrets/);
  });

  it('is not undone by a settings change under way: a PATCH whose connection test is slow and a rotation both take', async () => {
    const t = await startTestServer({ env: { PUSH_COALESCE_MS: '0', CASCADE_DELAY_MS: '0' } });
    const planner = await t.token('planner', ['w1']);
    const receiver = await startReceiver();
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    const conn = await connectWebhooks(t, planner, 'w1', receiver);
    // The PATCH's connection test pings the subscriber, which takes its time to answer.
    receiver.answerAfter(1500);
    const pings = () => receiver.received.filter((r) => r.body.type === 'wedsync.ping').length;
    const pinged = pings();
    const patched = api(t, `/api/connections/${conn.connectionId}`, planner, { method: 'PATCH', json: { configuration: { toleranceSeconds: 600 } } });
    await waitFor(() => pings() > pinged, 'the PATCH\'s ping under way');
    const rotated = await api<Rotated>(t, `/api/connections/${conn.connectionId}/rotate-webhook-secret`, planner, { method: 'POST' });
    expect([(await patched).status, rotated.status]).toEqual([200, 200]);
    receiver.answerAfter(0);
    const view = await api<{ configuration: Record<string, unknown> }>(t, `/api/connections/${conn.connectionId}`, planner);
    expect(view.body.configuration).toMatchObject({ toleranceSeconds: 600, previousWebhookSecret: { set: true }, previousWebhookSecretExpiresAt: rotated.body.previousExpiresAt });
    const zap = async (secret: string, id: string) => (await sendStandardWebhook(conn.webhookUrl, secret, { id, type: 'vendor.upserted', data: { id, name: id, category: 'florist' } })).status;
    expect([await zap(conn.webhookSecret, 'old'), await zap(rotated.body.webhookSecret, 'new')]).toEqual([200, 200]);
    await client.destroy();
  });
});
