import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc } from '../../schema/index.ts';
import { WeddingFactsCache } from '../../server/bridge/wedding-facts.ts';

/**
 * Routing's wedding facts (server/bridge/wedding-facts.ts): read once, dropped when an update seen
 * here changes the meta, and in a cluster (a `ttlMs`) read again once they are that old, since
 * another instance may have changed them without this one seeing the update.
 */
describe('WeddingFactsCache', () => {
  const setUp = (ttlMs?: number) => {
    const doc = new Y.Doc();
    new WeddingDoc(doc).setMeta({ title: 'Kai & Lee', date: '2026-07-18', timezone: 'America/Los_Angeles', venue: 'Pier 9' });
    let reads = 0;
    let now = 1_000_000;
    const cache = new WeddingFactsCache(async (_id, fn) => { reads++; return fn(doc); }, ttlMs, () => now);
    return { doc, cache, reads: () => reads, advance: (ms: number) => { now += ms; } };
  };

  it('on one server: read once, read again only after an update seen here changes the meta', async () => {
    const { doc, cache, reads, advance } = setUp();
    expect((await cache.get('w-kai')).venue).toBe('Pier 9');
    advance(3_600_000);
    await cache.get('w-kai');
    expect(reads()).toBe(1);
    doc.on('afterTransaction', (tr: Y.Transaction) => cache.onUpdate('wedding:w-kai', doc, tr));
    new WeddingDoc(doc).setMeta({ venue: 'Pier 10' });
    expect((await cache.get('w-kai')).venue).toBe('Pier 10');
    expect(reads()).toBe(2);
  });

  it('in a cluster: a change made elsewhere (no update seen here) is read once the entry is ttlMs old', async () => {
    const { doc, cache, reads, advance } = setUp(5000);
    await cache.get('w-kai');
    new WeddingDoc(doc).setMeta({ date: '2026-07-19' }); // as on another instance: not told
    advance(4999);
    expect((await cache.get('w-kai')).date).toBe('2026-07-18');
    advance(1);
    expect((await cache.get('w-kai')).date).toBe('2026-07-19');
    expect(reads()).toBe(2);
  });
});
