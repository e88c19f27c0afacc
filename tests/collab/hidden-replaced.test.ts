import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { WeddingConnection } from '../../client/sdk/connect.ts';
import { assertProperty } from '../helpers/property.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

/*
 * Couple-on-a-phone trial (session 54): a couple's client set `notes.planner`, a value it never
 * receives. The server said "may not write notes.planner; the rest was applied", and the planner's
 * private notes were gone for good. A Yjs map set replaces the key's current item even when the
 * refused new item is emptied: the refusal kept the old value only for roots the server had asked
 * for by type, and a root loaded from storage that no server code reads (`notes`) is not.
 */

/** root.key on the server, live or loaded from storage (the writer's refusal may have closed the last socket). */
const servedValue = (t: TestServer, root: string, key: string) => t.server.collab.withDocument('w1', (doc) => valueAt(doc, root, key));
/** root.key as the document holds it, read without asking for the root by type (which would type it, hiding the fault). */
function valueAt(doc: Y.Doc, root: string, key: string): unknown {
  const item = (doc.share.get(root) as Y.AbstractType<unknown> | undefined)?._map.get(key);
  if (!item || item.deleted) return undefined;
  const v = item.content.getContent().at(-1);
  return v instanceof Y.AbstractType ? v.toJSON() : v;
}

/** A server whose wedding has the planner's value at root.key, stored and loaded again by a new server (every root untyped). */
async function withPlannerValue(root: string, key: string, value: () => unknown): Promise<TestServer> {
  const dataDir = tempDir();
  const first = await startTestServer({ dataDir });
  const planner = await first.connect('w1', await first.token('planner', ['w1'], { sub: 'pat' }));
  await planner.whenSynced();
  planner.ydoc.transact(() => planner.ydoc.getMap(root).set(key, value()));
  await planner.whenAcknowledged();
  await planner.destroy();
  await first.close();
  return startTestServer({ dataDir });
}

async function attacker(t: TestServer, role: 'couple' | 'vendor'): Promise<{ c: WeddingConnection; refusals: string[] }> {
  const c = await t.connect('w1', await t.token(role, ['w1'], { sub: role, ...(role === 'vendor' ? { vendorId: 'photo' } : {}) }));
  await c.whenSynced();
  const refusals: string[] = [];
  c.onRefused((r) => refusals.push(r.code));
  return { c, refusals };
}

const text = (s: string) => () => { const t = new Y.Text(); t.insert(0, s); return t; };

describe('a value the writer cannot see, replaced by that writer', () => {
  it('the planner’s private notes survive a couple setting notes.planner: refused whole, stored and live as they were', async () => {
    const t = await withPlannerValue('notes', 'planner', text('PRIVATE: venue deposit is late'));
    const { c, refusals } = await attacker(t, 'couple');
    expect([...c.ydoc.getMap('notes').keys()]).not.toContain('planner');
    c.ydoc.transact(() => c.ydoc.getMap('notes').set('planner', text('couple text')()));
    await waitFor(() => refusals.length > 0, 'the couple refused');
    expect(refusals).toEqual(['removal_forbidden']);
    expect(await servedValue(t, 'notes', 'planner')).toBe('PRIVATE: venue deposit is late');
    // And as stored: a new server reads the same.
    const dataDir = t.dataDir;
    await t.close();
    const again = await startTestServer({ dataDir });
    const reader = await again.connect('w1', await again.token('planner', ['w1'], { sub: 'pat' }));
    await reader.whenSynced();
    expect(valueAt(reader.ydoc, 'notes', 'planner')).toBe('PRIVATE: venue deposit is late');
  });

  it('a refused write is no one’s change in the wedding’s activity: neither "title cleared" by the couple nor "title set" by the server putting it back', async () => {
    const t = await withPlannerValue('meta', 'title', () => 'Mia & Noah');
    const planner = await t.token('planner', ['w1'], { sub: 'pat' });
    const activity = async () => ((await (await t.fetch('/api/weddings/w1/activity', { token: planner })).json()) as { entries: { root: string; field: string; actor: { kind: string; id?: string } }[] }).entries;
    const before = (await activity()).length;
    const { c, refusals } = await attacker(t, 'couple');
    // The couple's title change is refused; its guest numbers (its own to set) land in the same update.
    c.ydoc.transact(() => {
      c.ydoc.getMap('meta').set('title', 'Hijacked');
      c.ydoc.getMap('guests').set('rsvpYes', 85);
    });
    await waitFor(() => refusals.length > 0, 'the couple refused in part');
    expect(refusals).toEqual(['permission_denied']);
    expect(await servedValue(t, 'meta', 'title')).toBe('Mia & Noah');
    await waitFor(async () => (await activity()).some((e) => e.root === 'guests'), 'the guest numbers in the activity');
    const added = (await activity()).slice(0, (await activity()).length - before);
    expect(added.filter((e) => e.root === 'meta')).toEqual([]);
    expect(added.map((e) => `${e.root}.${e.field}`)).toEqual(['guests.rsvpYes']);
  });

  it('property: whatever a couple or a vendor sets over a hidden or forbidden key of any map root, the planner’s value stays', async () => {
    // Keys a planner keeps that the couple or a vendor may not write (and partly cannot see).
    const targets = [
      { root: 'notes', key: 'planner', value: text('planner only') },
      { root: 'notes', key: 'couple', value: text('the couple’s own') },
      { root: 'meta', key: 'title', value: () => 'Ana & Ben' },
      { root: 'budget', key: 'totals', value: () => ({ GBP: { planned: 1, paid: 0, refunded: 0, outstanding: 1, overdue: 0, payments: 1 } }) },
    ];
    const replacement = fc.constantFrom<() => unknown>(() => 'a string', () => 42, text('a text'), () => new Y.Map(), () => null);
    await assertProperty(fc.asyncProperty(fc.constantFrom(...targets), fc.constantFrom<'couple' | 'vendor'>('couple', 'vendor'), replacement, async (target, role, make) => {
      // The couple may write its own notes: that one is only the vendor's to be refused.
      if (target.root === 'notes' && target.key === 'couple' && role === 'couple') return;
      const t = await withPlannerValue(target.root, target.key, target.value);
      try {
        const expected = await servedValue(t, target.root, target.key);
        expect(expected).toBeDefined();
        const { c, refusals } = await attacker(t, role);
        c.ydoc.transact(() => c.ydoc.getMap(target.root).set(target.key, make()));
        await waitFor(() => refusals.length > 0, `the ${role} refused`);
        expect(await servedValue(t, target.root, target.key)).toEqual(expected);
        await c.destroy();
      } finally {
        await t.close();
      }
    }), { numRuns: 12 });
  }, 120_000);
});
