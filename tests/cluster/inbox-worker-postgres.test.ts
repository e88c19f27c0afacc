import crypto from 'node:crypto';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdapterRuntime } from '../../adapters/core/index.ts';
import { createWebhooksAdapter, webhooksAdapter } from '../../adapters/webhooks/index.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { HocuspocusDocuments } from '../../server/bridge/hocuspocus-documents.ts';
import { IntegrationRegistry, LiveBinding } from '../../server/bridge/integration-registry.ts';
import { PostgresAuditLog } from '../../server/bridge/postgres-audit-log.ts';
import { PostgresInboxStore } from '../../server/bridge/postgres-inbox-store.ts';
import { PostgresInboxWorker } from '../../server/bridge/postgres-inbox-worker.ts';
import { PostgresIntegrationStore } from '../../server/bridge/postgres-integration-store.ts';
import { PostgresLinkStore } from '../../server/bridge/postgres-link-store.ts';
import { createRetryPolicy } from '../../server/bridge/retry-policy.ts';
import { DocumentLeases } from '../../server/storage/postgres/document-leases.ts';
import { openPostgresPool } from '../../server/storage/postgres/pool.ts';
import { planner, storedWebhook } from '../helpers/cluster-clients.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { closeCommitGate } from '../helpers/postgres-commit-gate.ts';
import { startPostgresCollabNode } from '../helpers/postgres-collab-node.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15: webhooks accepted by any instance are applied on PostgreSQL by the instance that claims
// the wedding, each slice of rows in one transaction with the document change it makes. The brief's
// story: a vendor's system sends a new DJ → the wedding has the DJ, and nothing is half-recorded.

const COMMIT_GATE = 4411;
const cipher = createCredentialCipher(crypto.randomBytes(32));


