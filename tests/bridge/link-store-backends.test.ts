import crypto from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { IntegrationStore } from '../../server/bridge/integration-store.ts';
import { DELETED_HASH, LinkStore, gone, sqliteLinkRecords, storedKey, type Link, type LinkRecords } from '../../server/bridge/link-store.ts';
import { PostgresLinkStore } from '../../server/bridge/postgres-link-store.ts';
import { openDatabase, type Db } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { assertProperty } from '../helpers/property.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: every store on both backends. A link records what a binding's external system holds
// for one entity (echo suppression, idempotent pushes); the same contract on SQLite and PostgreSQL.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

let n = 0;
/** A fresh binding id (on SQLite a real binding: links reference it). */
const bindingOn = (sqlite: Db | null): string => {
  const id = `int_links_${process.pid}_${++n}`;
  if (sqlite) {
    new IntegrationStore(sqlite, createCredentialCipher(crypto.randomBytes(32))).createStandalone({
      id, weddingId: 'w1', system: 'webhooks', category: 'wedding_planning', vendorId: null, runMode: 'in_process', credentials: {}, webhookSecret: 'whsec_x',
      configuration: {}, configurationSecrets: [], capabilities: [], createdBy: 'per_a', connector: { sub: 'per_a', role: 'planner', vendorId: null },
    });
  }
  return id;
};

interface Opened { links: LinkRecords; binding: () => string }
function openSqlite(): Opened {
  const sqlite = openDatabase(tempDir('links-'), { synchronous: 'normal' });
  registerTeardown(() => sqlite.close());
  return { links: sqliteLinkRecords(new LinkStore(sqlite)), binding: () => bindingOn(sqlite) };
}
function openPostgres(): Opened {
  const pool = new pg.Pool({ connectionString: db().url, max: 2 });
  pools.push(pool);
  return { links: new PostgresLinkStore(pool), binding: () => bindingOn(null) };
}

const withoutTime = (l: Link | undefined) => (l ? { ...l, updatedAt: undefined } : l);

