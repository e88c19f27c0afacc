import crypto from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import type { CommsStorage } from '../../server/comms/comms-storage.ts';
import type { ComposedNotification } from '../../server/comms/notification-store.ts';
import { postgresCommsStorage } from '../../server/comms/postgres-comms-storage.ts';
import { sqliteCommsStorage } from '../../server/comms/sqlite-comms-storage.ts';
import { createLogger } from '../../server/logger.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { storableText } from '../../server/storage/storable-text.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: every store on both backends. The communication bridge's own rows (last-seen values,
// the escalation watch, notification modes and pending messages, the jobs' counts and retention)
// behave the same on SQLite and on PostgreSQL, which instances share.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
const storages: CommsStorage[] = [];
const logger = createLogger({ LOG_LEVEL: 'silent' });
const cipherKey = crypto.randomBytes(32);
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => {
  await Promise.all(storages.map((s) => s.close()));
  await Promise.all(pools.map((p) => p.end()));
});

/** DurablePersistence is not needed by these contracts: only `changes` would use it. */
const noDocuments = {
  changeWithWrites: () => { throw new Error('no documents in this test'); },
  onAppendJoined: () => { throw new Error('no documents in this test'); },
};

async function postgresStorage(): Promise<CommsStorage> {
  const pool = new pg.Pool({ connectionString: db().url, max: 2 });
  pools.push(pool);
  const storage = await postgresCommsStorage({ pool, instanceId: 'test', cipher: createCredentialCipher(cipherKey), persistence: noDocuments, now: Date.now, logger });
  storages.push(storage);
  return storage;
}
async function sqliteStorage(): Promise<CommsStorage> {
  const sqlite = openDatabase(tempDir('comms-'), { synchronous: 'normal' });
  registerTeardown(() => sqlite.close());
  return sqliteCommsStorage({ db: sqlite, cipher: createCredentialCipher(cipherKey), now: Date.now, logger });
}

let n = 0;
const wedding = () => `w-${process.pid}-${++n}`;
const draft = (id: string, subject = 'Guest count: 120'): ComposedNotification => ({
  id, subject, body: 'The guest count is now 120.', type: 'cascade.guest_count', priority: 'normal', reason: 'guest count changed', recipientIds: ['florist'], context: { count: '120' },
});

