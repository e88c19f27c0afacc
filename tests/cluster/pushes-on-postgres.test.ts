import crypto from 'node:crypto';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWebhooksAdapter, webhooksAdapter } from '../../adapters/webhooks/index.ts';
import { WebhookReceiver } from '../../adapters/webhooks/sandbox.ts';
import { AuditLog } from '../../server/bridge/audit-log.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { IntegrationRegistry, LiveBinding } from '../../server/bridge/integration-registry.ts';
import { IntegrationStore, sqliteIntegrationRecords } from '../../server/bridge/integration-store.ts';
import { HocuspocusDocuments } from '../../server/bridge/hocuspocus-documents.ts';
import { OutboxWorker } from '../../server/bridge/outbox-worker.ts';
import { PostgresLinkStore } from '../../server/bridge/postgres-link-store.ts';
import { PostgresOutboxStore } from '../../server/bridge/postgres-outbox-store.ts';
import { PostgresPushPlanning } from '../../server/bridge/postgres-push-planning.ts';
import { pushEntity } from '../../server/bridge/pusher.ts';
import { createRetryPolicy } from '../../server/bridge/retry-policy.ts';
import { describeOrigin } from '../../server/collab/origin.ts';
import { Metrics } from '../../server/metrics.ts';
import { createGuardedEgress } from '../../server/net/guarded-egress.ts';
import { createOutboundPolicy, parseOutboundAllow } from '../../server/net/outbound-policy.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { openPostgresPool } from '../../server/storage/postgres/pool.ts';
import { addEvent, planner } from '../helpers/cluster-clients.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { closeCommitGate } from '../helpers/postgres-commit-gate.ts';
import { startPostgresCollabNode } from '../helpers/postgres-collab-node.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15, "let other writes join the group": on PostgreSQL the pushes a change causes are planned
// in the transaction that appends the change (a joined write of the outbound planner), delivered by
// the OutboxWorker from the shared outbox, and what the system then holds is recorded in the shared
// links. The brief's story: the planner moves the ceremony → the subscriber hears of it, once.

const COMMIT_GATE = 4311;
const LEASE_MS = 2000;
const SECRET = `whsec_${crypto.randomBytes(24).toString('base64')}`;

