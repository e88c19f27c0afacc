import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { InboxStore, sqliteInboxReads, type InboxReads } from '../../server/bridge/inbox-store.ts';
import { IntegrationStore } from '../../server/bridge/integration-store.ts';
import { SqliteOutboxQueue, type OutboxQueue } from '../../server/bridge/outbox-queue.ts';
import { OutboxStore, sqliteOutboxReads, type NewOutboxRow, type OutboxReads } from '../../server/bridge/outbox-store.ts';
import { PostgresInboxStore } from '../../server/bridge/postgres-inbox-store.ts';
import { PostgresOutboxStore } from '../../server/bridge/postgres-outbox-store.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: what a wedding's status, a connection's health and the dead-letter routes read of the
// outbox and the inbox (OutboxReads, InboxReads), the same on SQLite and PostgreSQL.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

const cipher = createCredentialCipher(crypto.randomBytes(32));
const T0 = Date.parse('2026-12-03T10:00:00.000Z');

interface Opened {
  /** A binding of a new wedding (a row the SQLite tables reference). */
  binding(): Promise<{ id: string; weddingId: string }>;
  add(r: NewOutboxRow, now: number): Promise<number>;
  addInbox(r: { integrationId: string; weddingId: string; eventId: string }): Promise<number>;
  park(id: number, error: string): Promise<void>;
  applied(id: number, result: unknown): Promise<void>;
  queue: OutboxQueue;
  reads: OutboxReads;
  inbox: InboxReads;
}

let n = 0;
const unique = (prefix: string) => `${prefix}_${String(++n).padStart(6, '0')}_${process.pid}`;

function openSqlite(): Opened {
  const sqlite = openDatabase(tempDir('outbox-reads-'), { synchronous: 'normal' });
  registerTeardown(() => sqlite.close());
  const outbox = new OutboxStore(sqlite);
  const inbox = new InboxStore(sqlite);
  const integrations = new IntegrationStore(sqlite, cipher);
  return {
    async binding() {
      const id = unique('int');
      const weddingId = unique('w');
      integrations.createStandalone({
        id, weddingId, system: 'webhooks', category: 'communication', vendorId: null, runMode: 'in_process', credentials: {}, webhookSecret: 'whsec_x',
        configuration: {}, configurationSecrets: [], capabilities: ['push'], createdBy: 'per_a', connector: { sub: 'per_a', role: 'planner', vendorId: null },
      });
      return { id, weddingId };
    },
    add: async (r, now) => outbox.add(r, now),
    addInbox: async (r) => inbox.add({ ...r, kind: 'changes', payload: '{"changes":[]}', receivedAt: T0 })!,
    park: async (id, error) => { inbox.park(id, error); },
    applied: async (id, result) => { inbox.applied(id, result, T0); },
    queue: new SqliteOutboxQueue(outbox),
    reads: sqliteOutboxReads(outbox),
    inbox: sqliteInboxReads(inbox),
  };
}

function openPostgres(): Opened {
  const pool = new pg.Pool({ connectionString: db().url, max: 4 });
  pools.push(pool);
  const outbox = new PostgresOutboxStore(pool, { instanceId: unique('i'), claimTtlMs: 30_000 });
  registerTeardown(() => outbox.close());
  const inbox = new PostgresInboxStore(pool, { instanceId: unique('i') });
  registerTeardown(() => inbox.close());
  return {
    binding: async () => ({ id: unique('int'), weddingId: unique('w') }),
    add: (r, now) => outbox.add(r, now),
    addInbox: async (r) => (await inbox.add({ ...r, kind: 'changes', payload: '{"changes":[]}', receivedAt: T0 }))!,
    async park(id, error) {
      // Outcomes are recorded by the wedding's claim holder only.
      await inbox.claimWeddings(T0 + 60_000, 1000);
      expect(await inbox.park(id, error)).toBe(true);
    },
    async applied(id, result) {
      await inbox.claimWeddings(T0 + 60_000, 1000);
      expect(await inbox.applied(id, result, T0)).toBe(true);
    },
    queue: outbox,
    reads: outbox,
    inbox,
  };
}