describe.each([['sqlite', sqliteStorage], ['postgres', postgresStorage]] as const)('comms stores on %s', (_name, open) => {
  it('last-seen values: a swap answers the value before, per wedding and key, with JSON values compared as JSON', async () => {
    const { lastSeen } = await open();
    const w = wedding();
    expect(await lastSeen.get(w, 'guests.count')).toBeUndefined();
    expect(await lastSeen.swap(w, 'guests.count', 120)).toBeUndefined();
    expect(await lastSeen.swap(w, 'guests.count', 130)).toBe(120);
    expect(await lastSeen.swap(wedding(), 'guests.count', 5)).toBeUndefined();
    expect(await lastSeen.swap(w, 'ceremony.e1', { start: '2027-06-12T15:00:00+02:00', end: '2027-06-12T16:00:00+02:00' })).toBeUndefined();
    expect(await lastSeen.get(w, 'ceremony.e1')).toEqual({ start: '2027-06-12T15:00:00+02:00', end: '2027-06-12T16:00:00+02:00' });
    expect(await lastSeen.get(w, 'guests.count')).toBe(130);
    expect(await lastSeen.swap(w, 'guests.count', null)).toBe(130);
    expect(await lastSeen.get(w, 'guests.count')).toBeNull();
  });

  it('last-seen keys stay distinct whatever they hold (U+0000, lone surrogates)', async () => {
    const { lastSeen } = await open();
    const w = wedding();
    const keys = ['payment.p\u0000.paid', 'payment.p\ufffd.paid', 'payment.p\ud800.paid', 'payment.p.paid'];
    for (const [i, key] of keys.entries()) expect(await lastSeen.swap(w, key, i)).toBeUndefined();
    for (const [i, key] of keys.entries()) expect(await lastSeen.get(w, key)).toBe(i);
  });

  it('the escalation watch: opened, brought forward (never put off by a later open), due soonest first, updated and counted', async () => {
    const { watch } = await open();
    const w = wedding();
    await watch.open(w, 'm1', 5_000, 1_000);
    await watch.open(w, 'm1', 9_000, 1_000);
    expect(await watch.get(w, 'm1')).toEqual({ status: 'open', next_check_at: 5_000, unreachable: '[]' });
    await watch.open(w, 'm2', 4_000, 1_000);
    await watch.lookBy(3_000, w, 'm1');
    await watch.lookBy(8_000, w, 'm2');
    expect((await watch.due(4_000)).filter((r) => r.wedding_id === w)).toEqual([
      { wedding_id: w, message_id: 'm1', unreachable: '[]' },
      { wedding_id: w, message_id: 'm2', unreachable: '[]' },
    ]);
    expect(await watch.openCount(w)).toBe(2);
    await watch.update(w, 'm1', 'done', 6_000, ['florist']);
    expect(await watch.get(w, 'm1')).toEqual({ status: 'done', next_check_at: 6_000, unreachable: '["florist"]' });
    // A closed watch is not reopened or brought forward.
    await watch.open(w, 'm1', 1_000, 7_000);
    await watch.lookBy(1_000, w, 'm1');
    expect(await watch.get(w, 'm1')).toMatchObject({ status: 'done', next_check_at: 6_000 });
    expect(await watch.openCount(w)).toBe(1);
    expect((await watch.due(10_000)).filter((r) => r.wedding_id === w).map((r) => r.message_id)).toEqual(['m2']);
    expect(await watch.get(w, 'missing')).toBeUndefined();
  });

  it('notification modes: ask by default, set by a planner with who and when', async () => {
    const { notifications } = await open();
    const w = wedding();
    expect(await notifications.settings(w)).toEqual({ mode: 'ask', updatedAt: null, updatedBy: null });
    await notifications.setMode(w, 'off', 'person_1', 2_000);
    await notifications.setMode(w, 'automatic', 'person_2', 3_000);
    expect(await notifications.settings(w)).toEqual({ mode: 'automatic', updatedAt: 3_000, updatedBy: 'person_2' });
    expect(await notifications.mode(w)).toBe('automatic');
    expect(await notifications.mode(wedding())).toBe('ask');
  });

  it('pending messages: added once, listed oldest first, decided once, forgotten once decided and old', async () => {
    const { notifications } = await open();
    const w = wedding();
    await notifications.addPending(w, draft(`${w}-b`), 1_000);
    await notifications.addPending(w, draft(`${w}-a`), 1_000);
    await notifications.addPending(w, draft(`${w}-c`), 500);
    // Added again (a job that ran again after a crash): the first stays.
    await notifications.addPending(w, draft(`${w}-c`, 'changed'), 2_000);
    expect((await notifications.listPending(w)).map((r) => r.id)).toEqual([`${w}-c`, `${w}-a`, `${w}-b`]);
    expect(await notifications.get(w, `${w}-c`)).toEqual({ id: `${w}-c`, weddingId: w, status: 'pending', draft: draft(`${w}-c`), createdAt: 500, decidedAt: null, decidedBy: null, messageId: null });
    expect(await notifications.get(wedding(), `${w}-c`)).toBeUndefined();
    expect(await notifications.countPending(w)).toBe(3);
    expect(await notifications.decide(w, `${w}-c`, 'sent', 'person_1', 3_000, `${w}-c`)).toBe(true);
    expect(await notifications.decide(w, `${w}-c`, 'discarded', 'person_2', 3_500, null)).toBe(false);
    expect(await notifications.decide(w, `${w}-a`, 'discarded', 'person_2', 4_000, null)).toBe(true);
    expect(await notifications.get(w, `${w}-c`)).toMatchObject({ status: 'sent', decidedAt: 3_000, decidedBy: 'person_1', messageId: `${w}-c` });
    expect(await notifications.countPending(w)).toBe(1);
    await notifications.forgetDecided(3_500);
    expect(await notifications.get(w, `${w}-c`)).toBeUndefined();
    expect(await notifications.get(w, `${w}-a`)).toMatchObject({ status: 'discarded' });
    expect(await notifications.get(w, `${w}-b`)).toMatchObject({ status: 'pending' });
  });

  it('pending jobs are counted per wedding, and cleanup forgets finished work older than the cut only', async () => {
    const storage = await open();
    const w = wedding();
    await storage.jobs.enqueue({ weddingId: w, kind: 'k', key: `${w}:a`, payload: 1, notBefore: 0 });
    await storage.jobs.enqueue({ weddingId: w, kind: 'k', key: `${w}:b`, payload: 1, notBefore: 0 });
    await storage.jobs.cancelByPrefix(w, `${w}:b`);
    expect(await storage.pendingJobs(w)).toBe(1);
    await storage.watch.open(w, 'm1', 1_000, 0);
    await storage.watch.update(w, 'm1', 'done', 1_000, []);
    await storage.watch.open(w, 'm2', 1_000, 0);
    await storage.notifications.addPending(w, draft(`${w}-p`), 0);
    await storage.notifications.decide(w, `${w}-p`, 'discarded', 'x', 1_000, null);
    await storage.sends.markStarted(`${w}-send`, 'int', w, 0);
    await storage.sends.markSent(`${w}-send`, 'SM1', 1_000);
    // Nothing is old enough at 1000 (strictly before the cut).
    await storage.cleanup(1_000);
    expect(await storage.watch.get(w, 'm1')).toBeDefined();
    expect(await storage.notifications.get(w, `${w}-p`)).toBeDefined();
    expect(await storage.sends.get(`${w}-send`)).toBeDefined();
    await storage.cleanup(1_001);
    expect(await storage.watch.get(w, 'm1')).toBeUndefined();
    expect(await storage.watch.get(w, 'm2')).toBeDefined();
    expect(await storage.notifications.get(w, `${w}-p`)).toBeUndefined();
    expect(await storage.sends.get(`${w}-send`)).toBeUndefined();
    expect(await storage.pendingJobs(w)).toBe(1);
  });
});