describe('pushes from a wedding whose document lives in PostgreSQL', () => {
  const db = usePostgresDatabase();
  let url = '';
  beforeAll(() => ({ url } = db()));

  it('plans a push in the change\'s own commit, delivers it once through the shared outbox, and does not push again what the system holds', async () => {
    const { admin } = db();
    const node = await startPostgresCollabNode({ databaseUrl: url, instanceId: 'pushes', leaseMs: LEASE_MS, dataDir: tempDir() });
    registerTeardown(() => node.stop());
    const receiver = await new WebhookReceiver(SECRET).start();
    registerTeardown(() => receiver.stop());

    // The binding: a real outbound webhooks adapter through the server's egress guard (loopback allowed, as for the sandboxes).
    const sqlite = openDatabase(tempDir('pushes-'), { synchronous: 'normal' });
    registerTeardown(() => sqlite.close());
    const integrations = new IntegrationStore(sqlite, createCredentialCipher(crypto.randomBytes(32)));
    const configuration = { url: receiver.url, direction: 'outbound' };
    const integration = integrations.createStandalone({
      id: 'int_hooks', weddingId: 'w1', system: 'webhooks', category: 'wedding_planning', vendorId: null, runMode: 'in_process', credentials: {}, webhookSecret: SECRET,
      configuration, configurationSecrets: [], capabilities: ['push'], createdBy: 'per_a', connector: { sub: 'per_a', role: 'planner', vendorId: null },
    });
    const egress = createGuardedEgress(createOutboundPolicy(parseOutboundAllow('127.0.0.1')));
    const registry = new IntegrationRegistry();
    registry.put(new LiveBinding(integration, webhooksAdapter, () => createWebhooksAdapter({
      integrationId: integration.id, weddingId: 'w1', credentials: {}, configuration,
      runtime: { integrationId: integration.id, weddingId: 'w1', webhookUrl: '', webhookSecret: SECRET, fetch: egress.fetch, egress, now: Date.now, state: { get: () => ({}), set: () => undefined } },
    })));

    // The shared outbox and links, and this instance's worker delivering from them.
    const pool = openPostgresPool(url, { max: 4 });
    registerTeardown(() => pool.end());
    const links = new PostgresLinkStore(pool);
    const outbox = new PostgresOutboxStore(pool, { instanceId: 'pushes' });
    const worker = new OutboxWorker({
      outbox, registry, integrations: sqliteIntegrationRecords(integrations), audit: new AuditLog(sqlite), metrics: new Metrics(), logger: pino({ level: 'silent' }), now: Date.now,
      retry: createRetryPolicy([50, 100], 5), breaker: { threshold: 1000, cooldownMs: 1000, maxCooldownMs: 1000 },
    });
    worker.register('entity', (row, live) => pushEntity({ links, inbox: { add: async () => null }, now: Date.now, kick: () => undefined }, row, live));
    registerTeardown(async () => { await worker.stop(); await outbox.close(); });
    let kicks = 0;
    const docs = new HocuspocusDocuments(node.collab.hocuspocus, node.collab.persistence);
    registerTeardown(() => docs.releaseAll());
    const planning = new PostgresPushPlanning({
      registry, describeOrigin, links, outbox, persistence: node.collab.persistence, withDocument: (w, fn) => docs.withDocument(w, fn), now: Date.now, coalesceMs: 0,
      onPlanned: () => { kicks++; worker.kick(); },
    });
    node.collab.persistence.onAppendJoined(planning.onAppend);

    const a = await planner(node.wsUrl, 'w1');
    await a.whenSynced(10_000);

    // The COMMIT of the change is held: its push is not visible, and the worker is not woken, until it commits.
    const gate = await closeCommitGate(admin, 'document_updates', COMMIT_GATE);
    addEvent(a, 'ceremony');
    await gate.blocked('the append of the ceremony to block in COMMIT');
    expect((await admin.query("SELECT 1 FROM outbox WHERE entity_id = 'ceremony'")).rowCount).toBe(0);
    expect(kicks).toBe(0);
    await gate.open();
    await a.whenAcknowledged(10_000);
    await waitFor(() => kicks === 1, 'the worker to be woken after the COMMIT');
    worker.start();

    // Delivered once, signed, and the link records what the subscriber holds.
    await waitFor(() => receiver.accepted().length === 1, 'the subscriber to receive the ceremony');
    expect(receiver.accepted()[0]!.body).toMatchObject({ type: 'timeline.upserted', data: { id: 'ceremony', title: 'Event ceremony' } });
    // The subscriber answered before the worker records the delivery: wait for the record.
    const outboxRows = async () => (await admin.query<{ status: string; content_hash: string }>("SELECT status, content_hash FROM outbox WHERE entity_id = 'ceremony'")).rows;
    await waitFor(async () => (await outboxRows())[0]?.status === 'delivered', 'the push to be recorded delivered');
    const row = await outboxRows();
    expect(row).toEqual([{ status: 'delivered', content_hash: expect.any(String) }]);
    await waitFor(async () => (await links.get('int_hooks', 'timeline', 'ceremony'))?.lastHash === row[0]!.content_hash, 'the link to record the delivered content');

    // The ceremony moves by 30 minutes: pushed. Then a change of a field the subscriber does not
    // sync (the event's order): the link read inside the append says the system has it, so no row.
    a.doc.upsertEvent({ id: 'ceremony', start: '2026-06-13T14:30:00+01:00', end: '2026-06-13T15:30:00+01:00' });
    await a.whenAcknowledged(10_000);
    await waitFor(() => receiver.accepted().length === 2, 'the subscriber to hear the ceremony moved');
    expect(receiver.accepted()[1]!.body.data).toMatchObject({ id: 'ceremony', start: '2026-06-13T14:30:00+01:00' });
    const moved = (await admin.query<{ content_hash: string }>("SELECT content_hash FROM outbox WHERE entity_id = 'ceremony' ORDER BY id DESC LIMIT 1")).rows[0]!;
    await waitFor(async () => (await links.get('int_hooks', 'timeline', 'ceremony'))?.lastHash === moved.content_hash, 'the link to record the move');
    a.doc.upsertEvent({ id: 'ceremony', order: 7 });
    addEvent(a, 'dinner');
    await a.whenAcknowledged(10_000);
    await waitFor(() => receiver.accepted().length === 3, 'the subscriber to receive the dinner');
    expect(receiver.accepted()[2]!.body.data).toMatchObject({ id: 'dinner' });
    expect((await admin.query("SELECT 1 FROM outbox WHERE entity_id = 'ceremony'")).rowCount).toBe(2);
    expect(receiver.received.filter((r) => r.answeredWith < 300).length).toBe(3);
  });
});
