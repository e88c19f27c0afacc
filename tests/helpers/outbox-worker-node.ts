import pino from 'pino';
import { AuditLog } from '../../server/bridge/audit-log.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { IntegrationRegistry, type LiveIntegration } from '../../server/bridge/integration-registry.ts';
import { IntegrationStore, sqliteIntegrationRecords, type Integration } from '../../server/bridge/integration-store.ts';
import { OutboxWorker } from '../../server/bridge/outbox-worker.ts';
import { PostgresOutboxStore } from '../../server/bridge/postgres-outbox-store.ts';
import { createRetryPolicy } from '../../server/bridge/retry-policy.ts';
import { Metrics } from '../../server/metrics.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { openPostgresPool } from '../../server/storage/postgres/pool.ts';

/** The outbox row kind the test node delivers. */
export const TEST_PUSH_KIND = 'test.push';

/**
 * One instance's outbox delivery, as the server runs it (OutboxWorker) on the shared PostgreSQL
 * outbox (PostgresOutboxStore), for the cluster outbox tests: each row of kind `test.push` is
 * POSTed to `receiverUrl` with its idempotency key (header `Idempotency-Key`) and this holder
 * (`X-Holder`); a non-2xx answer is a failed attempt. The integrations' health and the audit stay in
 * a per-instance SQLite in `dataDir`, as they do today (docs/storage-backends.md).
 */
export async function startOutboxNode(options: { databaseUrl: string; instanceId: string; claimTtlMs: number; dataDir: string; receiverUrl: string; integrations: string[] }) {
  const pool = openPostgresPool(options.databaseUrl);
  await applyPostgresMigrations(pool);
  const outbox = new PostgresOutboxStore(pool, { instanceId: options.instanceId, claimTtlMs: options.claimTtlMs });
  const db = openDatabase(options.dataDir, { synchronous: 'normal' });
  const registry = new IntegrationRegistry();
  for (const id of options.integrations) {
    const integration = { id, weddingId: `w-${id}`, connectionId: `c-${id}`, system: 'webhooks', breakerState: 'closed', breakerUntil: null, consecutiveFailures: 0 } as unknown as Integration;
    registry.put({ integration } as LiveIntegration);
  }
  const worker = new OutboxWorker({
    outbox, registry, integrations: sqliteIntegrationRecords(new IntegrationStore(db, createCredentialCipher(Buffer.alloc(32, 7)))), audit: new AuditLog(db), metrics: new Metrics(),
    logger: pino({ level: 'silent' }), now: Date.now, retry: createRetryPolicy([50, 100], 5),
    breaker: { threshold: 1000, cooldownMs: 1000, maxCooldownMs: 1000 },
  });
  worker.register(TEST_PUSH_KIND, async (row) => {
    const res = await fetch(`${options.receiverUrl}/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': row.idempotencyKey, 'x-holder': outbox.holder },
      body: JSON.stringify({ id: row.id, integrationId: row.integrationId }),
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`receiver answered ${res.status}`);
    return { status: res.status };
  });
  worker.start();
  return {
    holder: outbox.holder,
    kick: () => worker.kick(),
    async stop() {
      await worker.stop();
      await outbox.close();
      await pool.end();
      db.close();
    },
  };
}
