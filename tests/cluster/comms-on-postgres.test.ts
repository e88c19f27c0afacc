import crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SmtpSandbox } from '../../adapters/email/sandbox.ts';
import { createTokenService } from '../../server/auth/tokens.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { PostgresIntegrationStore } from '../../server/bridge/postgres-integration-store.ts';
import { Cascades } from '../../server/comms/cascades.ts';
import { CommsService } from '../../server/comms/comms-service.ts';
import { postgresCommsStorage } from '../../server/comms/postgres-comms-storage.ts';
import { createLogger } from '../../server/logger.ts';
import { PaymentCoordinator } from '../../server/payments/payment-coordinator.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { openPostgresPool } from '../../server/storage/postgres/pool.ts';
import { planner } from '../helpers/cluster-clients.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { closeCommitGate } from '../helpers/postgres-commit-gate.ts';
import { startPostgresCollabNode, type PostgresCollabNode } from '../helpers/postgres-collab-node.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { TEST_SECRET, tempDir } from '../helpers/test-server.ts';
import { testToken } from '../helpers/tokens.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15: the communication bridge on PostgreSQL (postgresCommsStorage). The brief's story: the
// planner sends a message to a vendor → it is written to the wedding's log with its sends, the
// sends' outbox rows commit with it (a joined write of its append), and the vendor gets the e-mail
// once, whichever instance claims the integration; what a change writes of comms' own rows (the
// guest count last seen, the notification job) commits with it too.

const KEY = crypto.randomBytes(32).toString('base64');
const COMMIT_GATE = 4325;
const logger = createLogger({ LOG_LEVEL: 'silent' });
const SETTINGS = {
  emergencyEscalateAfterS: 600, ackEscalateAfterS: 3600, notifyQuietMs: 60_000, notifyMaxDelayMs: 300_000, tickMs: 100, outboxMaxAttempts: 5,
};

