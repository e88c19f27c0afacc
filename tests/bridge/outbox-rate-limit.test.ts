import crypto from 'node:crypto';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../adapters/core/errors.ts';
import { AuditLog } from '../../server/bridge/audit-log.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { IntegrationRegistry, type LiveIntegration } from '../../server/bridge/integration-registry.ts';
import { IntegrationStore, sqliteIntegrationRecords, type Integration } from '../../server/bridge/integration-store.ts';
import { SqliteOutboxQueue } from '../../server/bridge/outbox-queue.ts';
import { OutboxStore, supersedingStart } from '../../server/bridge/outbox-store.ts';
import { OutboxWorker } from '../../server/bridge/outbox-worker.ts';
import { RETRY_AFTER_MAX_MS, createRetryPolicy } from '../../server/bridge/retry-policy.ts';
import { Metrics } from '../../server/metrics.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

// A 429 is the account's: every binding of the connection waits out its Retry-After (capped), and
// bindings of other connections do not (server/bridge/outbox-worker.ts, retry-policy.ts).

const KIND = 'test.push';

/** An OutboxWorker on a SQLite outbox, delivering to a stand-in system that answers the first push of `refuse` with 429. */
function worker(bindings: Record<string, string>, refuse: string, retryAfterMs: number) {
  const db = openDatabase(tempDir('outbox-429-'), { synchronous: 'normal' });
  registerTeardown(() => db.close());
  // The bindings live in the registry only (the worker reads them there): no rows for the outbox's foreign key.
  db.pragma('foreign_keys = OFF');
  const store = new OutboxStore(db);
  const registry = new IntegrationRegistry();
  for (const [id, connectionId] of Object.entries(bindings)) {
    registry.put({ integration: { id, weddingId: `w-${id}`, connectionId, system: 'webhooks', breakerState: 'closed', breakerUntil: null, consecutiveFailures: 0 } as unknown as Integration } as LiveIntegration);
  }
  const sent: { binding: string; n: number; at: number; status: number }[] = [];
  let refused = false;
  const w = new OutboxWorker({
    outbox: new SqliteOutboxQueue(store), registry, integrations: sqliteIntegrationRecords(new IntegrationStore(db, createCredentialCipher(crypto.randomBytes(32)))),
    audit: new AuditLog(db), metrics: new Metrics(), logger: pino({ level: 'silent' }), now: Date.now, retry: createRetryPolicy([20, 40], 6),
    breaker: { threshold: 1000, cooldownMs: 1000, maxCooldownMs: 1000 },
  });
  w.register(KIND, async (row) => {
    const n = (JSON.parse(row.payload) as { n: number }).n;
    if (row.integrationId === refuse && !refused) {
      refused = true;
      sent.push({ binding: row.integrationId, n, at: Date.now(), status: 429 });
      throw new AdapterError('rate_limited', 'rate limit (429)', { status: 429, retryAfterMs });
    }
    sent.push({ binding: row.integrationId, n, at: Date.now(), status: 200 });
    return { status: 200 };
  });
  const add = (binding: string, n: number) => store.add({ integrationId: binding, weddingId: `w-${binding}`, kind: KIND, entity: 'timeline', entityId: `e${n}`, payload: { n }, contentHash: `h${n}`, priority: 0, notBefore: 0 }, Date.now());
  registerTeardown(() => w.stop());
  return { w, add, sent };
}

describe('outbox: a 429 pauses the connection', () => {
  it('every binding of the refused connection waits out Retry-After; another connection\'s binding goes on', async () => {
    const { w, add, sent } = worker({ 'b-wedding-1': 'conn-google', 'b-wedding-2': 'conn-google', 'b-other': 'conn-stripe' }, 'b-wedding-1', 800);
    add('b-wedding-1', 1);
    w.start();
    await waitFor(() => sent.some((s) => s.status === 429), 'the 429');
    const refusedAt = sent.find((s) => s.status === 429)!.at;
    add('b-wedding-2', 2);
    add('b-other', 3);
    add('b-wedding-1', 4);
    w.kick();
    await waitFor(() => [1, 2, 3, 4].every((n) => sent.some((s) => s.n === n && s.status === 200)), 'every push delivered');
    const gap = (n: number) => sent.find((s) => s.n === n && s.status === 200)!.at - refusedAt;
    expect([gap(1), gap(2), gap(4)].filter((g) => g < 800)).toEqual([]);
    expect(gap(3)).toBeLessThan(800);
  });

  it('honours Retry-After up to an hour, not the days (or the year 2099) a system may ask for', () => {
    const policy = createRetryPolicy([1000], 3, () => 0);
    expect(policy.delay(1, 30_000)).toBe(30_000);
    expect(policy.delay(1, 10 * 86_400_000)).toBe(RETRY_AFTER_MAX_MS);
    expect(RETRY_AFTER_MAX_MS).toBe(3_600_000);
  });

  it('a newer push of an entity starts where the older ones leave it, whatever their order', () => {
    const debounced = { dueAt: 500, attempts: 0 };
    const waiting = { dueAt: 31_000, attempts: 2 };
    expect(supersedingStart(900, [debounced])).toEqual({ dueAt: 500, attempts: 0 });
    expect(supersedingStart(900, [waiting])).toEqual({ dueAt: 31_000, attempts: 2 });
    expect(supersedingStart(900, [debounced, waiting])).toEqual({ dueAt: 31_000, attempts: 2 });
    expect(supersedingStart(900, [waiting, debounced])).toEqual({ dueAt: 31_000, attempts: 2 });
    expect(supersedingStart(900, [])).toEqual({ dueAt: 900, attempts: 0 });
    // Edits after the wait has passed do not put the push off: the earliest due time still stands.
    expect(supersedingStart(40_000, [waiting])).toEqual({ dueAt: 31_000, attempts: 2 });
    expect(supersedingStart(40_000, [{ dueAt: 31_000, attempts: 0 }, waiting])).toEqual({ dueAt: 31_000, attempts: 2 });
  });
});
