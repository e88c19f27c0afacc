import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectWebhooks, startReceiver } from './helpers.ts';
import { serverSql } from '../helpers/test-backend.ts';

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const ceremony = { id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' };

describe('integrations API', () => {
  it('connects, lists, and removes an integration; credentials are encrypted at rest and never returned', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const receiver = await startReceiver();
    const secretHeader = 'Bearer super-secret-subscriber-token';
    const res = await t.fetch('/api/integrations/vendor/connect', { ...json({ weddingId: 'w1', system: 'webhooks', vendorSystemType: 'photography_crm', credentials: { webhookSecret: receiver.secret, headers: { authorization: secretHeader } }, configuration: { url: receiver.url } }), token: planner });
    expect(res.status).toBe(201);
    const created = await res.json() as { integrationId: string; webhookUrl: string; category: string };
    expect(created.category).toBe('photography_crm');
    expect(created.webhookUrl).toBe(`${t.httpUrl}/api/integrations/webhook/webhooks/${created.integrationId}`);
    // The subscriber received our ping with its extra header: credentials are used…
    expect(receiver.accepted()[0]!.headers.authorization).toBe(secretHeader);
    // …but never returned…
    const listed = await (await t.fetch('/api/integrations?weddingId=w1', { token: planner })).text();
    expect(listed).toContain(created.integrationId);
    expect(listed).not.toContain('super-secret');
    expect(listed).not.toContain(receiver.secret);
    // …and not stored in the clear.
    const row = (await serverSql(t.server).row<Record<string, string>>('SELECT credentials_enc, webhook_secret_enc FROM connections'))!;
    expect(JSON.stringify(row)).not.toContain('super-secret');
    expect(JSON.stringify(row)).not.toContain(receiver.secret.slice(6));
    expect(row.credentials_enc).toMatch(/^v1\./);

    const removed = await t.fetch(`/api/integrations/${created.integrationId}`, { method: 'DELETE', token: planner });
    expect(removed.status).toBe(204);
    expect(((await (await t.fetch('/api/integrations?weddingId=w1', { token: planner })).json()) as { integrations: unknown[] }).integrations).toEqual([]);
    expect((await t.fetch(`/api/integrations/${created.integrationId}`, { method: 'DELETE', token: planner })).status).toBe(404);
  });

  it('refuses bad connections with a clear 400: unknown system, every config problem at once, failed connection test', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const unknown = await t.fetch('/api/integrations/vendor/connect', { ...json({ weddingId: 'w1', system: 'nope', credentials: {}, configuration: {} }), token: planner });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { code: 'unknown_system' } });
    const invalid = await t.fetch('/api/integrations/vendor/connect', { ...json({ weddingId: 'w1', system: 'webhooks', credentials: {}, configuration: { url: 'ftp://x', direction: 'sideways', extra: 1 } }), token: planner });
    expect(invalid.status).toBe(400);
    const body = await invalid.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_config');
    expect(body.error.message).toMatch(/url/);
    expect(body.error.message).toMatch(/direction/);
    const unreachable = await t.fetch('/api/integrations/vendor/connect', { ...json({ weddingId: 'w1', system: 'webhooks', credentials: {}, configuration: { url: 'http://127.0.0.1:9/hooks' } }), token: planner });
    expect(unreachable.status).toBe(400);
    expect(await unreachable.json()).toMatchObject({ error: { code: 'connection_test_failed' } });
    const wrongBody = await t.fetch('/api/integrations/vendor/connect', { ...json({ weddingId: 'bad id', system: 'webhooks' }), token: planner });
    expect(wrongBody.status).toBe(400);
    expect(await wrongBody.json()).toMatchObject({ error: { code: 'validation_failed' } });
    expect(await serverSql(t.server).value('SELECT count(*) FROM integrations')).toBe(0);
    expect(await serverSql(t.server).value('SELECT count(*) FROM connections')).toBe(0);
  });

  it('lets planners manage their weddings, vendors only their own systems, and couples only read', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const vendor = await t.token('vendor', ['w1'], { vendorId: 'photo', sub: 'vic' });
    const otherVendor = await t.token('vendor', ['w1'], { vendorId: 'florist' });
    const couple = await t.token('couple', ['w1']);
    const stranger = await t.token('planner', ['w2']);
    const connect = (token: string, extra: Record<string, unknown> = {}) => t.fetch('/api/integrations/vendor/connect', { ...json({ weddingId: 'w1', system: 'webhooks', credentials: {}, configuration: {}, ...extra }), token });

    expect((await connect(couple)).status).toBe(403);
    expect((await connect(stranger)).status).toBe(403);
    expect((await connect(vendor, { vendorId: 'florist' })).status).toBe(403);
    const own = await connect(vendor);
    expect(own.status).toBe(201);
    const ownId = (await own.json() as { integrationId: string }).integrationId;
    const plannerOwned = await connect(planner);
    expect(plannerOwned.status).toBe(201);

    const seenBy = async (token: string) => ((await (await t.fetch('/api/integrations?weddingId=w1', { token })).json()) as { integrations: { integrationId: string; vendorId: string | null }[] }).integrations;
    expect((await seenBy(vendor)).map((i) => i.integrationId)).toEqual([ownId]);
    expect((await seenBy(vendor))[0]!.vendorId).toBe('photo');
    expect(await seenBy(otherVendor)).toEqual([]);
    expect(await seenBy(couple)).toHaveLength(2);
    expect((await t.fetch('/api/integrations?weddingId=w1', { token: stranger })).status).toBe(403);
    expect((await t.fetch(`/api/integrations/${ownId}`, { method: 'DELETE', token: otherVendor })).status).toBe(403);
    expect((await t.fetch(`/api/integrations/${ownId}`, { method: 'DELETE', token: couple })).status).toBe(403);
    expect((await t.fetch('/api/integrations/wedding/w1/audit', { token: couple })).status).toBe(403);
    expect((await t.fetch('/api/integrations/status/w1', { token: couple })).status).toBe(200);
    expect((await t.fetch(`/api/integrations/${ownId}`, { method: 'DELETE', token: vendor })).status).toBe(204);
    expect((await t.fetch('/api/integrations?weddingId=w1')).status).toBe(401);
  });

  it('full sync pushes what the system lacks; timeline-sync writes events and waits for every system', async () => {
    const t = await startTestServer({ env: { PUSH_COALESCE_MS: '0' } });
    const planner = await t.token('planner', ['w1']);
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    client.doc.upsertEvent(ceremony);
    client.doc.upsertVendor({ id: 'dj', name: 'DJ Sam', category: 'dj' });
    await client.whenAcknowledged();
    const receiver = await startReceiver();
    const conn = await connectWebhooks(t, planner, 'w1', receiver);
    // Connecting sends the wedding as it is.
    await waitFor(() => receiver.accepted().some((r) => r.body.data.id === 'ceremony') && receiver.accepted().some((r) => r.body.data.id === 'dj'), 'initial push');

    await waitFor(async () => (await serverSql(t.server).value("SELECT count(*) FROM outbox WHERE status != 'delivered'")) === 0, 'initial pushes recorded');
    // The system lost its copy and we forget what it had: a full sync sends everything again.
    await serverSql(t.server).run('DELETE FROM links WHERE integration_id = ?', conn.integrationId);
    const sync = await t.fetch('/api/integrations/sync/w1', { ...json({ syncType: 'full' }), token: planner });
    expect(sync.status).toBe(200);
    const syncBody = await sync.json() as { syncResults: { integrationId: string; success: boolean; applied: number }[]; conflicts: unknown[] };
    expect(syncBody.syncResults).toEqual([expect.objectContaining({ integrationId: conn.integrationId, success: true })]);
    expect(syncBody.syncResults[0]!.applied).toBeGreaterThanOrEqual(2);
    const incremental = await (await t.fetch('/api/integrations/sync/w1', { ...json({ syncType: 'incremental' }), token: planner })).json() as { syncResults: { applied: number }[] };
    expect(incremental.syncResults[0]!.applied).toBe(0);

    const ts = await t.fetch('/api/integrations/wedding/w1/timeline-sync', { ...json({ timeline: [{ ...ceremony, title: 'Ceremony at 3', start: '2026-06-13T15:00:00+01:00', end: '2026-06-13T15:45:00+01:00' }, { id: 'dinner', title: 'Dinner', start: '2026-06-13T18:00:00+01:00', end: '2026-06-13T20:00:00+01:00' }] }), token: planner });
    expect(ts.status).toBe(200);
    const tsBody = await ts.json() as { updated: number; syncResults: { success: boolean; delivered: number }[] };
    expect(tsBody.updated).toBe(2);
    expect(tsBody.syncResults[0]).toMatchObject({ success: true });
    expect(receiver.accepted().some((r) => r.body.data.title === 'Ceremony at 3')).toBe(true);
    expect(receiver.accepted().some((r) => r.body.data.id === 'dinner')).toBe(true);
    await waitFor(() => client.doc.getEvent('dinner'), 'timeline-sync write seen by the client');

    const invalid = await t.fetch('/api/integrations/wedding/w1/timeline-sync', { ...json({ timeline: [{ id: 'x', title: 'Backwards', start: '2026-06-13T15:00:00Z', end: '2026-06-13T14:00:00Z' }] }), token: planner });
    expect(invalid.status).toBe(400);
    expect(client.doc.getEvent('x')).toBeUndefined();
  });

  it('pages through the audit trail and serves an OpenAPI document generated from the contracts', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    for (let i = 0; i < 3; i++) await connectWebhooks(t, planner, 'w1');
    const first = await (await t.fetch('/api/integrations/wedding/w1/audit?limit=2', { token: planner })).json() as { entries: { id: number; action: string }[]; nextCursor: number };
    expect(first.entries).toHaveLength(2);
    const second = await (await t.fetch(`/api/integrations/wedding/w1/audit?limit=2&before=${first.nextCursor}`, { token: planner })).json() as { entries: { id: number }[] };
    expect(second.entries.length).toBeGreaterThanOrEqual(1);
    expect(second.entries[0]!.id).toBeLessThan(first.entries[1]!.id);
    expect((await t.fetch('/api/integrations/wedding/w1/audit?limit=0', { token: planner })).status).toBe(400);

    type Schema = { properties?: Record<string, unknown>; anyOf?: Schema[] };
    const openapi = await (await t.fetch('/api/openapi.json')).json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: { 'application/json': { schema: Schema } } } }>> };
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/integrations/vendor/connect', '/api/integrations/status/{weddingId}', '/api/integrations/webhook/{system}/{integrationId}']));
    // Two forms: a connection for a workspace (docs/connections.md), or one made from a wedding.
    const forms = openapi.paths['/api/integrations/vendor/connect']!.post!.requestBody!.content['application/json'].schema.anyOf!.map((f) => Object.keys(f.properties ?? {}));
    expect(forms).toEqual(expect.arrayContaining([
      expect.arrayContaining(['weddingId', 'system', 'credentials', 'configuration']),
      expect.arrayContaining(['workspaceId', 'system', 'credentials', 'configuration', 'bindings']),
    ]));
  });
});