describe('comms on PostgreSQL, on two instances', () => {
  const db = usePostgresDatabase();
  let url = '';
  beforeAll(() => ({ url } = db()));

  /** A node with the bridge and comms (and the cascades and payments listeners) on the shared stores. */
  async function node(instanceId: string): Promise<{ node: PostgresCollabNode; comms: CommsService }> {
    const n = await startPostgresCollabNode({ databaseUrl: url, instanceId, leaseMs: 4000, dataDir: tempDir(), route: true, bridgeKey: KEY });
    const pool = openPostgresPool(url, { max: 4 });
    const storage = await postgresCommsStorage({
      pool, instanceId, cipher: createCredentialCipher(Buffer.from(KEY, 'base64')), persistence: n.collab.persistence, now: Date.now, logger,
    });
    const comms = new CommsService({ storage, bridge: n.bridge!, logger, settings: SETTINGS, publicUrl: () => n.httpUrl });
    new Cascades(n.bridge!, comms);
    new PaymentCoordinator(n.bridge!, comms, { reminderDays: [7] });
    comms.start();
    // Stopped in order: comms, its job claims, the node (its bridge and documents), then comms' pool.
    registerTeardown(async () => {
      await comms.stop();
      await storage.close();
      await n.stop();
      await pool.end();
    });
    return { node: n, comms };
  }

  it('a message sent through one instance is delivered once, its send row committed with it; a change\'s comms rows commit with it', async () => {
    const { admin } = db();
    await applyPostgresMigrations(admin);
    const smtp = await new SmtpSandbox().start();
    registerTeardown(() => smtp.stop());
    // The wedding's e-mail connection, stored before the instances start (they resume it).
    await new PostgresIntegrationStore(admin, createCredentialCipher(Buffer.from(KEY, 'base64'))).createStandalone({
      id: 'int_mail', weddingId: 'w1', system: 'email', category: 'communication', vendorId: null, runMode: 'in_process', credentials: {}, webhookSecret: 'unused',
      configuration: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: { name: 'Ana & Ben', address: 'wedding@example.com' } },
      configurationSecrets: [], capabilities: ['messaging'], createdBy: 'per_a', connector: { sub: 'per_a', role: 'planner', vendorId: null },
    });
    const a = await node('a');
    const b = await node('b');
    await waitFor(() => a.node.bridge!.registry.get('int_mail') !== undefined && b.node.bridge!.registry.get('int_mail') !== undefined, 'both instances to run the e-mail connection');

    // The planner opens w1 on a (a owns it) and books a florist who reads e-mail.
    const client = await planner(a.node.wsUrl, 'w1');
    await client.whenSynced(10_000);
    client.doc.upsertVendor({ id: 'florist', name: 'Fleur', category: 'florist', email: 'fleur@example.com', preferredChannels: ['email'], status: 'booked' });
    client.doc.updateGuests({ count: 100 });
    await client.whenAcknowledged(10_000);

    // The guest count's last seen value and the florist's notification job committed with the change.
    await waitFor(async () => (await admin.query("SELECT value FROM comms_last_seen WHERE wedding_id = 'w1' AND key = 'guests.count'")).rows[0]?.value === '100', 'the count last seen');
    client.doc.updateGuests({ count: 120 });
    await client.whenAcknowledged(10_000);
    await waitFor(async () => (await admin.query("SELECT value FROM comms_last_seen WHERE wedding_id = 'w1' AND key = 'guests.count'")).rows[0]?.value === '120', 'the new count last seen');
    const notify = (await admin.query<{ payload: string }>("SELECT payload FROM comms_jobs WHERE wedding_id = 'w1' AND kind = 'notify.batch' AND status = 'pending'")).rows;
    expect(notify).toHaveLength(1);
    expect(JSON.parse(notify[0]!.payload).items[0]).toMatchObject({ kind: 'cascade.guests', payload: { count: 120, previous: null } });

    // The planner sends a message through a, with the COMMIT of its append held: its send row is
    // not there (and nothing is sent) until the message commits, then it is, with it.
    const principal = await createTokenService(TEST_SECRET).verify(await testToken('planner', ['w1'], 'per_a'));
    const gate = await closeCommitGate(admin, 'document_updates', COMMIT_GATE);
    const sent = await a.comms.messages.send(principal, 'w1', { recipientIds: ['florist'], subject: 'Buttonholes', body: 'Twelve, please.', priority: 'normal', type: 'message', requiresAck: false });
    const messageId = sent.message.id;
    expect(Object.values(sent.message.deliveries).map((d) => [d.channel, d.status])).toEqual([['wedsync_chat', 'delivered'], ['email', 'queued']]);
    await gate.blocked('the message\'s append to block in COMMIT');
    const sendRows = async () => (await admin.query<{ idempotency_key: string }>("SELECT idempotency_key FROM outbox WHERE kind = 'message' AND wedding_id = 'w1'")).rows;
    expect(await sendRows()).toEqual([]);
    await gate.open();
    await waitFor(async () => (await sendRows()).length > 0, 'the send row');
    expect(await sendRows()).toEqual([{ idempotency_key: `wsm-w1-${messageId}-florist-email-L0` }]);
    await waitFor(() => smtp.to('fleur@example.com').length === 1, 'the florist to get the e-mail', 15_000);
    expect(smtp.to('fleur@example.com')[0]!.subject).toBe('Buttonholes');
    await waitFor(async () => (await admin.query("SELECT status FROM outbox WHERE kind = 'message'")).rows[0]?.status === 'delivered', 'the send recorded delivered');
    expect((await admin.query('SELECT status FROM comms_sends')).rows).toEqual([{ status: 'sent' }]);
    // Both instances' workers poll the outbox again within a second: still one e-mail.
    await new Promise((r) => setTimeout(r, 1500));
    expect(smtp.to('fleur@example.com')).toHaveLength(1);
    expect((await admin.query("SELECT count(*)::int AS n FROM outbox WHERE kind = 'message'")).rows[0].n).toBe(1);
  }, 60_000);
});
