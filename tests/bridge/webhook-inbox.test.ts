import { describe, expect, it } from 'vitest';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectWebhooks } from './helpers.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';

const event = (id: string, title: string) => ({ id: 'ceremony', title, start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' });

async function setup() {
  const t = await startTestServer();
  const planner = await t.token('planner', ['w1']);
  const conn = await connectWebhooks(t, planner, 'w1');
  const client = await t.connect('w1', planner);
  await client.whenSynced();
  const inboxRows = async () => (await queryServerDatabase<{ n: number }>(t.server, { sqlite: 'SELECT count(*) AS n FROM inbox', postgres: 'SELECT count(*)::int AS n FROM inbox' }))[0]!.n;
  return { t, planner, conn, client, inboxRows };
}

describe('webhook inbox', () => {
  it('refuses a forged signature with 401 and stores nothing', async () => {
    const { conn, inboxRows } = await setup();
    const forged = await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'msg_f', type: 'timeline.upserted', data: event('x', 'Forged') }, { signWith: 'whsec_' + Buffer.alloc(24, 7).toString('base64') });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: { code: 'signature_invalid' } });
    const tampered = await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'msg_t', type: 'timeline.upserted', data: event('x', 'Original') }, { tamper: (b) => b.replace('Original', 'Tampered') });
    expect(tampered.status).toBe(401);
    const unsigned = await fetch(conn.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unsigned.status).toBe(401);
    expect(await inboxRows()).toBe(0);
  });

  it('refuses a stale timestamp (replay of an old delivery) with 401', async () => {
    const { conn, inboxRows } = await setup();
    const res = await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'msg_old', type: 'timeline.upserted', data: event('x', 'Old') }, { nowMs: Date.now() - 10 * 60_000 });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'signature_stale' } });
    const future = await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'msg_future', type: 'timeline.upserted', data: event('x', 'Future') }, { nowMs: Date.now() + 10 * 60_000 });
    expect(future.status).toBe(401);
    expect(await inboxRows()).toBe(0);
  });

  it('acknowledges a duplicate (same webhook-id) without applying it twice', async () => {
    const { t, conn, client } = await setup();
    const first = await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'msg_dup', type: 'timeline.upserted', data: event('x', 'Ceremony') });
    expect(await first.json()).toEqual({ received: true });
    await waitFor(() => client.doc.getEvent('ceremony'), 'first delivery applied');
    // Someone edits after the first delivery; a replayed duplicate must not undo it.
    client.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony (edited)' });
    await client.whenAcknowledged();
    const again = await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'msg_dup', type: 'timeline.upserted', data: event('x', 'Ceremony') });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    const later = await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'msg_later', type: 'vendor.upserted', data: { id: 'dj', name: 'DJ Sam', category: 'dj' } });
    expect(later.status).toBe(200);
    await waitFor(() => client.doc.getVendor('dj'), 'later delivery applied');
    expect(client.doc.getEvent('ceremony')!.title).toBe('Ceremony (edited)');
    expect(await queryServerDatabase(t.server, { sqlite: "SELECT count(*) AS n FROM inbox WHERE event_id = 'msg_dup'", postgres: "SELECT count(*)::int AS n FROM inbox WHERE event_id = 'msg_dup'" })).toEqual([{ n: 1 }]);
  });

  it('parks an event that fails validation, with its error, and applies the ones behind it', async () => {
    const { t, planner, conn, client } = await setup();
    await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'bad_1', type: 'timeline.upserted', data: { id: 'x', title: 'No end', start: '2026-06-13T15:00:00Z' } });
    // Neither time: the same (a new event needs both).
    await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'bad_0', type: 'timeline.upserted', data: { id: 'y', title: 'No times' } });
    await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'good_2', type: 'timeline.upserted', data: event('x', 'Fine') });
    await waitFor(() => client.doc.getEvent('ceremony'), 'good event applied');
    expect(client.doc.getEvent('x')).toBeUndefined();
    const [parked] = await queryServerDatabase<{ status: string; last_error: string }>(t.server, { sqlite: "SELECT status, last_error FROM inbox WHERE event_id = 'bad_1'", postgres: "SELECT status, last_error FROM inbox WHERE event_id = 'bad_1'" }) as [{ status: string; last_error: string }];
    expect(parked.status).toBe('parked');
    const [neither] = await queryServerDatabase<{ status: string; last_error: string }>(t.server, { sqlite: "SELECT status, last_error FROM inbox WHERE event_id = 'bad_0'", postgres: "SELECT status, last_error FROM inbox WHERE event_id = 'bad_0'" }) as [{ status: string; last_error: string }];
    expect(neither).toMatchObject({ status: 'parked', last_error: expect.stringMatching(/invalid_payload: .*timeline event/) });
    expect(client.doc.getEvent('y')).toBeUndefined();
    // Every value is valid, so it is taken (200); the event it would make has no end, so it is parked when applied.
    expect(parked.last_error).toMatch(/invalid_payload: .*timeline event.*end/);
    const status = await (await t.fetch('/api/integrations/status/w1', { token: planner })).json() as { integrationStatus: { inbox: { parked: number }; health: string }[] };
    expect(status.integrationStatus[0]!.inbox.parked).toBe(2);
    expect(status.integrationStatus[0]!.health).toBe('degraded');
    const audit = await (await t.fetch('/api/integrations/wedding/w1/audit', { token: planner })).json() as { entries: { action: string; result: string }[] };
    expect(audit.entries.some((e) => e.action === 'inbound.parked' && e.result === 'refused')).toBe(true);
  });

  it('answers 404 for unknown integrations and routes /webhook/:systemType by payload', async () => {
    const { t, conn, client } = await setup();
    const base = conn.webhookUrl.replace(/\/webhook\/.*/, '/webhook');
    const unknown = await sendStandardWebhook(`${base}/webhooks/int_nope`, conn.webhookSecret, { id: 'm1', type: 'timeline.upserted', data: event('x', 'X') });
    expect(unknown.status).toBe(404);
    const wrongSystem = await sendStandardWebhook(`${base}/stripe/${conn.integrationId}`, conn.webhookSecret, { id: 'm2', type: 'timeline.upserted', data: event('x', 'X') });
    expect(wrongSystem.status).toBe(404);
    const routed = await sendStandardWebhook(`${base}/webhooks`, conn.webhookSecret, { id: 'm3', type: 'timeline.upserted', data: event('x', 'Routed'), integrationId: conn.integrationId });
    expect(routed.status).toBe(200);
    await waitFor(() => client.doc.getEvent('ceremony')?.title === 'Routed', 'routed webhook applied');
    const unroutable = await sendStandardWebhook(`${base}/webhooks`, conn.webhookSecret, { id: 'm4', type: 'timeline.upserted', data: event('x', 'X') });
    expect(unroutable.status).toBe(404);
    void t;
  });

  it('measures acknowledgement latency and end-to-end sync latency in /metrics', async () => {
    const { t, conn, client } = await setup();
    await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: 'm_metrics', type: 'timeline.upserted', data: event('x', 'Metered') });
    await waitFor(() => client.doc.getEvent('ceremony'), 'applied');
    const text = await (await t.fetch('/metrics')).text();
    expect(text).toMatch(/wedsync_webhook_ack_seconds_count\{system="webhooks",outcome="stored"\} 1/);
    expect(text).toMatch(/wedsync_sync_latency_seconds_count\{system="webhooks"\} 1/);
    expect(text).toMatch(/wedsync_active_integrations 1/);
    expect(text).toMatch(/wedsync_websocket_connections 1/);
  });
});