describe.each([['sqlite', openSqlite], ['postgres', openPostgres]] as const)('links on %s', (_name, open) => {
  it('forgets a link kept after our deletion (gone), but not a live one saved over it since', async () => {
    const { links, binding } = open();
    const b = binding();
    const kept: Link = { integrationId: b, entity: 'timeline', entityId: 'e1', externalId: 'x-1', lastSynced: {}, lastHash: DELETED_HASH, version: null, snapshot: { at: 10, rank: 0 } };
    await links.save(kept);
    expect(gone(await links.get(b, 'timeline', 'e1'))).toBe(true);
    // Made anew (a push of the entity created the object again): forgetting leaves it.
    await links.save({ ...kept, lastSynced: { title: 'Ceremony' }, lastHash: 'h1', version: 'etag-2', snapshot: { at: 20, rank: 0 } });
    await links.forget(b, 'timeline', 'e1');
    expect(await links.get(b, 'timeline', 'e1')).toMatchObject({ lastHash: 'h1', snapshot: { at: 20, rank: 0 } });
    // Gone again: forgotten.
    await links.save({ ...kept, snapshot: { at: 30, rank: 0 } });
    await links.forget(b, 'timeline', 'e1');
    expect(await links.get(b, 'timeline', 'e1')).toBeUndefined();
  });

  it('saves, replaces, finds by entity and by external id, lists by entity id, and removes', async () => {
    const { links, binding } = open();
    const b = binding();
    const e2: Link = { integrationId: b, entity: 'timeline', entityId: 'e2', externalId: 'x-2', lastSynced: { title: 'Dinner' }, lastHash: 'h2', version: null, snapshot: null };
    const e1: Link = { integrationId: b, entity: 'timeline', entityId: 'e1', externalId: 'x-1', lastSynced: { title: 'Ceremony', start: '2026-06-13T15:00:00Z' }, lastHash: 'h1', version: 'etag-1', snapshot: null };
    await links.save(e2);
    await links.save(e1);
    expect(withoutTime(await links.get(b, 'timeline', 'e1'))).toEqual({ ...e1, updatedAt: undefined });
    expect((await links.get(b, 'timeline', 'e1'))?.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await links.byExternalId(b, 'timeline', 'x-2'))?.entityId).toBe('e2');
    expect(await links.get(b, 'vendors', 'e1')).toBeUndefined();
    expect(await links.byExternalId(b, 'timeline', 'nope')).toBeUndefined();
    expect((await links.listFor(b, 'timeline')).map((l) => l.entityId)).toEqual(['e1', 'e2']);

    // A save replaces the row: what the system holds now.
    await links.save({ ...e1, externalId: null, lastSynced: {}, lastHash: 'h1b', version: null });
    expect(withoutTime(await links.get(b, 'timeline', 'e1'))).toMatchObject({ externalId: null, lastHash: 'h1b', version: null, lastSynced: {} });
    expect(await links.byExternalId(b, 'timeline', 'x-1')).toBeUndefined();

    await links.remove(b, 'timeline', 'e2');
    await links.remove(b, 'timeline', 'never-linked');
    expect(await links.get(b, 'timeline', 'e2')).toBeUndefined();
    expect((await links.listFor(b, 'timeline')).map((l) => l.entityId)).toEqual(['e1']);
  });

  it('keeps the newest snapshot applied through saves that do not know it or bring an older one, until the link names another external object', async () => {
    const { links, binding } = open();
    const b = binding();
    const base: Link = { integrationId: b, entity: 'payments', entityId: 'p1', externalId: 'pi_1', lastSynced: { status: 'paid' }, lastHash: 'h', version: null };
    await links.save({ ...base, snapshot: { at: 1_800_000_000_000, rank: 5, progress: 40_000 } });
    expect((await links.get(b, 'payments', 'p1'))?.snapshot).toEqual({ at: 1_800_000_000_000, rank: 5, progress: 40_000 });
    // A push saves what it sent, knowing no snapshot: the stored one stays (absent or null alike).
    await links.save({ ...base, lastHash: 'h2' });
    await links.save({ ...base, lastHash: 'h3', snapshot: null });
    expect(await links.get(b, 'payments', 'p1')).toMatchObject({ lastHash: 'h3', snapshot: { at: 1_800_000_000_000, rank: 5, progress: 40_000 } });
    // A newer one replaces it.
    await links.save({ ...base, snapshot: { at: 1_800_000_001_000, rank: 6, progress: 50_000 } });
    expect((await links.byExternalId(b, 'payments', 'pi_1'))?.snapshot).toEqual({ at: 1_800_000_001_000, rank: 6, progress: 50_000 });
    // An older one does not (a save from a read taken before the newer was recorded), by time, then rank, then progress.
    for (const older of [{ at: 1_800_000_000_999, rank: 9, progress: 90_000 }, { at: 1_800_000_001_000, rank: 5, progress: 90_000 }, { at: 1_800_000_001_000, rank: 6, progress: 49_999 }, { at: 1_800_000_001_000, rank: 6 }]) {
      await links.save({ ...base, lastHash: 'h4', snapshot: older });
      expect((await links.get(b, 'payments', 'p1'))?.snapshot, JSON.stringify(older)).toEqual({ at: 1_800_000_001_000, rank: 6, progress: 50_000 });
    }
    await links.save({ ...base, snapshot: { at: 1_800_000_001_000, rank: 6, progress: 50_001 } });
    expect((await links.get(b, 'payments', 'p1'))?.snapshot).toEqual({ at: 1_800_000_001_000, rank: 6, progress: 50_001 });
    await links.save({ ...base, snapshot: { at: 1_800_000_002_000, rank: 0 } });
    expect((await links.get(b, 'payments', 'p1'))?.snapshot).toEqual({ at: 1_800_000_002_000, rank: 0 });
    // Detached (null), then another object: each starts without one.
    await links.save({ ...base, externalId: null });
    expect((await links.get(b, 'payments', 'p1'))?.snapshot).toBeNull();
    await links.save({ ...base, snapshot: { at: 1, rank: 1 } });
    await links.save({ ...base, externalId: 'pi_2' });
    expect((await links.get(b, 'payments', 'p1'))?.snapshot).toBeNull();
  });

  it('refuses a second entity of a binding holding the same external id, keeping the first, and lets another binding hold it', async () => {
    const { links, binding } = open();
    const [b, other] = [binding(), binding()];
    await links.save({ integrationId: b, entity: 'timeline', entityId: 'e1', externalId: 'shared', lastSynced: {}, lastHash: 'h', version: null });
    await expect(links.save({ integrationId: b, entity: 'timeline', entityId: 'e2', externalId: 'shared', lastSynced: {}, lastHash: 'h', version: null })).rejects.toThrow();
    expect((await links.byExternalId(b, 'timeline', 'shared'))?.entityId).toBe('e1');
    expect(await links.get(b, 'timeline', 'e2')).toBeUndefined();
    await links.save({ integrationId: other, entity: 'timeline', entityId: 'e2', externalId: 'shared', lastSynced: {}, lastHash: 'h', version: null });
    expect((await links.byExternalId(other, 'timeline', 'shared'))?.entityId).toBe('e2');
  });

  it('keeps ids and versions exactly, U+0000 and lone surrogates included (encoded where an engine could not hold them), and tells apart ids that a lossy mapping would merge', async () => {
    const { links, binding } = open();
    const b = binding();
    await links.save({ integrationId: b, entity: 'vendors', entityId: 'v\u0000\ud800', externalId: 'ext\u0000', lastSynced: { name: 'A\u0000\ud83d' }, lastHash: 'h', version: 'v\u0000' });
    const got = await links.get(b, 'vendors', 'v\u0000\ud800');
    expect(got).toMatchObject({ entityId: 'v\u0000\ud800', externalId: 'ext\u0000', version: 'v\u0000', lastSynced: { name: 'A\u0000\ud83d' } });
    expect((await links.byExternalId(b, 'vendors', 'ext\u0000'))?.entityId).toBe('v\u0000\ud800');
    // What U+FFFD for U+0000 would have merged stays apart, and so does a value that looks encoded.
    await links.save({ integrationId: b, entity: 'vendors', entityId: 'v\ufffd\ufffd', externalId: 'ext\ufffd', lastSynced: {}, lastHash: 'h2', version: null });
    await links.save({ integrationId: b, entity: 'vendors', entityId: '\uffff~dgA', externalId: null, lastSynced: {}, lastHash: 'h3', version: null });
    expect((await links.byExternalId(b, 'vendors', 'ext\ufffd'))?.entityId).toBe('v\ufffd\ufffd');
    expect((await links.get(b, 'vendors', '\uffff~dgA'))?.lastHash).toBe('h3');
    expect((await links.listFor(b, 'vendors')).map((l) => l.entityId).sort()).toEqual(['v\u0000\ud800', 'v\ufffd\ufffd', '\uffff~dgA'].sort());
    await links.remove(b, 'vendors', 'v\u0000\ud800');
    expect((await links.listFor(b, 'vendors')).map((l) => l.entityId).sort()).toEqual(['v\ufffd\ufffd', '\uffff~dgA'].sort());
  });
});

