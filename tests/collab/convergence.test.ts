import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WeddingDoc, documentNameFor } from '../../schema/index.ts';
import type { WeddingConnection } from '../../client/sdk/node.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const EVENT_IDS = ['ceremony', 'dinner', 'speeches', 'dance'];
const VENDOR_IDS = ['photo', 'florist'];

type Op =
  | { kind: 'event'; id: string; title: string; hour: number; minutes: number }
  | { kind: 'delete'; id: string }
  | { kind: 'notes'; id: string; at: number; text: string }
  | { kind: 'vendor'; id: string; name: string }
  | { kind: 'guests'; count: number; vegan: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('event' as const), id: fc.constantFrom(...EVENT_IDS), title: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim().length > 0), hour: fc.integer({ min: 9, max: 22 }), minutes: fc.integer({ min: 5, max: 90 }) }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.constantFrom(...EVENT_IDS) }),
  fc.record({ kind: fc.constant('notes' as const), id: fc.constantFrom(...EVENT_IDS), at: fc.nat(40), text: fc.string({ minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('vendor' as const), id: fc.constantFrom(...VENDOR_IDS), name: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim().length > 0) }),
  fc.record({ kind: fc.constant('guests' as const), count: fc.integer({ min: 0, max: 300 }), vegan: fc.integer({ min: 0, max: 30 }) }),
);

function apply(doc: WeddingDoc, o: Op): void {
  switch (o.kind) {
    case 'event': {
      const start = new Date(Date.UTC(2026, 5, 13, o.hour - 1, 0));
      const end = new Date(start.getTime() + o.minutes * 60_000);
      doc.upsertEvent({ id: o.id, title: o.title, start: start.toISOString(), end: end.toISOString() });
      return;
    }
    case 'delete':
      doc.deleteEvent(o.id);
      return;
    case 'notes': {
      const notes = doc.eventNotes(o.id);
      if (notes) notes.insert(Math.min(o.at, notes.length), o.text);
      return;
    }
    case 'vendor':
      doc.upsertVendor({ id: o.id, name: o.name, category: 'photographer' });
      return;
    case 'guests':
      doc.updateGuests({ count: o.count, dietary: { vegan: o.vegan } });
      return;
    default: {
      const never: never = o;
      throw new Error(`unhandled op ${JSON.stringify(never)}`);
    }
  }
}

async function convergeRun(t: TestServer, clients: WeddingConnection[], weddingId: string, scripts: Op[][]): Promise<void> {
  // Interleave: every client applies its next op in the same tick, so edits are truly concurrent.
  const longest = Math.max(...scripts.map((s) => s.length));
  for (let i = 0; i < longest; i++) {
    scripts.forEach((s, c) => { if (s[i]) apply(clients[c]!.doc, s[i]!); });
    if (i % 3 === 0) await new Promise((r) => setImmediate(r));
  }
  await withClientStates(clients, () => Promise.all(clients.map((c) => c.whenAcknowledged())));
  const server = t.server.collab.persistence.loadedDocument(documentNameFor(weddingId))!;
  // Compared as values: a Y.Map lists its keys in the order this copy integrated them, which
  // differs between peers that received concurrent inserts in different orders.
  await withClientStates(clients, () => waitFor(() => {
    const want = new WeddingDoc(server).toJSON();
    return clients.every((c) => isDeepStrictEqual(c.doc.toJSON(), want));
  }, 'all clients to match the server'));
}

/**
 * Runs `wait`; if it fails, the error also says where each client stood (status, synced, unsynced
 * changes, updates the server refused since it connected), so a failure in CI tells which of them
 * never got there.
 */
async function withClientStates<T>(clients: WeddingConnection[], wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (error) {
    const states = clients.map((c, i) => `client ${i}: ${c.status}, synced ${c.synced}, unsynced ${c.unsyncedChanges}, refused [${(refusals.get(c) ?? []).join(', ')}]`);
    throw new Error(`${(error as Error).message}\n${states.join('\n')}`, { cause: error });
  }
}

/** Updates the server refused, per client, recorded from the moment it connects. */
const refusals = new WeakMap<WeddingConnection, string[]>();
function recordRefusals(c: WeddingConnection): WeddingConnection {
  const list: string[] = [];
  refusals.set(c, list);
  c.onRefused((r) => list.push(`${r.code}, ${r.discardedChanges} discarded`));
  return c;
}

describe('convergence under random concurrent edits', () => {
  for (const n of [2, 5]) {
    it(`${n} clients end with identical documents, equal to the server's`, async () => {
      const t = await startTestServer();
      const token = await t.token('admin', ['*']);
      let run = 0;
      await fc.assert(fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 25 }), { minLength: n, maxLength: n }), async (scripts) => {
        const weddingId = `conv${n}-${run++}`;
        const clients = await Promise.all(Array.from({ length: n }, async () => recordRefusals(await t.connect(weddingId, token))));
        await Promise.all(clients.map((c) => c.whenSynced()));
        try {
          await convergeRun(t, clients, weddingId, scripts);
          const json = clients[0]!.doc.toJSON();
          for (const c of clients) expect(c.doc.toJSON()).toEqual(json);
        } finally {
          await Promise.all(clients.map((c) => c.destroy()));
        }
        // Shrinking re-runs a failing case, and each failing run waits out its timeouts: stop
        // shrinking in time to report the failure (with its counterexample) instead of the test's timeout.
      }), { numRuns: n === 2 ? 25 : 10, interruptAfterTimeLimit: 90_000, markInterruptAsFailure: true });
    }, 120_000);
  }
});
