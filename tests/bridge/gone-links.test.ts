import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Adapter, OutboundChange } from '../../adapters/core/index.ts';
import type { LiveIntegration } from '../../server/bridge/integration-registry.ts';
import { DELETED_HASH, gone, type Link, type LinkRecords } from '../../server/bridge/link-store.ts';
import { pushRow, type PushDraft } from '../../server/bridge/outbound-planner.ts';
import { removePushed } from '../../server/bridge/unbind-removal.ts';

/*
 * A link kept after our deletion of its external object (lastHash DELETED_HASH, the deletion's
 * position as its snapshot) orders reads taken before the deletion (caldav-read-order.test.ts,
 * push-during-change.test.ts). To every writer it is no link: these check that it is.
 */

const live = { integration: { id: 'int_1' }, adapter: { system: 'x', fields: { timeline: ['title'] } } } as unknown as LiveIntegration;
const wedding = { weddingId: 'w', meta: {}, vendors: {} };
const draft = (data: Record<string, unknown> | null): PushDraft => ({ live, weddingId: 'w', entity: 'timeline', entityId: 'e1', data, hash: data ? 'h-content' : DELETED_HASH, wedding });
const keptLink: Link = { integrationId: 'int_1', entity: 'timeline', entityId: 'e1', externalId: 'ext-1', lastSynced: {}, lastHash: DELETED_HASH, version: null, snapshot: { at: 5, rank: 0 } };
const liveLink: Link = { ...keptLink, lastSynced: { title: 'Old' }, lastHash: 'h-old', version: 'etag-1' };

describe('a link kept after our deletion', () => {
  it('is gone; a live link, or none, is not', () => {
    expect(gone(keptLink)).toBe(true);
    expect(gone(liveLink)).toBe(false);
    expect(gone(undefined)).toBe(false);
  });

  it('plans no deletion (nothing is there to delete) and an upsert that creates the object anew', () => {
    fc.assert(fc.property(fc.boolean(), fc.string({ maxLength: 20 }), (force, title) => {
      expect(pushRow(draft(null), keptLink, force, 0, 0)).toBeNull();
      const row = pushRow(draft({ title }), keptLink, force, 0, 0)!;
      const change = (row.payload as { change: OutboundChange }).change;
      expect(change).toMatchObject({ op: 'upsert', externalId: null, version: null });
    }));
    // Beside it, a live link's deletion goes to the object it names.
    expect((pushRow(draft(null), liveLink, false, 0, 0)!.payload as { change: OutboundChange }).change).toMatchObject({ op: 'delete', externalId: 'ext-1', version: 'etag-1' });
  });

  it('is not deleted again when its binding is unbound with its events removed', async () => {
    const pushed: OutboundChange[] = [];
    // The external system: takes every delete it is sent.
    const system = { system: 'x', category: 'calendar_system', capabilities: ['push'], fields: { timeline: ['title'] }, push: async (c: OutboundChange) => { pushed.push(c); return { externalId: null }; } } as unknown as Adapter;
    const all = [keptLink, { ...liveLink, entityId: 'e2', externalId: 'ext-2' }];
    const saved: Link[] = [];
    const links = { listFor: async (_id: string, entity: string) => (entity === 'timeline' ? all : []), save: async (l: Link) => { saved.push(l); } } as unknown as LinkRecords;
    expect(await removePushed(system, links, { id: 'int_1', weddingId: 'w' })).toEqual({ removed: 1, failed: [] });
    expect(pushed.map((c) => c.externalId)).toEqual(['ext-2']);
    // The object it deleted is gone, not the entity: its deletion read back is known for ours.
    expect(saved).toEqual([{ ...liveLink, entityId: 'e2', externalId: 'ext-2', lastSynced: {}, lastHash: DELETED_HASH, version: null, snapshot: { at: 5, rank: 1 } }]);

    // A system that kept the object (a refused conditional delete) leaves the link live, and says so.
    const keeping = { ...system, push: async (c: OutboundChange) => ({ externalId: c.externalId, changes: [{ op: 'upsert', entity: 'timeline', externalId: c.externalId, data: { title: 'Theirs' }, refusedDelete: true }] }) } as unknown as Adapter;
    saved.length = 0;
    const answer = await removePushed(keeping, links, { id: 'int_1', weddingId: 'w' });
    expect(answer.removed).toBe(0);
    expect(answer.failed).toEqual(['timeline e2: changed in x since the last sync, so it was kept there']);
    expect(saved).toEqual([]);
  });
});
