import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc, documentNameFor } from '../../schema/index.ts';
import { MSG, authFrame, closeFrame, record, sendTogether, syncStep1Frame, updateFrame } from '../helpers/frames.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const W1 = documentNameFor('w1');

/** An update that adds one valid timeline event, from a document of its own. */
function eventUpdate(id: string, title: string): Uint8Array {
  const doc = new Y.Doc();
  new WeddingDoc(doc).upsertEvent({ id, title, start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' });
  return Y.encodeStateAsUpdate(doc);
}

const closes = (frames: { type: number }[]) => frames.filter((f) => f.type === MSG.Close).length;
const authenticated = (frames: { type: number; authSubtype?: number }[]) => frames.filter((f) => f.type === MSG.Auth && f.authSubtype === 2).length;

/** A server, a planner's SDK peer on w1, and a raw socket (with what it receives) to speak the protocol by hand. */
async function peerAndRawSocket() {
  const t = await startTestServer();
  const token = await t.token('planner', ['w1']);
  const peer = await t.connect('w1', token);
  await peer.whenSynced();
  const ws = await t.rawSocket();
  return { token, peer, ws, r: record(ws) };
}

describe('a document closed and opened again on one socket', () => {
  it('frames sent after a Close, before the server handled it, reach a new connection: its update is stored and shared', async () => {
    const { token, peer, ws, r } = await peerAndRawSocket();
    ws.send(authFrame(W1, token));
    ws.send(syncStep1Frame(W1));
    await waitFor(() => authenticated(r.frames) === 1, 'the first connection to be authenticated');

    // The connection is still handling the sync step 1 when the Close and a new provider's frames arrive.
    sendTogether(ws, [syncStep1Frame(W1), closeFrame(W1), authFrame(W1, token), syncStep1Frame(W1), updateFrame(W1, eventUpdate('speeches', 'Speeches'))]);
    await waitFor(() => peer.doc.getEvent('speeches')?.title === 'Speeches', 'the new connection’s update to reach the peer');
    expect(closes(r.frames)).toBe(1);
    expect(authenticated(r.frames)).toBe(2);
    const sent = r.frames.map((f) => f.type);
    expect(sent.indexOf(MSG.Close)).toBeLessThan(sent.lastIndexOf(MSG.Auth));
  });

  it('a Close for a document with no connection is answered and does not end the next one', async () => {
    const { token, peer, ws, r } = await peerAndRawSocket();
    ws.send(closeFrame(W1));
    await waitFor(() => closes(r.frames) === 1, 'the Close to be answered');

    sendTogether(ws, [authFrame(W1, token), syncStep1Frame(W1), updateFrame(W1, eventUpdate('toasts', 'Toasts'))]);
    await waitFor(() => peer.doc.getEvent('toasts')?.title === 'Toasts', 'the update after the stale Close to reach the peer');
    expect(closes(r.frames)).toBe(1);
    expect(authenticated(r.frames)).toBe(1);
  });

  it('a Close sent while the document’s Auth is being handled closes that connection, and the next Auth opens a new one', async () => {
    const { token, peer, ws, r } = await peerAndRawSocket();
    sendTogether(ws, [authFrame(W1, token), syncStep1Frame(W1), closeFrame(W1), authFrame(W1, token), syncStep1Frame(W1), updateFrame(W1, eventUpdate('cake', 'Cake'))]);
    await waitFor(() => peer.doc.getEvent('cake')?.title === 'Cake', 'the second connection’s update to reach the peer');
    expect(closes(r.frames)).toBe(1);
    expect(authenticated(r.frames)).toBe(2);
  });
});