describe('the inbox worker on PostgreSQL', () => {
  const db = usePostgresDatabase();
  let url = '';
  beforeAll(() => ({ url } = db()));

  it('applies webhooks to the wedding in order, with their links, outcomes, audit and health in the change\'s transaction', async () => {
    const { admin } = db();
    const node = await startPostgresCollabNode({ databaseUrl: url, instanceId: 'inbox', leaseMs: 2000, dataDir: tempDir() });
    registerTeardown(() => node.stop());
    const pool = openPostgresPool(url, { max: 6 });
    registerTeardown(() => pool.end());
    const integrations = new PostgresIntegrationStore(pool, cipher);
    const links = new PostgresLinkStore(pool);
    const audit = new PostgresAuditLog(pool);
    const inbox = new PostgresInboxStore(pool, { instanceId: 'inbox', claimTtlMs: 5000 });
    registerTeardown(() => inbox.close());

    // A planner's inbound webhooks binding of w1 (a real adapter; a vendor's CRM sends through it).
    const integration = await integrations.createStandalone({
      id: 'int_crm', weddingId: 'w1', system: 'webhooks', category: 'wedding_planning', vendorId: null, runMode: 'in_process', credentials: {}, webhookSecret: 'whsec_x',
      configuration: { direction: 'inbound' }, configurationSecrets: [], capabilities: ['webhook'], createdBy: 'per_a', connector: { sub: 'per_a', role: 'planner', vendorId: null },
    });
    const runtime: AdapterRuntime = {
      integrationId: integration.id, weddingId: 'w1', webhookUrl: '', webhookSecret: 'whsec_x', fetch, egress: { fetch, lookup: () => undefined } as unknown as AdapterRuntime['egress'],
      now: Date.now, state: { get: () => ({}), set: () => undefined },
    };
    const registry = new IntegrationRegistry();
    registry.put(new LiveBinding(integration, webhooksAdapter, () => createWebhooksAdapter({ integrationId: integration.id, weddingId: 'w1', credentials: {}, configuration: integration.configuration, runtime })));

    const docs = new HocuspocusDocuments(node.collab.hocuspocus, node.collab.persistence);
    registerTeardown(() => docs.releaseAll());
    const worker = new PostgresInboxWorker({
      inbox, links, audit, integrations, registry, persistence: node.collab.persistence, withDocument: (w, fn) => docs.withDocument(w, fn),
      retry: createRetryPolicy([50, 100], 2), metrics: node.metrics, logger: pino({ level: 'silent' }), now: Date.now, requestPull: () => undefined,
    });
    registerTeardown(() => worker.stop());
    const client = await planner(node.wsUrl, 'w1');
    await client.whenSynced(10_000);

    // The COMMIT of the transaction writing the row's audit entry is held: if that is the change's
    // own transaction, the change is neither stored nor sent to the planner meanwhile, and the row
    // is not marked applied.
    const gate = await closeCommitGate(admin, 'audit', COMMIT_GATE);
    const first = await inbox.add({ integrationId: 'int_crm', weddingId: 'w1', eventId: 'evt_1', kind: 'webhook', payload: storedWebhook('vendor.upserted', { id: 'dj', name: 'DJ Sam', category: 'dj' }), receivedAt: Date.now() });
    worker.start();
    await gate.blocked('the webhook\'s transaction to block in COMMIT');
    const updates = async () => Number((await admin.query("SELECT count(*) AS n FROM document_updates WHERE name = 'wedding:w1'")).rows[0].n);
    expect(await updates()).toBe(0);
    expect((await inbox.get(first!))?.status).toBe('pending');
    expect(await links.get('int_crm', 'vendors', 'dj')).toBeUndefined();
    expect(client.doc.getVendor('dj')).toBeUndefined();
    await gate.open();
    await waitFor(async () => (await inbox.get(first!))?.status === 'applied', 'the webhook to be applied');
    await waitFor(() => client.doc.getVendor('dj')?.name === 'DJ Sam', 'the planner to see the DJ');
    expect(await links.get('int_crm', 'vendors', 'dj')).toMatchObject({ externalId: 'dj', lastSynced: { name: 'DJ Sam' } });
    expect((await audit.list('w1', 10)).entries.map((e) => [e.action, e.entityId, e.result])).toEqual([['inbound.applied', 'dj', 'ok']]);
    expect((await integrations.get('int_crm'))?.lastSyncAt).toMatch(/^\d{4}-/);
    // Attributed to the integration in the change's own transaction (the activity recorder's joined write).
    expect((await admin.query("SELECT actor_kind, actor_id FROM activity WHERE wedding_id = 'w1' AND entity_id = 'dj' LIMIT 1")).rows[0]).toEqual({ actor_kind: 'adapter', actor_id: 'int_crm' });

    // In order: a payload that cannot be applied is parked with its reason, and the row after it goes on.
    const bad = await inbox.add({ integrationId: 'int_crm', weddingId: 'w1', eventId: 'evt_2', kind: 'webhook', payload: storedWebhook('vendor.upserted', { id: 'x', name: '' }), receivedAt: Date.now() });
    const renamed = await inbox.add({ integrationId: 'int_crm', weddingId: 'w1', eventId: 'evt_3', kind: 'webhook', payload: storedWebhook('vendor.upserted', { id: 'dj', name: 'DJ Samantha', category: 'dj' }), receivedAt: Date.now() });
    worker.kick();
    await waitFor(async () => (await inbox.get(renamed!))?.status === 'applied', 'the rename to be applied');
    expect(await inbox.get(bad!)).toMatchObject({ status: 'parked', lastError: expect.stringContaining('invalid_payload') });
    await waitFor(() => client.doc.getVendor('dj')?.name === 'DJ Samantha', 'the planner to see the rename');
    expect((await links.get('int_crm', 'vendors', 'dj'))?.lastSynced).toMatchObject({ name: 'DJ Samantha' });
    expect((await audit.list('w1', 10)).entries.map((e) => e.action)).toEqual(['inbound.applied', 'inbound.parked', 'inbound.applied']);

    // The same record again: nothing changes, the row is applied, the link tells it is ours.
    const again = await inbox.add({ integrationId: 'int_crm', weddingId: 'w1', eventId: 'evt_4', kind: 'webhook', payload: storedWebhook('vendor.upserted', { id: 'dj', name: 'DJ Samantha', category: 'dj' }), receivedAt: Date.now() });
    worker.kick();
    await waitFor(async () => (await inbox.get(again!))?.status === 'applied', 'the repeat to be applied');
    expect((await audit.list('w1', 1)).entries[0]).toMatchObject({ action: 'inbound.applied', result: 'skipped' });
    expect(Object.keys(client.doc.toJSON().vendors ?? {})).toEqual(['dj']);

    // The slice's writes cannot be stored (a trigger refuses its audit entries): the change is kept,
    // the row counts failed attempts recorded apart, and is parked after the last, not applied again forever.
    await admin.query(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$`);
    await admin.query("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit FOR EACH ROW WHEN (NEW.entity_id = 'mc') EXECUTE FUNCTION refuse_audit()");
    const stuck = await inbox.add({ integrationId: 'int_crm', weddingId: 'w1', eventId: 'evt_5', kind: 'webhook', payload: storedWebhook('vendor.upserted', { id: 'mc', name: 'MC Lee', category: 'other' }), receivedAt: Date.now() });
    worker.kick();
    await waitFor(async () => (await inbox.get(stuck!))?.status === 'parked', 'the row whose writes cannot be stored to be parked', 20_000);
    expect(await inbox.get(stuck!)).toMatchObject({ attempts: 2, lastError: expect.stringContaining('audit refused') });

    // While its slices keep failing, the wedding is left alone 1 s, then 2 s, then 4 s: the wait
    // doubles (it stayed at 1 s when the wait's entry was forgotten once it passed). The rows' own
    // retry waits nothing here, so each failure's time (the row's nextAttemptAt) is when the wedding
    // was claimed again, at the earliest, once the previous wait ended.
    await worker.stop();
    const patient = new PostgresInboxWorker({
      inbox, links, audit, integrations, registry, persistence: node.collab.persistence, withDocument: (w, fn) => docs.withDocument(w, fn),
      retry: createRetryPolicy([0], 10, () => 0), metrics: node.metrics, logger: pino({ level: 'silent' }), now: Date.now, requestPull: () => undefined,
    });
    registerTeardown(() => patient.stop());
    const failing = await inbox.add({ integrationId: 'int_crm', weddingId: 'w1', eventId: 'evt_6', kind: 'webhook', payload: storedWebhook('vendor.upserted', { id: 'mc', name: 'MC Lee', category: 'other' }), receivedAt: Date.now() });
    patient.start();
    const failedAt: number[] = [];
    try {
      await waitFor(async () => {
        const row = await inbox.get(failing!);
        if (row && row.attempts > failedAt.length) failedAt.push(row.nextAttemptAt);
        return failedAt.length >= 4;
      }, 'four failed attempts', 20_000, 50);
    } finally {
      // Not left pending, nor refusing, for the next tests.
      await patient.stop();
      await admin.query("UPDATE inbox SET status = 'parked', last_error = 'the test is over' WHERE id = $1", [failing]);
      await admin.query('DROP TRIGGER refuse_audit ON audit');
    }
    const gaps = failedAt.slice(1).map((at, i) => at - failedAt[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(1000);
    expect(gaps[1]).toBeGreaterThanOrEqual(2000);
    expect(gaps[2]).toBeGreaterThanOrEqual(4000);
    // It starts at 1 s: the first gap is that wait plus at most a 250 ms poll and a slice, not 2 s.
    expect(gaps[0]).toBeLessThan(2000);
  });

  it('claims a wedding only when its first pending row is due: rows behind a row waiting for its retry wait with it', async () => {
    const pool = openPostgresPool(url, { max: 2 });
    registerTeardown(() => pool.end());
    const store = new PostgresInboxStore(pool, { instanceId: 'order', claimTtlMs: 5000 });
    registerTeardown(() => store.close());
    const first = await store.add({ integrationId: 'int_x', weddingId: 'w11', eventId: 'evt_first', kind: 'webhook', payload: '{}', receivedAt: 1 });
    expect(await store.claimWeddings(Date.now(), 8)).toEqual(['w11']);
    expect(await store.retry(first!, Date.now() + 60_000, 'try later')).toBe(true);
    await store.release('w11');
    await store.add({ integrationId: 'int_x', weddingId: 'w11', eventId: 'evt_second', kind: 'webhook', payload: '{}', receivedAt: 2 });
    expect(await store.claimWeddings(Date.now(), 8)).toEqual([]);
    expect(await store.claimWeddings(Date.now() + 61_000, 8)).toEqual(['w11']);
  });

  it('leaves a wedding whose document another instance owns to that instance, and claims it once the document is free', async () => {
    const pool = openPostgresPool(url, { max: 4 });
    registerTeardown(() => pool.end());
    const [a, b] = [new PostgresInboxStore(pool, { instanceId: 'owner-a', claimTtlMs: 5000 }), new PostgresInboxStore(pool, { instanceId: 'other-b', claimTtlMs: 5000 })];
    registerTeardown(async () => { await a.close(); await b.close(); });
    const lease = await new DocumentLeases(pool, 'owner-a').acquire('wedding:w9', 5000);
    expect(lease).not.toBeNull();
    for (const w of ['w9', 'w10']) await a.add({ integrationId: 'int_x', weddingId: w, eventId: `evt_${w}`, kind: 'webhook', payload: '{}', receivedAt: 1 });
    // The other instance takes only the wedding nobody serves; the owner takes its own.
    expect(await b.claimWeddings(Date.now(), 8)).toEqual(['w10']);
    expect(await a.claimWeddings(Date.now(), 8)).toEqual(['w9']);
    await a.release('w9');
    // (b is applying w10 meanwhile: skipped, as the worker skips the weddings it is applying.)
    expect(await b.claimWeddings(Date.now(), 8, ['w10'])).toEqual([]);
    // The owner lets the document go: any instance may apply its rows.
    await new DocumentLeases(pool, 'owner-a').release(lease!);
    expect(await b.claimWeddings(Date.now(), 8, ['w10'])).toEqual(['w9']);
  });
});
