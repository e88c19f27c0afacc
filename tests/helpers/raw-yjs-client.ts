import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { decodeCollabRefusal, documentNameFor, type CollabRefusal } from '../../schema/index.ts';
import { registerTeardown } from './teardown.ts';
import type { TestServer } from './test-server.ts';
import { waitFor } from './wait.ts';

/**
 * A raw Yjs client of wedding `weddingId` (default `w1`): a Y.Doc and a HocuspocusProvider, no SDK.
 * Records the refusals the server sends (`refusals`) and the close codes (`closes`); destroyed at
 * teardown. Resolves once synced.
 */
export async function rawYjsClient(t: TestServer, token: string, weddingId = 'w1') {
  const socket = new HocuspocusProviderWebsocket({ url: t.wsUrl, WebSocketPolyfill: WebSocket });
  const ydoc = new Y.Doc();
  const refusals: CollabRefusal[] = [];
  const closes: number[] = [];
  const provider = new HocuspocusProvider({ name: documentNameFor(weddingId), document: ydoc, token, websocketProvider: socket });
  provider.on('stateless', ({ payload }: { payload: string }) => { const r = decodeCollabRefusal(payload); if (r) refusals.push(r); });
  provider.on('close', ({ event }: { event: { code: number } }) => closes.push(event.code));
  provider.attach();
  registerTeardown(() => { provider.destroy(); socket.destroy(); });
  await waitFor(() => provider.synced, 'raw client to sync');
  return { ydoc, provider, socket, refusals, closes };
}
