import crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { sendStandardWebhook, WebhookReceiver } from '../../adapters/webhooks/sandbox.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { PostgresIntegrationStore } from '../../server/bridge/postgres-integration-store.ts';
import { PostgresInboxStore } from '../../server/bridge/postgres-inbox-store.ts';
import { PostgresOutboxStore } from '../../server/bridge/postgres-outbox-store.ts';
import { createTokenService } from '../../server/auth/tokens.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { addEvent, planner, storedWebhook } from '../helpers/cluster-clients.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { startPostgresCollabNode, type PostgresCollabNode } from '../helpers/postgres-collab-node.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { TEST_SECRET, tempDir } from '../helpers/test-server.ts';
import { testToken } from '../helpers/tokens.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15: the bridge built over PostgreSQL (postgresBridgeStorage) on each instance of a cluster.
// The brief's stories: a vendor's system sends a new DJ to whichever instance its request reaches →
// the planner, connected to another instance, sees the DJ; the planner moves the ceremony → the
// subscriber hears of it once, and what came from the subscriber is not sent back to it.

const KEY = crypto.randomBytes(32).toString('base64');
const SECRET = `whsec_${crypto.randomBytes(24).toString('base64')}`;

describe('the bridge on PostgreSQL, on two instances', () => {
  const db = usePostgresDatabase();
  let url = '';
  beforeAll(() => ({ url } = db()));

  /** A webhooks subscriber (the sandbox checks signatures), stopped at teardown. */
  async function subscriber(): Promise<WebhookReceiver> {
    const receiver = await new WebhookReceiver(SECRET).start();
    registerTeardown(() => receiver.stop());
    return receiver;
  }

  /** A planner's two-way webhooks connection of the wedding, stored directly (no instance told). */
  async function storeConnection(id: string, weddingId: string, url: string): Promise<void> {
    await new PostgresIntegrationStore(db().admin, createCredentialCipher(Buffer.from(KEY, 'base64'))).createStandalone({
      id, weddingId, system: 'webhooks', category: 'wedding_planning', vendorId: null, runMode: 'in_process', credentials: {}, webhookSecret: SECRET,
      configuration: { url, direction: 'bidirectional' }, configurationSecrets: [], capabilities: ['webhook', 'push'], createdBy: 'per_a',
      connector: { sub: 'per_a', role: 'planner', vendorId: null },
    });
  }

  async function node(instanceId: string): Promise<PostgresCollabNode> {
    const n = await startPostgresCollabNode({ databaseUrl: url, instanceId, leaseMs: 4000, dataDir: tempDir(), route: true, bridgeKey: KEY });
    registerTeardown(() => n.stop());
    return n;
  }

  it('a webhook accepted by one instance reaches the planner on the other; the planner\'s change is pushed once, the webhook\'s never back', async () => {
    const { admin } = db();
    await applyPostgresMigrations(admin);
    const receiver = await subscriber();
    // The planner's two-way webhooks connection of w1 (made before the instances start: they resume it).
    await storeConnection('int_crm', 'w1', receiver.url);
    const a = await node('a');
    const b = await node('b');
    await waitFor(() => a.bridge!.registry.get('int_crm') !== undefined && b.bridge!.registry.get('int_crm') !== undefined, 'both instances to run the connection');

    // The planner opens w1 on a: a owns it.
    const client = await planner(a.wsUrl, 'w1');
    await client.whenSynced(10_000);
    expect((await admin.query("SELECT owner FROM document_leases WHERE name = 'wedding:w1'")).rows[0]?.owner).toBe('a');

    // The vendor's system reaches b: answered 2xx once stored; a applies it (it owns the document).
    const hook = b.bridge!.webhookUrl('webhooks', 'int_crm');
    expect(hook.startsWith(b.httpUrl)).toBe(true);
    const res = await sendStandardWebhook(hook, SECRET, { id: 'evt_dj', type: 'vendor.upserted', data: { id: 'dj', name: 'DJ Sam', category: 'dj' } });
    expect(res.status).toBe(200);
    await waitFor(() => client.doc.toJSON().vendors?.dj?.name === 'DJ Sam', 'the planner to see the DJ', 15_000);
    await waitFor(async () => (await admin.query("SELECT status FROM inbox WHERE event_id = 'evt_dj'")).rows[0]?.status === 'applied', 'the row marked applied');
    expect((await admin.query("SELECT count(*)::int AS n FROM audit WHERE action = 'inbound.applied' AND integration_id = 'int_crm'")).rows[0].n).toBe(1);

    // The same delivery again, to a: a duplicate, answered 2xx, stored once.
    const again = await sendStandardWebhook(a.bridge!.webhookUrl('webhooks', 'int_crm'), SECRET, { id: 'evt_dj', type: 'vendor.upserted', data: { id: 'dj', name: 'DJ Sam', category: 'dj' } });
    expect(again.status).toBe(200);
    expect((await admin.query("SELECT count(*)::int AS n FROM inbox WHERE event_id = 'evt_dj'")).rows[0].n).toBe(1);

    // A forged delivery is refused and stores nothing.
    const forged = await sendStandardWebhook(hook, SECRET, { id: 'evt_forged', type: 'vendor.upserted', data: { id: 'x', name: 'X', category: 'dj' } }, { signWith: `whsec_${crypto.randomBytes(24).toString('base64')}` });
    expect(forged.status).toBe(401);
    expect((await admin.query("SELECT count(*)::int AS n FROM inbox WHERE event_id = 'evt_forged'")).rows[0].n).toBe(0);

    // The planner adds the ceremony: pushed once (by whichever instance claims the integration).
    addEvent(client, 'ceremony');
    await client.whenAcknowledged(10_000);
    await waitFor(() => receiver.accepted().some((r) => r.body.data.id === 'ceremony'), 'the subscriber to hear of the ceremony', 15_000);
    await waitFor(async () => (await admin.query("SELECT status FROM outbox WHERE entity_id = 'ceremony'")).rows[0]?.status === 'delivered', 'the push recorded delivered');
    // One row planned (by the owner, in the change's transaction), delivered once; nothing more comes
    // once both instances' workers have polled the outbox again (each polls within 1 s).
    expect((await admin.query("SELECT count(*)::int AS n FROM outbox WHERE entity_id = 'ceremony'")).rows[0].n).toBe(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.received.filter((r) => r.body.data.id === 'ceremony')).toHaveLength(1);
    // The DJ came from the subscriber: not sent back to it.
    expect(receiver.received.filter((r) => r.body.data.id === 'dj')).toEqual([]);
    expect((await admin.query("SELECT count(*)::int AS n FROM outbox WHERE entity_id = 'dj'")).rows[0].n).toBe(0);
  }, 60_000);

  it('a connection made, re-configured and removed through one instance runs, changes and stops on the other without a restart', async () => {
    const { admin } = db();
    const receiver = await subscriber();
    const a = await node('ca');
    const b = await node('cb');
    const planner = await createTokenService(TEST_SECRET).verify(await testToken('planner', ['w2'], 'per_b'));

    // Made through a, after both started: b runs it once told, and answers its webhooks.
    const made = await a.bridge!.connect(planner, { weddingId: 'w2', system: 'webhooks', credentials: { webhookSecret: SECRET }, configuration: { url: receiver.url, direction: 'bidirectional' } });
    await waitFor(() => b.bridge!.registry.get(made.integrationId) !== undefined, 'b to run the new connection', 10_000);
    const onB = b.bridge!.webhookUrl('webhooks', made.connectionId);
    const res = await sendStandardWebhook(onB, made.webhookSecret, { id: 'evt_cake', type: 'vendor.upserted', data: { id: 'cake', name: 'Cake Co', category: 'baker' } });
    expect(res.status).toBe(200);
    await waitFor(async () => (await admin.query("SELECT status FROM inbox WHERE event_id = 'evt_cake'")).rows[0]?.status === 'applied', 'the cake applied');

    // Re-configured through a (outbound only): b's running binding has the new configuration.
    await a.bridge!.update(planner, made.integrationId, { configuration: { direction: 'outbound' } });
    await waitFor(() => b.bridge!.registry.get(made.integrationId)?.integration.configuration.direction === 'outbound', 'b to rebuild the binding', 10_000);

    // Removed through a: b stops running it, and its webhooks are no longer taken there.
    await a.bridge!.remove(planner, made.integrationId);
    await waitFor(() => b.bridge!.registry.get(made.integrationId) === undefined && b.bridge!.runtime.get(made.connectionId) === undefined, 'b to stop the connection', 10_000);
    const gone = await sendStandardWebhook(onB, made.webhookSecret, { id: 'evt_late', type: 'vendor.upserted', data: { id: 'late', name: 'Late', category: 'dj' } });
    expect([404, 410]).toContain(gone.status);
    expect((await admin.query("SELECT count(*)::int AS n FROM inbox WHERE event_id = 'evt_late'")).rows[0].n).toBe(0);
  }, 60_000);

  it('work claimed for a binding another instance made and this one has not loaded yet is done, not dead-lettered or parked', async () => {
    const { admin } = db();
    const receiver = await subscriber();
    const n = await node('lone');
    // Stored behind the instance's back (no announcement): as if another instance made it a moment ago.
    await storeConnection('int_late', 'w3', receiver.url);
    expect(n.bridge!.registry.get('int_late')).toBeUndefined();
    // A push of it and a webhook of it, as the other instance would have queued them.
    const outbox = new PostgresOutboxStore(admin, { instanceId: 'elsewhere' });
    registerTeardown(() => outbox.close());
    await outbox.add({
      integrationId: 'int_late', weddingId: 'w3', kind: 'entity', entity: 'timeline', entityId: 'toast', contentHash: 'h-toast', priority: 0, notBefore: Date.now(),
      payload: { change: { op: 'upsert', entity: 'timeline', entityId: 'toast', externalId: null, data: { title: 'Toast', start: '2026-06-13T19:00:00+01:00', end: '2026-06-13T19:15:00+01:00' }, version: null }, wedding: { weddingId: 'w3', meta: {}, vendors: {} } },
    }, Date.now());
    const inbox = new PostgresInboxStore(admin, { instanceId: 'elsewhere' });
    registerTeardown(() => inbox.close());
    await inbox.add({ integrationId: 'int_late', weddingId: 'w3', eventId: 'evt_band', kind: 'webhook', payload: storedWebhook('vendor.upserted', { id: 'band', name: 'The Band', category: 'band' }), receivedAt: Date.now() });
    n.bridge!.outboxWorker.kick();
    n.bridge!.inboxWorker.kick();

    await waitFor(() => receiver.accepted().some((r) => r.body.data.id === 'toast'), 'the push delivered', 15_000);
    await waitFor(async () => (await admin.query("SELECT status FROM inbox WHERE event_id = 'evt_band'")).rows[0]?.status === 'applied', 'the webhook applied', 15_000);
    expect((await admin.query("SELECT status FROM outbox WHERE entity_id = 'toast'")).rows).toEqual([{ status: 'delivered' }]);
    expect(n.bridge!.registry.get('int_late')).toBeDefined();
  }, 60_000);
});