describe('links: PostgreSQL against SQLite', () => {
  it('any sequence of saves and removes reads back the same on both (fast-check)', async () => {
    const sqlite = openSqlite();
    const postgres = openPostgres();
    const ids = fc.constantFrom('a', 'b', 'B', 'é', 'a\u0000', 'a\ufffd', '\ud800', '10', '9');
    const op = fc.oneof(
      fc.record({ kind: fc.constant('save' as const), entityId: ids, externalId: fc.option(ids, { nil: null }), hash: fc.constantFrom('h1', 'h2'), value: fc.string({ maxLength: 4 }) }),
      fc.record({ kind: fc.constant('remove' as const), entityId: ids }),
    );
    await assertProperty(fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops) => {
      const bs = sqlite.binding();
      const bp = postgres.binding();
      const outcomes: [string, string][] = [];
      for (const o of ops) {
        const run = async (links: LinkRecords, b: string): Promise<string> => {
          try {
            if (o.kind === 'save') await links.save({ integrationId: b, entity: 'timeline', entityId: o.entityId, externalId: o.externalId, lastSynced: { title: o.value }, lastHash: o.hash, version: null });
            else await links.remove(b, 'timeline', o.entityId);
            return 'ok';
          } catch {
            return 'refused';
          }
        };
        outcomes.push([await run(sqlite.links, bs), await run(postgres.links, bp)]);
      }
      for (const [s, p] of outcomes) expect(p).toBe(s);
      const shape = (list: Link[]) => list.map((l) => [l.entityId, l.externalId, l.lastHash, l.lastSynced]);
      expect(shape(await postgres.links.listFor(bp, 'timeline'))).toEqual(shape(await sqlite.links.listFor(bs, 'timeline')));
      // Listed by the stored entity id, by code point (UTF-8 byte order).
      const listed = (await sqlite.links.listFor(bs, 'timeline')).map((l) => storedKey(l.entityId));
      expect(listed).toEqual([...listed].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    }), { numRuns: 30 });
  });
});
