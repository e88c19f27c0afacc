import crypto from 'node:crypto';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdapterRuntime } from '../../adapters/core/index.ts';
import { createWebhooksAdapter, webhooksAdapter } from '../../adapters/webhooks/index.ts';
import { clientOrigin } from '../../schema/index.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { HocuspocusDocuments } from '../../server/bridge/hocuspocus-documents.ts';
import { IntegrationRegistry, LiveBinding } from '../../server/bridge/integration-registry.ts';
import type { EntityPushPayload } from '../../server/bridge/outbound-planner.ts';
import { PostgresAuditLog } from '../../server/bridge/postgres-audit-log.ts';
import { PostgresInboxStore } from '../../server/bridge/postgres-inbox-store.ts';
import { PostgresInboxWorker } from '../../server/bridge/postgres-inbox-worker.ts';
import { PostgresIntegrationStore } from '../../server/bridge/postgres-integration-store.ts';
import { PostgresLinkStore } from '../../server/bridge/postgres-link-store.ts';
import { PostgresOutboxStore } from '../../server/bridge/postgres-outbox-store.ts';
import { PostgresPushPlanning } from '../../server/bridge/postgres-push-planning.ts';
import { describeOrigin } from '../../server/collab/origin.ts';
import { createRetryPolicy } from '../../server/bridge/retry-policy.ts';
import { openPostgresPool } from '../../server/storage/postgres/pool.ts';
import { planner, storedWebhook } from '../helpers/cluster-clients.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { closeCommitGate } from '../helpers/postgres-commit-gate.ts';
import { startPostgresCollabNode, LOG_KEPT_MS } from '../helpers/postgres-collab-node.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15: pushes planned outside the document update that causes them (a conflict resolved for
// the local value, a full sync, a superseded push, a repair, what an applied inbound row asks for)
// on PostgreSQL: read from the document as the change left it, and committed with that change.

const COMMIT_GATE = 4412;
const cipher = createCredentialCipher(crypto.randomBytes(32));


