import fc from 'fast-check';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { splitUpdate } from '../../client/sdk/split-update.ts';

type Op =
  | { kind: 'insert'; client: 0 | 1; at: number; text: string }
  | { kind: 'delete'; client: 0 | 1; at: number; len: number }
  | { kind: 'set'; client: 0 | 1; key: string; value: string | number | boolean | null }
  | { kind: 'push'; client: 0 | 1; values: (string | number)[] }
  | { kind: 'cut'; client: 0 | 1; at: number; len: number }
  | { kind: 'sync' };

const client = fc.constantFrom<0 | 1>(0, 1);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), client, at: fc.nat(), text: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }) }),
  fc.record({ kind: fc.constant('insert' as const), client, at: fc.nat(), text: fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }) }),
  fc.record({ kind: fc.constant('delete' as const), client, at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('set' as const), client, key: fc.string({ minLength: 1, maxLength: 4 }), value: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null)) }),
  fc.record({ kind: fc.constant('push' as const), client, values: fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('cut' as const), client, at: fc.nat(), len: fc.integer({ min: 1, max: 5 }) }),
  fc.constant({ kind: 'sync' as const }),
);

function play(ops: Op[]): { base: Y.Doc; peers: [Y.Doc, Y.Doc] } {
  const base = new Y.Doc();
  base.clientID = 1;
  base.getText('notes').insert(0, 'base notes 😀 ');
  base.getMap('meta').set('title', 'Base');
  const peers: [Y.Doc, Y.Doc] = [new Y.Doc(), new Y.Doc()];
  peers.forEach((p, i) => { p.clientID = 100 + i; Y.applyUpdate(p, Y.encodeStateAsUpdate(base)); });
  for (const o of ops) {
    if (o.kind === 'sync') {
      Y.applyUpdate(peers[0], Y.encodeStateAsUpdate(peers[1]));
      Y.applyUpdate(peers[1], Y.encodeStateAsUpdate(peers[0]));
      continue;
    }
    const doc = peers[o.client];
    const text = doc.getText('notes');
    const list = doc.getArray<string | number>('list');
    switch (o.kind) {
      case 'insert': text.insert(o.at % (text.length + 1), o.text); break;
      case 'delete': if (text.length) text.delete(o.at % text.length, Math.min(o.len, text.length - (o.at % text.length))); break;
      case 'set': doc.getMap('meta').set(o.key, o.value); break;
      case 'push': list.push(o.values); break;
      case 'cut': if (list.length) list.delete(o.at % list.length, Math.min(o.len, list.length - (o.at % list.length))); break;
    }
  }
  // Peer 0 has everything: its diff against the base is the backlog to send.
  Y.applyUpdate(peers[0], Y.encodeStateAsUpdate(peers[1]));
  return { base, peers };
}

const contentOf = (doc: Y.Doc) => ({
  notes: doc.getText('notes').toString(),
  list: doc.getArray('list').toJSON(),
  meta: Object.entries(doc.getMap('meta').toJSON()).sort(([a], [b]) => (a < b ? -1 : 1)),
  stateVector: [...Y.decodeStateVector(Y.encodeStateVector(doc))].sort(([a], [b]) => a - b),
});

function receive(base: Y.Doc, parts: Uint8Array[]): Y.Doc {
  const server = new Y.Doc();
  Y.applyUpdate(server, Y.encodeStateAsUpdate(base));
  for (const part of parts) Y.applyUpdate(server, part);
  return server;
}

describe('splitUpdate', () => {
  it('cuts any backlog into parts under the limit that rebuild exactly the same document, in any order', () => {
    let split = 0;
    fc.assert(fc.property(fc.array(op, { minLength: 20, maxLength: 80 }), fc.double({ min: 0.05, max: 0.5, noNaN: true }), (ops, fraction) => {
      const { base, peers } = play(ops);
      const backlog = Y.encodeStateAsUpdate(peers[0], Y.encodeStateVector(base));
      // Map values here are at most a few hundred bytes, so 300 bytes always leaves room for each.
      const maxBytes = Math.max(300, Math.floor(backlog.byteLength * fraction));
      const parts = splitUpdate(backlog, maxBytes);
      // A backlog over the limit must be cut; one under it must come back whole.
      expect(parts.length > 1).toBe(backlog.byteLength > maxBytes);
      if (parts.length > 1) split++;
      for (const part of parts) expect(part.byteLength).toBeLessThanOrEqual(maxBytes);
      const whole = receive(base, [backlog]);
      for (const order of [parts, [...parts].reverse()]) {
        const server = receive(base, order);
        expect(server.store.pendingStructs).toBeNull();
        expect(server.store.pendingDs).toBeNull();
        expect(contentOf(server)).toEqual(contentOf(whole));
      }
      expect(contentOf(whole)).toEqual(contentOf(peers[0]));
    }), { numRuns: 150 });
    // The property is about cutting: most generated backlogs must actually have been cut.
    // With at least 20 operations and a limit at most half the backlog, 122–137 of 150 runs
    // were cut over 20 seeds (10 operations and any limit gave 58–82, and once 50, too close).
    expect(split).toBeGreaterThan(100);
  });

  it('returns an update under the limit unchanged', () => {
    const doc = new Y.Doc();
    doc.getMap('meta').set('title', 'Small');
    const update = Y.encodeStateAsUpdate(doc);
    expect(splitUpdate(update, 1024)).toEqual([update]);
  });

  it('cuts one long string (one Yjs item) between characters, never inside a surrogate pair', () => {
    const doc = new Y.Doc();
    const text = '😀'.repeat(5000) + '婚礼'.repeat(3000) + 'é'.repeat(4001);
    doc.getText('notes').insert(0, text);
    const update = Y.encodeStateAsUpdate(doc);
    const parts = splitUpdate(update, 4096);
    expect(parts.length).toBeGreaterThan(update.byteLength / 4096);
    const server = receive(new Y.Doc(), parts);
    expect(server.getText('notes').toString()).toBe(text);
    expect(server.getText('notes').toString()).not.toContain('\uFFFD');
  });

  it('sends deletions after the structs they delete, also when the deletions alone exceed the limit', () => {
    const doc = new Y.Doc();
    const list = doc.getArray<number>('list');
    for (let i = 0; i < 4000; i++) list.push([i]);
    // Every other element removed: 2000 separate delete ranges.
    for (let i = 3999; i >= 0; i -= 2) list.delete(i, 1);
    const update = Y.encodeStateAsUpdate(doc);
    const parts = splitUpdate(update, 512);
    for (const part of parts) expect(part.byteLength).toBeLessThanOrEqual(512);
    expect(receive(new Y.Doc(), parts).getArray('list').toJSON()).toEqual(list.toJSON());
  });

  for (const [what, write] of [
    ['one map value', (d: Y.Doc) => d.getMap('meta').set('venue', 'x'.repeat(5000))],
    ['one binary', (d: Y.Doc) => d.getArray('files').push([new Uint8Array(5000)])],
    ['one embed', (d: Y.Doc) => d.getText('notes').insertEmbed(0, { image: 'x'.repeat(5000) })],
    ['one format attribute', (d: Y.Doc) => { d.getText('notes').insert(0, 'ab'); d.getText('notes').format(0, 1, { link: 'x'.repeat(5000) }); }],
  ] as const) {
    it(`refuses ${what} larger than the limit with message_too_large`, () => {
      const doc = new Y.Doc();
      write(doc);
      expect(() => splitUpdate(Y.encodeStateAsUpdate(doc), 4096)).toThrow(expect.objectContaining({ name: 'WedSyncClientError', code: 'message_too_large' }));
    });
  }
});