const push = (b: { id: string; weddingId: string }, entityId: string, at: number): NewOutboxRow => ({
  integrationId: b.id, weddingId: b.weddingId, kind: 'entity', entity: 'timeline', entityId, payload: { op: 'upsert', entityId }, contentHash: `h-${entityId}`, priority: 0, notBefore: at,
});

/**
 * A push of `e1` taken for delivery, then a newer one of `e1` added while it is under way; `daysBack` days before T0, so no other case's rows are due with them.
 */
async function editedUnderWay(open: () => Opened, daysBack: number) {
  const o = open();
  const b = await o.binding();
  const T = T0 - daysBack * 86_400_000;
  const older = await o.add(push(b, 'e1', T), T);
  await o.queue.claimDue(T + 10, 10, [], 10);
  const newer = await o.add({ ...push(b, 'e1', T + 20), payload: { op: 'upsert', entityId: 'e1', n: 2 } }, T + 20);
  return { o, T, older, newer };
}

describe.each([['sqlite', openSqlite], ['postgres', openPostgres]] as const)('outbox and inbox reads on %s', (_name, open) => {
  it('counts pending (inflight included) and dead rows per binding with the oldest pending age, lists dead ones newest first, and replays a dead one', async () => {
    const o = open();
    const b = await o.binding();
    const other = await o.binding();
    expect(await o.reads.countsFor(b.id, T0)).toEqual({ pending: 0, dead: 0, oldestPendingAgeMs: null });

    const first = await o.add(push(b, 'e1', T0), T0);
    const second = await o.add(push(b, 'e2', T0 + 1000), T0 + 1000);
    const third = await o.add(push(b, 'e3', T0 + 2000), T0 + 2000);
    await o.add(push(other, 'x1', T0), T0);
    // Two taken and refused for good; one left pending.
    const claimed = await o.queue.claimDue(T0 + 1500, 2, [other.id], 10);
    expect(claimed.map((r) => r.id)).toEqual([first, second]);
    await o.queue.markDead(first, 'invalid: 400', 400);
    await o.queue.markDead(second, 'invalid: 422', 422);
    expect(await o.reads.countsFor(b.id, T0 + 5000)).toEqual({ pending: 1, dead: 2, oldestPendingAgeMs: 3000 });
    expect(await o.reads.countsFor(other.id, T0 + 5000)).toEqual({ pending: 1, dead: 0, oldestPendingAgeMs: 5000 });

    const dead = await o.reads.deadFor(b.weddingId);
    expect(dead.map((r) => [r.id, r.status, r.lastError])).toEqual([[second, 'dead', 'invalid: 422'], [first, 'dead', 'invalid: 400']]);
    expect(await o.reads.deadFor(b.weddingId, 1)).toHaveLength(1);
    expect(await o.reads.deadFor(other.weddingId)).toEqual([]);

    // Replayed: pending again from now, attempts reset; a pending row is not replayable.
    expect(await o.reads.replay(first, T0 + 6000)).toBe('replayed');
    expect(await o.reads.replay(third, T0 + 6000)).toBe('not_replayable');
    expect(await o.reads.replay(first, T0 + 6000)).toBe('not_replayable');
    expect(await o.reads.replay(987_654_321, T0 + 6000)).toBe('not_replayable');
    const replayed = (await o.reads.get(first))!;
    expect([replayed.status, replayed.attempts, replayed.nextAttemptAt, replayed.lastError]).toEqual(['pending', 0, T0 + 6000, null]);
    expect(await o.reads.countsFor(b.id, T0 + 7000)).toEqual({ pending: 2, dead: 1, oldestPendingAgeMs: 7000 });
    // And it is delivered again (claimable by whichever worker holds the integration next).
    await o.queue.release(b.id);
    expect((await o.queue.claimDue(T0 + 7000, 10, [other.id], 10)).map((r) => r.id)).toEqual([first, third]);
    expect(await o.reads.get(987_654_321)).toBeUndefined();
  });

  it('counts the inbox rows of a binding pending and parked, and the parked ones whose error names a reason', async () => {
    const o = open();
    const b = await o.binding();
    expect(await o.inbox.countsFor(b.id)).toEqual({ pending: 0, parked: 0 });
    const rows = [];
    for (let i = 0; i < 4; i++) rows.push(await o.addInbox({ integrationId: b.id, weddingId: b.weddingId, eventId: unique('evt') }));
    await o.park(rows[0]!, 'no vendor known for this binding: choose one');
    await o.park(rows[1]!, 'invalid payload');
    expect(await o.inbox.countsFor(b.id)).toEqual({ pending: 2, parked: 2 });
    expect(await o.inbox.parkedFor(b.id, 'no vendor known')).toBe(1);
    expect(await o.inbox.parkedFor(b.id, 'nothing like this')).toBe(0);
    // What an applied row recorded, as a sync request reports it; nothing for a row not applied.
    await o.applied(rows[2]!, { applied: 2, skipped: 1, conflicts: ['c1'] });
    expect(JSON.parse((await o.inbox.appliedResult(rows[2]!))!)).toEqual({ applied: 2, skipped: 1, conflicts: ['c1'] });
    expect(await o.inbox.appliedResult(rows[3]!)).toBeNull();
    expect(await o.inbox.appliedResult(rows[0]!)).toBeNull();
    expect(await o.inbox.appliedResult(987_654_321)).toBeNull();
  });

  it('lists a wedding\'s pending and inflight rows of an entity, oldest first, for the sync request that waits for them, and a binding\'s entities with a push on its way', async () => {
    const o = open();
    const b = await o.binding();
    const other = await o.binding();
    const first = await o.add(push(b, 'e1', T0), T0);
    const second = await o.add(push(b, 'e2', T0), T0);
    const done = await o.add(push(b, 'e3', T0), T0);
    await o.add({ ...push(b, 'g1', T0), entity: 'guests' }, T0);
    await o.add(push(other, 'x1', T0), T0);
    const claimed = await o.queue.claimDue(T0, 10, [other.id], 10);
    expect(claimed.map((r) => r.id)).toContain(second);
    await o.queue.markDelivered(done, 200, T0);
    expect(await o.reads.activeForEntity(b.weddingId, 'timeline')).toEqual([{ id: first, integrationId: b.id }, { id: second, integrationId: b.id }]);
    expect(await o.reads.activeForEntity(b.weddingId, 'payments')).toEqual([]);
    // What the consistency audit leaves for later: the binding's entities with a push still on its way, any kind.
    const key = (e: { entity: string; entityId: string }) => `${e.entity}/${e.entityId}`;
    expect((await o.reads.activeEntities(b.id)).map(key).sort()).toEqual(['guests/g1', 'timeline/e1', 'timeline/e2']);
    expect((await o.reads.activeEntities(other.id)).map(key)).toEqual(['timeline/x1']);
    expect(await o.reads.activeEntities(unique('int'))).toEqual([]);
  });

  it('a newer push of an entity keeps the earlier due time of one never tried, and waits out the retry of one the system refused (429 Retry-After)', async () => {
    const o = open();
    // A day before the other cases' rows, which share the PostgreSQL database: only this case's are due.
    const T = T0 - 86_400_000;
    const b = await o.binding();
    // Debounced edits: the first due time stands, so busy editing cannot put delivery off.
    const first = await o.add(push(b, 'e1', T + 500), T);
    const newer = await o.add({ ...push(b, 'e1', T + 900), payload: { op: 'upsert', entityId: 'e1', n: 2 } }, T + 400);
    expect([(await o.reads.get(first))!.status, (await o.reads.get(newer))!.nextAttemptAt]).toEqual(['cancelled', T + 500]);
    // Tried and told to come back in 30 s: a newer edit comes back then too, not at once.
    const [taken] = await o.queue.claimDue(T + 1000, 10, [], 10);
    expect(taken!.id).toBe(newer);
    await o.queue.markRetry(newer, T + 31_000, 'rate_limited: 429', 429);
    await o.queue.release(b.id);
    const afterRefusal = await o.add({ ...push(b, 'e1', T + 1200), payload: { op: 'upsert', entityId: 'e1', n: 3 } }, T + 1200);
    expect([(await o.reads.get(newer))!.status, (await o.reads.get(afterRefusal))!.nextAttemptAt, (await o.reads.get(afterRefusal))!.attempts]).toEqual(['cancelled', T + 31_000, 1]);
    // …and so does the edit after that (the wait is carried on with the attempts).
    const third = await o.add({ ...push(b, 'e1', T + 1300), payload: { op: 'upsert', entityId: 'e1', n: 4 } }, T + 1300);
    expect([(await o.reads.get(third))!.nextAttemptAt, (await o.reads.get(third))!.attempts]).toEqual([T + 31_000, 1]);
    expect(await o.queue.claimDue(T + 2000, 10, [], 10)).toEqual([]);
  });

  it('a push that fails while a newer one of its entity waits is superseded by it, and the newer one waits out the failure', async () => {
    const o = open();
    const b = await o.binding();
    const T = T0 - 2 * 86_400_000;
    const sending = await o.add(push(b, 'e1', T), T);
    const [taken] = await o.queue.claimDue(T + 10, 10, [], 10);
    expect(taken!.id).toBe(sending);
    // Edited while the first push is under way: the newer push waits behind it.
    const newer = await o.add({ ...push(b, 'e1', T + 50), payload: { op: 'upsert', entityId: 'e1', n: 2 } }, T + 20);
    await o.queue.markRetry(sending, T + 30_000, 'rate_limited: 429', 429);
    await o.queue.release(b.id);
    // The older content is never sent after the newer; the newer goes when the system said.
    expect((await o.reads.get(sending))!.status).toBe('cancelled');
    expect([(await o.reads.get(newer))!.status, (await o.reads.get(newer))!.nextAttemptAt, (await o.reads.get(newer))!.attempts]).toEqual(['pending', T + 30_000, 1]);
    expect(await o.queue.claimDue(T + 1000, 10, [], 10)).toEqual([]);
    expect((await o.queue.claimDue(T + 30_000, 10, [], 10)).map((r) => r.id)).toEqual([newer]);
  });

  it('a newer push of an entity is not taken while an older one is under way, whatever its priority', async () => {
    const { o, T, older, newer } = await editedUnderWay(open, 3);
    const urgent = await o.add({ ...push({ id: (await o.reads.get(older))!.integrationId, weddingId: (await o.reads.get(older))!.weddingId }, 'e1', T + 25), priority: 1 }, T + 25);
    expect((await o.reads.get(newer))!.status).toBe('cancelled');
    // Claimed again as after a deferral or a lapsed claim (PostgreSQL takes the older one back; SQLite leaves it inflight).
    expect((await o.queue.claimDue(T + 30, 10, [], 10)).map((r) => r.id)).not.toContain(urgent);
    // It outranks the chain the older one is in: handed back, the older one is superseded by it (next case).
    expect(await o.queue.outrankedBy((await o.reads.get(older))!.integrationId, 0, T + 30)).toBe(true);
    // Not due while it waits (this case's rows are the oldest of the shared database): no pass loops on it.
    expect(await o.queue.nextDueAt([])).not.toBe(T + 25);
    expect([(await o.reads.get(older))!.status, (await o.reads.get(urgent))!.status]).toEqual(['inflight', 'pending']);
    expect(await o.queue.markDelivered(older, 200, T + 40)).toBe('delivered');
    await o.queue.release((await o.reads.get(older))!.integrationId);
    expect((await o.queue.claimDue(T + 50, 10, [], 10)).map((r) => r.id)).toEqual([urgent]);
  });

  it('an older push handed back (a more urgent row came, the breaker opened, a 429 paused the connection) is superseded by a newer one of its entity, which goes first', async () => {
    const o = open();
    const b = await o.binding();
    const T = T0 - 4 * 86_400_000;
    const older = await o.add(push(b, 'e1', T), T);
    const other = await o.add(push(b, 'e2', T), T);
    expect((await o.queue.claimDue(T + 10, 10, [], 10)).map((r) => r.id)).toEqual([older, other]);
    // Wedding-day mode: the newer push of e1 is more urgent, and outranks the chain's rest.
    const urgent = await o.add({ ...push(b, 'e1', T + 20), priority: 1, payload: { op: 'upsert', entityId: 'e1', n: 2 } }, T + 20);
    expect(await o.queue.outrankedBy(b.id, 0, T + 30)).toBe(true);
    await o.queue.defer(older, T);
    await o.queue.defer(other, T);
    await o.queue.release(b.id);
    expect([(await o.reads.get(older))!.status, (await o.reads.get(older))!.lastError]).toEqual(['cancelled', 'superseded by a newer change']);
    expect((await o.reads.get(urgent))!.nextAttemptAt).toBe(T);
    expect((await o.queue.claimDue(T + 30, 10, [], 10)).map((r) => r.id)).toEqual([urgent, other]);
  });

  it('only an entity\'s newest push is replayed: a newer one made since supersedes its dead letters, and one refused while a newer one was made is not a letter', async () => {
    const o = open();
    const b = await o.binding();
    const T = T0 - 5 * 86_400_000;
    const refused = await o.add(push(b, 'e1', T), T);
    const otherEntity = await o.add(push(b, 'e2', T), T);
    await o.queue.claimDue(T + 10, 10, [], 10);
    await o.queue.markDead(refused, 'invalid: 400', 400);
    await o.queue.markDead(otherEntity, 'invalid: 400', 400);
    await o.queue.release(b.id);
    expect((await o.reads.deadFor(b.weddingId)).map((r) => r.id)).toEqual([otherEntity, refused]);
    // A newer change of e1: the older one is no longer a letter, and is not sent again before or after it.
    const newer = await o.add({ ...push(b, 'e1', T + 20), priority: 1, payload: { op: 'upsert', entityId: 'e1', n: 2 } }, T + 20);
    expect([(await o.reads.get(refused))!.status, (await o.reads.get(refused))!.lastError]).toEqual(['cancelled', `superseded by a newer change (push ${newer})`]);
    expect((await o.reads.deadFor(b.weddingId)).map((r) => r.id)).toEqual([otherEntity]);
    expect(await o.reads.replay(refused, T + 30)).toBe('superseded');
    expect((await o.reads.get(refused))!.status).toBe('cancelled');
    expect((await o.queue.claimDue(T + 40, 10, [], 10)).map((r) => r.id)).toEqual([newer]);
    // Refused while a still newer change was made: superseded by it, not a letter.
    const newest = await o.add({ ...push(b, 'e1', T + 50), payload: { op: 'upsert', entityId: 'e1', n: 3 } }, T + 50);
    await o.queue.markDead(newer, 'invalid: 400', 400);
    expect([(await o.reads.get(newer))!.status, (await o.reads.get(newer))!.lastError]).toEqual(['cancelled', 'superseded by a newer change after: invalid: 400']);
    await o.queue.release(b.id);
    expect((await o.queue.claimDue(T + 60, 10, [], 10)).map((r) => r.id)).toEqual([newest]);
    await o.queue.markDead(newest, 'invalid: 400', 400);
    await o.queue.release(b.id);
    expect((await o.reads.deadFor(b.weddingId)).map((r) => r.id)).toEqual([newest, otherEntity]);
    expect(await o.reads.replay(newer, T + 70)).toBe('superseded');
    expect(await o.reads.replay(newest, T + 70)).toBe('replayed');
    expect((await o.queue.claimDue(T + 80, 10, [], 10)).map((r) => r.id)).toEqual([newest]);
    expect(await o.queue.markDelivered(newest, 200, T + 90)).toBe('delivered');
    await o.queue.release(b.id);
    expect(await o.reads.replay(otherEntity, T + 100)).toBe('replayed');
  });

  it('a chain that ends with a row of it still inflight (its outcome not recorded) puts it back, so newer pushes of its entity are not held up', async () => {
    const o = open();
    const b = await o.binding();
    const T = T0 - 6 * 86_400_000;
    const stranded = await o.add(push(b, 'e1', T), T);
    await o.queue.claimDue(T + 10, 10, [], 10);
    const newer = await o.add({ ...push(b, 'e1', T + 20), payload: { op: 'upsert', entityId: 'e1', n: 2 } }, T + 20);
    await o.queue.release(b.id);
    // On PostgreSQL the next holder takes back what a lapsed or released chain left inflight; on SQLite the release does.
    expect((await o.queue.claimDue(T + 30, 10, [], 10)).map((r) => r.id)).toEqual([stranded]);
    expect((await o.reads.get(newer))!.status).toBe('pending');
  });
});