describe('planning pushes on PostgreSQL', () => {
  const db = usePostgresDatabase();
  let url = '';
  beforeAll(() => ({ url } = db()));

  it('a change and the pushes it plans commit together; what they carry is the document as the change left it; refresh cancels what the system already has; an applied inbound row cancels an older push of its own content', async () => {
    const { admin } = db();
    const node = await startPostgresCollabNode({ databaseUrl: url, instanceId: 'plans', leaseMs: 2000, dataDir: tempDir(), debounceMs: LOG_KEPT_MS });
    registerTeardown(() => node.stop());
    const pool = openPostgresPool(url, { max: 6 });
    registerTeardown(() => pool.end());
    const integrations = new PostgresIntegrationStore(pool, cipher);
    const links = new PostgresLinkStore(pool);
    const outbox = new PostgresOutboxStore(pool, { instanceId: 'plans' });
    registerTeardown(() => outbox.close());
    const inbox = new PostgresInboxStore(pool, { instanceId: 'plans', claimTtlMs: 5000 });
    registerTeardown(() => inbox.close());

    // A vendor system both ways: it sends webhooks and receives the wedding's changes (never delivered here: no outbox worker runs).
    const integration = await integrations.createStandalone({
      id: 'int_sys', weddingId: 'w1', system: 'webhooks', category: 'wedding_planning', vendorId: null, runMode: 'in_process', credentials: {}, webhookSecret: 'whsec_x',
      configuration: { direction: 'bidirectional', url: 'http://127.0.0.1:9/hook' }, configurationSecrets: [], capabilities: ['webhook', 'push'], createdBy: 'per_a',
      connector: { sub: 'per_a', role: 'planner', vendorId: null },
    });
    const runtime: AdapterRuntime = {
      integrationId: integration.id, weddingId: 'w1', webhookUrl: '', webhookSecret: 'whsec_x', fetch, egress: { fetch, lookup: () => undefined } as unknown as AdapterRuntime['egress'],
      now: Date.now, state: { get: () => ({}), set: () => undefined },
    };
    const registry = new IntegrationRegistry();
    registry.put(new LiveBinding(integration, webhooksAdapter, () => createWebhooksAdapter({ integrationId: integration.id, weddingId: 'w1', credentials: {}, configuration: integration.configuration, runtime })));
    const live = registry.get('int_sys')!;
    const docs = new HocuspocusDocuments(node.collab.hocuspocus, node.collab.persistence);
    registerTeardown(() => docs.releaseAll());
    let planned = 0;
    const planning = new PostgresPushPlanning({
      registry, describeOrigin, links, outbox, persistence: node.collab.persistence, withDocument: (w, fn) => docs.withDocument(w, fn), now: Date.now, coalesceMs: 0, onPlanned: () => { planned++; },
    });
    const client = await planner(node.wsUrl, 'w1');
    await client.whenSynced(10_000);
    const rowOf = async (id: number) => (await admin.query<{ status: string; payload: string; content_hash: string; last_error: string | null }>(
      'SELECT status, payload, content_hash, last_error FROM outbox WHERE id = $1', [id])).rows[0]!;
    const updates = async () => Number((await admin.query("SELECT count(*) AS n FROM document_updates WHERE name = 'wedding:w1'")).rows[0].n);
    const origin = clientOrigin('per_a', { sub: 'per_a', role: 'planner' } as never);

    // A change with its push: while the push's COMMIT is held, neither the change nor the push is stored or seen.
    const gate = await closeCommitGate(admin, 'outbox', COMMIT_GATE);
    const resolving = planning.inDocument('w1', (w) => {
      w.transact(() => w.upsertVendor({ id: 'dj', name: 'DJ Sam', category: 'dj' }, origin), origin);
      return { value: 'done', plans: [{ live, entity: 'vendors', entityId: 'dj', mode: 'forced' }] };
    });
    await gate.blocked('the change\'s transaction to block in COMMIT');
    expect(await updates()).toBe(0);
    expect(client.doc.getVendor('dj')).toBeUndefined();
    expect(planned).toBe(0);
    await gate.open();
    const { value, ids: [first] } = await resolving;
    expect(value).toBe('done');
    expect(first).toEqual(expect.any(Number));
    expect(planned).toBe(1);
    expect(await updates()).toBe(1);
    const pushed = await rowOf(first!);
    expect(pushed.status).toBe('pending');
    expect((JSON.parse(pushed.payload) as EntityPushPayload).change).toMatchObject({ op: 'upsert', entity: 'vendors', entityId: 'dj', externalId: null, data: { name: 'DJ Sam', category: 'dj' } });
    await waitFor(() => client.doc.getVendor('dj')?.name === 'DJ Sam', 'the planner to see the DJ');

    // The system has this content now (its link says so): unforced, nothing to send; refresh cancels the pending push; forced sends again.
    await links.save({ integrationId: 'int_sys', entity: 'vendors', entityId: 'dj', externalId: 'dj', lastSynced: { name: 'DJ Sam', category: 'dj' }, lastHash: pushed.content_hash, version: null });
    const none = await planning.inDocument('w1', () => ({ value: null, plans: [{ live, entity: 'vendors', entityId: 'dj', mode: 'changed' }] }));
    expect(none.ids).toEqual([null]);
    expect((await rowOf(first!)).status).toBe('pending');
    const refreshed = await planning.inDocument('w1', () => ({ value: null, plans: [{ live, entity: 'vendors', entityId: 'dj', mode: 'refresh' }] }));
    expect(refreshed.ids).toEqual([null]);
    expect(await rowOf(first!)).toMatchObject({ status: 'cancelled', last_error: 'the system already has this content' });
    const forced = await planning.inDocument('w1', () => ({ value: null, plans: [{ live, entity: 'vendors', entityId: 'dj', mode: 'forced' }, { live, entity: 'vendors', entityId: 'nobody', mode: 'changed' }] }));
    expect(forced.ids).toEqual([expect.any(Number), null]);
    expect((JSON.parse((await rowOf(forced.ids[0]!)).payload) as EntityPushPayload).change).toMatchObject({ op: 'upsert', externalId: 'dj' });
    expect(await updates()).toBe(1);
    // A change that throws before changing anything stores nothing and plans nothing.
    const outboxRows = async () => Number((await admin.query("SELECT count(*)::int AS n FROM outbox WHERE integration_id = 'int_sys'")).rows[0].n);
    const [rowsBefore, plannedBefore] = [await outboxRows(), planned];
    await expect(planning.inDocument('w1', () => { throw new Error('refused'); })).rejects.toThrow('refused');
    expect([await outboxRows(), planned, await updates()]).toEqual([rowsBefore, plannedBefore, 1]);

    // The planner renames the DJ (a push of "DJ Samantha" waits), then the system sends that same
    // name: applied, its link written, and the waiting push of the content the system now has is
    // cancelled in the same transaction, with nothing new planned for it.
    const renamed = await planning.inDocument('w1', (w) => {
      w.transact(() => w.upsertVendor({ id: 'dj', name: 'DJ Samantha', category: 'dj' }, origin), origin);
      return { value: null, plans: [{ live, entity: 'vendors', entityId: 'dj', mode: 'changed' }] };
    });
    const waiting = renamed.ids[0]!;
    expect(waiting).toEqual(expect.any(Number));
    expect((await rowOf(forced.ids[0]!)).status).toBe('cancelled');
    const worker = new PostgresInboxWorker({
      inbox, links, audit: new PostgresAuditLog(pool), integrations, registry, persistence: node.collab.persistence, withDocument: (w, fn) => docs.withDocument(w, fn),
      retry: createRetryPolicy([50, 100], 2), metrics: node.metrics, logger: pino({ level: 'silent' }), now: Date.now, requestPull: () => undefined,
      afterApply: (applied) => planning.afterApply(applied), onPlanned: () => { planned += 100; },
    });
    registerTeardown(() => worker.stop());
    const row = await inbox.add({ integrationId: 'int_sys', weddingId: 'w1', eventId: 'evt_1', kind: 'webhook', payload: storedWebhook('vendor.upserted', { id: 'dj', name: 'DJ Samantha', category: 'dj' }), receivedAt: Date.now() });
    const before = planned;
    worker.start();
    await waitFor(async () => (await inbox.get(row!))?.status === 'applied', 'the webhook to be applied');
    expect(await rowOf(waiting)).toMatchObject({ status: 'cancelled', last_error: 'the system already has this content' });
    expect((await links.get('int_sys', 'vendors', 'dj'))?.lastSynced).toMatchObject({ name: 'DJ Samantha' });
    expect((await admin.query("SELECT count(*)::int AS n FROM outbox WHERE integration_id = 'int_sys' AND status = 'pending'")).rows[0].n).toBe(0);
    // Only a cancellation: nothing was added, so the outbox worker is not woken for it.
    expect(planned).toBe(before);

  });
});