describe('comms stores on both backends, compared', () => {
  it('the escalation watch answers alike after any opens, looks brought forward and updates', async () => {
    const [sqlite, postgres] = [await sqliteStorage(), await postgresStorage()];
    const message = fc.constantFrom('m1', 'm2', 'm3');
    const at = fc.integer({ min: 0, max: 20 });
    const op = fc.oneof(
      fc.record({ op: fc.constant('open' as const), message, at, now: at }),
      fc.record({ op: fc.constant('lookBy' as const), message, at }),
      fc.record({ op: fc.constant('update' as const), message, at, done: fc.boolean(), unreachable: fc.array(fc.constantFrom('a', 'b'), { maxLength: 2 }) }),
    );
    await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 10 }), at, async (ops, now) => {
      const w = wedding();
      const results: unknown[] = [];
      for (const { watch } of [sqlite, postgres]) {
        for (const o of ops) {
          if (o.op === 'open') await watch.open(w, o.message, o.at, o.now);
          else if (o.op === 'lookBy') await watch.lookBy(o.at, w, o.message);
          else await watch.update(w, o.message, o.done ? 'done' : 'open', o.at, o.unreachable);
        }
        const due = (await watch.due(now)).filter((r) => r.wedding_id === w).map((r) => r.message_id).sort();
        results.push({ states: await Promise.all(['m1', 'm2', 'm3'].map((m) => watch.get(w, m))), due, open: await watch.openCount(w) });
      }
      expect(results[1]).toEqual(results[0]);
    }), { numRuns: 40 });
  });

  it('pending messages list in the same order and decide alike for any ids and times', async () => {
    const [sqlite, postgres] = [await sqliteStorage(), await postgresStorage()];
    // Ids as the server makes them (notify-<job>-<n>, notice-<hash>): no U+0000 or lone surrogate, which
    // PostgreSQL stores encoded (sorting apart) and SQLite reads back altered.
    const id = fc.oneof(fc.constantFrom('a', 'A', 'b', 'é', 'e\u0301', '😀', '\uffee', 'z'), fc.string({ maxLength: 4 })).filter((x) => x === storableText(x));
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ id, at: fc.integer({ min: 0, max: 3 }) }), { maxLength: 8 }),
      fc.array(fc.record({ id, status: fc.constantFrom('sent' as const, 'discarded' as const) }), { maxLength: 4 }),
      async (adds, decisions) => {
        const w = wedding();
        const results: unknown[] = [];
        for (const storage of [sqlite, postgres]) {
          const s = storage.notifications;
          for (const a of adds) await s.addPending(w, draft(`${w}/${a.id}`), a.at);
          const decided: boolean[] = [];
          for (const d of decisions) decided.push(await s.decide(w, `${w}/${d.id}`, d.status, 'p', 10, null));
          results.push({ list: (await s.listPending(w)).map((r) => [r.id, r.createdAt]), decided, count: await s.countPending(w) });
        }
        expect(results[1]).toEqual(results[0]);
      },
    ), { numRuns: 40 });
  });
});
