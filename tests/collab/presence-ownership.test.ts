import * as Y from 'yjs';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { describe, expect, it } from 'vitest';
import { MSG, authFrame, awarenessFrame, record } from '../helpers/frames.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * Issue 10 item 5: presence (Yjs awareness) only for the sender's own client id, one per
 * connection, bounded in size. A raw client publishes states as a provider would.
 */

async function rejected(t: TestServer, reason: string): Promise<number> {
  return (await t.server.metrics.wsRejected.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

/** A raw socket authenticated on wedding w1, and a way to publish presence for any client ids. */
async function rawPeer(t: TestServer, sub: string) {
  const ws = await t.rawSocket();
  const seen = record(ws);
  ws.send(authFrame('wedding:w1', await t.token('planner', ['w1'], { sub })));
  await waitFor(() => seen.frames.some((f) => f.type === MSG.Auth && f.authSubtype === 2), `${sub} authenticated`);
  const awarenesses = new Map<number, Awareness>();
  return {
    /** One awareness message carrying a state for each of `states` (client id → state), each at a new clock. */
    publish(states: [number, Record<string, unknown>][]) {
      const host = new Awareness(new Y.Doc());
      for (const [id, state] of states) {
        let aw = awarenesses.get(id);
        if (!aw) {
          const doc = new Y.Doc();
          doc.clientID = id;
          aw = new Awareness(doc);
          awarenesses.set(id, aw);
        }
        aw.setLocalState(state);
        // Copy into one awareness so they travel in one message, as a relaying provider sends them.
        host.states.set(id, state);
        host.meta.set(id, aw.meta.get(id)!);
      }
      ws.send(awarenessFrame('wedding:w1', encodeAwarenessUpdate(host, states.map(([id]) => id))));
      host.destroy();
    },
  };
}

describe('presence ownership', () => {
  it('takes presence for one client id per connection and drops ids nobody owns beyond it', async () => {
    const t = await startTestServer();
    const watcher = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'watcher' }));
    await watcher.whenSynced();
    const mallory = await rawPeer(t, 'mallory');
    mallory.publish([[1001, { editing: 'ceremony' }]]);
    await waitFor(() => watcher.provider.awareness!.getStates().get(1001)?.editing === 'ceremony', 'the first id');
    // Later: a second id on its own, then many in one message, then the own id again.
    mallory.publish([[1002, { editing: 'dinner' }]]);
    mallory.publish(Array.from({ length: 50 }, (_, i): [number, Record<string, unknown>] => [2000 + i, { editing: `ghost ${i}` }]));
    mallory.publish([[1001, { editing: 'speeches' }]]);
    await waitFor(() => watcher.provider.awareness!.getStates().get(1001)?.editing === 'speeches', 'the own id, later');
    const ids = [...watcher.provider.awareness!.getStates().keys()].filter((id) => id !== watcher.ydoc.clientID);
    expect(ids).toEqual([1001]);
    expect(watcher.provider.awareness!.getStates().get(1001)!.user).toMatchObject({ id: 'mallory' });
    expect(await rejected(t, 'awareness_unowned')).toBe(51);
  });

  it('takes the own id of a connection that publishes one first in a message with ids nobody owns', async () => {
    const t = await startTestServer();
    const watcher = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'watcher' }));
    await watcher.whenSynced();
    const mallory = await rawPeer(t, 'mallory');
    mallory.publish([[3001, { editing: 'ceremony' }], [3002, { editing: 'ghost' }], [3003, { editing: 'ghost' }]]);
    await waitFor(() => watcher.provider.awareness!.getStates().get(3001), 'the first id of the message');
    mallory.publish([[3001, { editing: 'dinner' }]]);
    await waitFor(() => watcher.provider.awareness!.getStates().get(3001)?.editing === 'dinner', 'its later state');
    expect(watcher.provider.awareness!.getStates().has(3002)).toBe(false);
    expect(watcher.provider.awareness!.getStates().has(3003)).toBe(false);
    expect(await rejected(t, 'awareness_unowned')).toBe(2);
  });

  it('keeps real providers\u2019 presence: each sees the other, and a reconnected provider still owns its id', async () => {
    const t = await startTestServer();
    const ann = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'ann' }));
    const bob = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'bob' }));
    await Promise.all([ann.whenSynced(), bob.whenSynced()]);
    ann.provider.awareness!.setLocalStateField('editing', 'ceremony');
    bob.provider.awareness!.setLocalStateField('editing', 'dinner');
    await waitFor(() => bob.provider.awareness!.getStates().get(ann.ydoc.clientID)?.editing === 'ceremony', 'ann at bob');
    await waitFor(() => ann.provider.awareness!.getStates().get(bob.ydoc.clientID)?.editing === 'dinner', 'bob at ann');

    ann.disconnect();
    await waitFor(() => !bob.provider.awareness!.getStates().has(ann.ydoc.clientID), 'ann gone at bob');
    ann.connect();
    await ann.whenSynced();
    ann.provider.awareness!.setLocalStateField('editing', 'speeches');
    await waitFor(() => bob.provider.awareness!.getStates().get(ann.ydoc.clientID)?.editing === 'speeches', 'ann back at bob');
    // Nobody else can take over ann's id after her reconnect.
    const mallory = await rawPeer(t, 'mallory');
    mallory.publish([[ann.ydoc.clientID, { editing: 'hijacked' }]]);
    await waitFor(async () => (await rejected(t, 'awareness_spoof')) > 0, 'the take-over refused');
    expect(bob.provider.awareness!.getStates().get(ann.ydoc.clientID)).toMatchObject({ editing: 'speeches', user: { id: 'ann' } });
    expect(await rejected(t, 'awareness_unowned')).toBe(0);
  });

  it('drops an oversized state without it becoming the connection\u2019s id', async () => {
    const t = await startTestServer();
    const watcher = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'watcher' }));
    await watcher.whenSynced();
    const mallory = await rawPeer(t, 'mallory');
    mallory.publish([[4001, { editing: 'x'.repeat(20_000) }]]);
    mallory.publish([[4002, { editing: 'small' }]]);
    await waitFor(() => watcher.provider.awareness!.getStates().get(4002)?.editing === 'small', 'the small state');
    expect(watcher.provider.awareness!.getStates().has(4001)).toBe(false);
    expect(await rejected(t, 'awareness_too_large')).toBe(1);
  });
});
