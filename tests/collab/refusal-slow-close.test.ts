import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createCollabSocket, type RefusedUpdate } from '../../client/sdk/connect.ts';
import { documentNameFor } from '../../schema/index.ts';
import { closeHoldingProxy } from '../helpers/close-holding-proxy.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const ceremony = { id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' };

describe('after a refused update, with a server slow to handle the refused document’s Close', () => {
  it.each([
    ['its own socket, opened again after 3 s without an answer', false],
    ['a shared socket, which waits for the answer', true],
  ])('the SDK’s new document still reaches the server on %s: its next edit is stored and shared', async (_, shared) => {
    const t = await startTestServer({ env: { MAX_EVENTS_PER_WEDDING: '1' } });
    const token = await t.token('planner', ['w1']);
    const other = await t.connect('w1', token);
    other.doc.upsertEvent(ceremony);
    await other.whenAcknowledged();
    // The SDK waits 3 s for the server's answer to its Close before it goes on.
    const proxy = await closeHoldingProxy(t.wsUrl, documentNameFor('w1'), 4_000);
    const socket = shared ? createCollabSocket({ url: proxy.url, WebSocketPolyfill: WebSocket }) : undefined;
    if (socket) registerTeardown(() => socket.destroy());
    const conn = await t.connect('w1', token, { url: proxy.url, socket });
    await conn.whenSynced();
    const refused: RefusedUpdate[] = [];
    conn.onRefused((r) => refused.push(r));

    conn.doc.upsertEvent({ ...ceremony, id: 'speeches', title: 'Speeches' });
    await waitFor(() => refused.length === 1, 'the refusal to reach the app');
    expect(refused[0]!.code).toBe('document_too_large');
    expect(proxy.holds()).toBe(1);
    await conn.whenSynced(20_000);
    expect(conn.doc.listEvents().map((e) => e.id)).toEqual(['ceremony']);

    conn.doc.upsertEvent({ ...ceremony, title: 'Ceremony in the orangery' });
    await waitFor(() => other.doc.getEvent('ceremony')?.title === 'Ceremony in the orangery', 'the edit made after the refusal to reach the other peer', 15_000);
    await conn.whenAcknowledged();
    expect(refused).toHaveLength(1);
  }, 60_000);
});
