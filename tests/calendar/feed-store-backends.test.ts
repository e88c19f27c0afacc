import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteEventVersions, type EventVersions } from '../../server/calendar/event-versions.ts';
import { SqliteFeedStore, type FeedStore } from '../../server/calendar/feed-store.ts';
import { PostgresEventVersions } from '../../server/calendar/postgres-event-versions.ts';
import { PostgresFeedStore } from '../../server/calendar/postgres-feed-store.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: every store on both backends. A feed made through one instance is served by all, and
// a changed event's SEQUENCE (RFC 5545 §3.8.7.4) goes up once however many instances render it.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

interface Stores { feeds: FeedStore; versions: EventVersions }
function postgresStores(): Stores {
  const pool = new pg.Pool({ connectionString: db().url, max: 4 });
  pools.push(pool);
  return { feeds: new PostgresFeedStore(pool), versions: new PostgresEventVersions(pool) };
}
function sqliteStores(): Stores {
  const sqlite = openDatabase(tempDir('feeds-'), { synchronous: 'normal' });
  registerTeardown(() => sqlite.close());
  return { feeds: new SqliteFeedStore(sqlite), versions: new SqliteEventVersions(sqlite) };
}

let n = 0;
const wedding = () => `w-feeds-${process.pid}-${++n}`;

describe.each([['sqlite', sqliteStores], ['postgres', postgresStores]] as const)('calendar feeds on %s', (_name, open) => {
  it('a feed opens by its token until revoked (once), lists oldest first, records fetches, and keeps text both engines hold', async () => {
    const { feeds } = open();
    const w = wedding();
    const at = '2026-12-03T09:00:00.000Z';
    const whole = await feeds.create({ weddingId: w, vendorId: null, label: 'Whole day', createdBy: 'per_a', at });
    expect(whole.token).toMatch(/^wsf_[A-Za-z0-9_-]{32}$/);
    expect(whole.feed).toEqual({ feedId: expect.stringMatching(/^feed_/), weddingId: w, vendorId: null, label: 'Whole day', createdAt: at, createdBy: 'per_a', revokedAt: null, lastFetchedAt: null });
    const odd = await feeds.create({ weddingId: w, vendorId: 'v_photo', label: 'Lens\u0000 \ud800', createdBy: 'per_b', at });
    expect(odd.feed.label).toBe('Lens\ufffd \ufffd');
    const later = await feeds.create({ weddingId: w, vendorId: null, label: null, createdBy: 'per_a', at: '2026-12-03T10:00:00.000Z' });

    expect(await feeds.byToken(whole.token)).toEqual(whole.feed);
    expect(await feeds.get(odd.feed.feedId)).toEqual(odd.feed);
    expect(await feeds.byToken('wsf_unknown')).toBeUndefined();
    // Same created_at: ordered by id, by code point.
    const sameTime = [whole.feed.feedId, odd.feed.feedId].sort((a, b) => (a < b ? -1 : 1));
    expect((await feeds.list(w)).map((f) => f.feedId)).toEqual([...sameTime, later.feed.feedId]);

    await feeds.fetched(whole.feed.feedId, '2026-12-03T11:00:00.000Z');
    expect((await feeds.get(whole.feed.feedId))?.lastFetchedAt).toBe('2026-12-03T11:00:00.000Z');
    expect(await feeds.revoke(whole.feed.feedId, '2026-12-03T12:00:00.000Z')).toBe(true);
    expect(await feeds.revoke(whole.feed.feedId, '2026-12-03T13:00:00.000Z')).toBe(false);
    expect(await feeds.revoke('feed_unknown', '2026-12-03T13:00:00.000Z')).toBe(false);
    expect(await feeds.byToken(whole.token)).toBeUndefined();
    expect((await feeds.get(whole.feed.feedId))?.revokedAt).toBe('2026-12-03T12:00:00.000Z');
    expect(await feeds.list(w)).toHaveLength(3);
  });

  it("an event's SEQUENCE starts at 0 and goes up only when its published content changes", async () => {
    const { versions } = open();
    const w = wedding();
    expect(await versions.resolve(w, [], 1)).toEqual(new Map());
    expect(await versions.resolve(w, [{ id: 'ceremony', hash: 'h1' }, { id: 'dinner', hash: 'd1' }], 1_000)).toEqual(new Map([
      ['ceremony', { sequence: 0, modifiedAt: 1_000 }], ['dinner', { sequence: 0, modifiedAt: 1_000 }],
    ]));
    expect(await versions.resolve(w, [{ id: 'ceremony', hash: 'h1' }, { id: 'dinner', hash: 'd1' }], 2_000)).toEqual(new Map([
      ['ceremony', { sequence: 0, modifiedAt: 1_000 }], ['dinner', { sequence: 0, modifiedAt: 1_000 }],
    ]));
    expect(await versions.resolve(w, [{ id: 'ceremony', hash: 'h2' }, { id: 'dinner', hash: 'd1' }], 3_000)).toEqual(new Map([
      ['ceremony', { sequence: 1, modifiedAt: 3_000 }], ['dinner', { sequence: 0, modifiedAt: 1_000 }],
    ]));
    // Another wedding's events of the same ids are their own.
    expect((await versions.resolve(wedding(), [{ id: 'ceremony', hash: 'h2' }], 4_000)).get('ceremony')).toEqual({ sequence: 0, modifiedAt: 4_000 });
  });
});

describe('calendar feeds on PostgreSQL, across instances', () => {
  it('a feed made through one instance opens and is revoked through another; instances rendering a change at once raise its SEQUENCE once', async () => {
    const [a, b] = [postgresStores(), postgresStores()];
    const w = wedding();
    const made = await a.feeds.create({ weddingId: w, vendorId: null, label: null, createdBy: 'per_a', at: '2026-12-03T09:00:00.000Z' });
    expect(await b.feeds.byToken(made.token)).toEqual(made.feed);
    const revoked = await Promise.all([a, b, a, b].map((s) => s.feeds.revoke(made.feed.feedId, '2026-12-03T10:00:00.000Z')));
    expect(revoked.filter(Boolean)).toHaveLength(1);

    const events = Array.from({ length: 40 }, (_, i) => ({ id: `e${String(i).padStart(2, '0')}`, hash: 'v1' }));
    await a.versions.resolve(w, events, 1_000);
    for (let round = 2; round <= 6; round++) {
      const changed = events.map((e) => ({ ...e, hash: `v${round}` }));
      // Six renders at once, in both orders of the events, through both instances.
      const renders = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).versions.resolve(w, i % 3 ? changed : [...changed].reverse(), round * 1_000)));
      for (const r of renders) {
        for (const e of events) expect(r.get(e.id), `round ${round}, ${e.id}`).toEqual({ sequence: round - 1, modifiedAt: round * 1_000 });
      }
    }
  });
});
