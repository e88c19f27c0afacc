import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc, documentNameFor } from '../../schema/index.ts';
import type { DocumentLimits } from '../../schema/document/limits.ts';
import { checkUpdate } from '../../server/collab/update-check.ts';
import { assertProperty } from '../helpers/property.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { rawYjsClient } from '../helpers/raw-yjs-client.ts';
import { waitFor } from '../helpers/wait.ts';

const LIMITS: DocumentLimits = { maxEvents: 2000, maxTextLength: 20_000, maxDocumentBytes: 16 * 1024 * 1024 };
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty'] as const;
const PLACES = ['field value', 'field text', 'field map', 'links key', 'entity key', 'root'] as const;
type Place = (typeof PLACES)[number];

/** A client edit that uses `key` at `place` in a wedding that has payment p1. */
function write(d: Y.Doc, key: string, place: Place): void {
  const payments = d.getMap('payments');
  const p1 = payments.get('p1') as Y.Map<unknown>;
  if (place === 'field value') p1.set(key, 'x');
  else if (place === 'field text') p1.set(key, new Y.Text('x'));
  else if (place === 'field map') p1.set(key, new Y.Map());
  else if (place === 'links key') {
    const links = new Y.Map<unknown>();
    p1.set('links', links);
    links.set(key, 'ext_1');
  } else if (place === 'entity key') {
    const m = new Y.Map<unknown>();
    payments.set(key, m);
    for (const [k, v] of Object.entries({ vendorId: 'v1', amount: 100, currency: 'GBP' })) m.set(k, v);
  } else d.getMap(key).set('a', 1);
}

/** The server's verdict on `key` at `place` from a client synced with it; applied when accepted. */
function attempt(key: string, place: Place) {
  const server = new Y.Doc();
  new WeddingDoc(server).upsertPayment({ id: 'p1', vendorId: 'v1', amount: 100, currency: 'GBP' });
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  const before = Y.encodeStateVector(server);
  client.transact(() => write(client, key, place));
  const verdict = checkUpdate(server, Y.encodeStateAsUpdate(client, before), LIMITS);
  if (verdict.ok) Y.applyUpdate(server, Y.encodeStateAsUpdate(client, before));
  return { verdict, server, unchanged: Buffer.from(Y.encodeStateVector(server)).equals(Buffer.from(before)) };
}

describe('keys named like Object.prototype members in collaboration updates', () => {
  it('"__proto__" is refused as any key, "constructor" as an id; the others are unknown fields, unknown roots, or plain keys and ids', () => {
    assertProperty(fc.property(fc.constantFrom(...PROTOTYPE_NAMES), fc.constantFrom(...PLACES), (key, place) => {
      const { verdict, server, unchanged } = attempt(key, place);
      if (key === '__proto__') {
        expect(verdict).toMatchObject({ ok: false, code: 'schema_violation' });
        expect(unchanged).toBe(true);
        return;
      }
      switch (place) {
        case 'field value': case 'field text': case 'field map':
          expect(verdict).toMatchObject({ ok: false, code: 'schema_violation', message: expect.stringContaining(`unknown field "${key}"`) });
          expect(unchanged).toBe(true);
          break;
        case 'root':
          expect(verdict).toMatchObject({ ok: false, code: 'schema_violation', message: expect.stringContaining('is not a part of the wedding document') });
          break;
        case 'links key':
          // System names are lower-case: only "constructor" is one, and it is stored as an own key.
          if (key !== 'constructor') expect(verdict).toMatchObject({ ok: false, code: 'schema_violation' });
          else {
            expect(verdict).toEqual({ ok: true });
            expect(Object.hasOwn(new WeddingDoc(server).getPayment('p1')!.links, 'constructor')).toBe(true);
          }
          break;
        case 'entity key':
          if (key === 'constructor') {
            // Reserved: Yjs could not store a budget or recipient list keyed by it (schema/own-keys.ts).
            expect(verdict).toMatchObject({ ok: false, code: 'schema_violation', message: expect.stringContaining('"__proto__" and "constructor" cannot be used as names or ids') });
            expect(unchanged).toBe(true);
            break;
          }
          expect(verdict).toEqual({ ok: true });
          expect(new WeddingDoc(server).getPayment(key)).toMatchObject({ id: key, vendorId: 'v1', amount: 100 });
          break;
      }
    }), { numRuns: 60 });
  });
});

describe('a planner writing "__proto__" over a real connection', () => {
  for (const place of ['entity key', 'field value', 'links key'] as const) {
    it(`is refused with a typed schema_violation and stored nowhere (${place})`, async () => {
      const t = await startTestServer();
      const token = await t.token('planner', ['w1']);
      const peer = await t.connect('w1', token);
      await peer.whenSynced();
      peer.doc.upsertPayment({ id: 'p1', vendorId: 'v1', amount: 100, currency: 'GBP' });
      await peer.whenAcknowledged();
      const raw = await rawYjsClient(t, token);
      await waitFor(() => raw.ydoc.getMap('payments').has('p1'), 'the payment at the raw client');

      raw.ydoc.transact(() => write(raw.ydoc, '__proto__', place));
      await waitFor(() => raw.refusals.length > 0, 'the refusal');
      expect(raw.refusals[0]).toMatchObject({ type: 'wedsync:refused', code: 'schema_violation' });
      expect(raw.refusals[0]!.issues.some((i) => i.path.includes('__proto__'))).toBe(true);
      expect(raw.closes).toEqual([]);

      // The connection goes on; nothing of the refused edit reached the server or the peer.
      peer.doc.setMeta({ title: `after ${place}` });
      await peer.whenAcknowledged();
      await waitFor(() => raw.ydoc.getMap('meta').get('title') === `after ${place}`, 'later edits at the raw client');
      const served = t.server.collab.persistence.loadedDocument(documentNameFor('w1'))!;
      const payments = served.getMap('payments');
      expect([...payments.keys()]).toEqual(['p1']);
      expect([...(payments.get('p1') as Y.Map<unknown>).keys()]).not.toContain('__proto__');
      expect(peer.doc.getPayment('p1')!.links).toEqual({});
    });
  }
});
