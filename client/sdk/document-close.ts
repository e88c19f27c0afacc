import { WebSocketStatus, type HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import * as decoding from 'lib0/decoding';

/** Hocuspocus' Close message type (@hocuspocus/common MessageType.CLOSE). */
const MESSAGE_CLOSE = 7;

/** How long a provider's own socket waits for the server's answer to a Close before it is opened again, ms. */
export const CLOSE_ANSWER_MS = 3_000;
/** How long a shared socket (never reopened by a connection) waits for that answer, ms. */
export const SHARED_CLOSE_ANSWER_MS = 15_000;

/**
 * Resolves `'answered'` when the server answers a provider's Close for `address` on `socket`
 * (Hocuspocus sends a Close back once that document's connection is closed), `'down'` when the
 * socket goes down first, and `'no answer'` after `timeoutMs`.
 */
export function serverClosed(socket: HocuspocusProviderWebsocket, address: string, timeoutMs: number): Promise<'answered' | 'down' | 'no answer'> {
  return new Promise((resolve) => {
    const done = (outcome: 'answered' | 'down' | 'no answer') => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      socket.off('disconnect', onDown);
      resolve(outcome);
    };
    const onDown = () => done('down');
    const onMessage = ({ data }: { data: ArrayBuffer | Uint8Array }) => {
      try {
        const d = decoding.createDecoder(new Uint8Array(data));
        if (decoding.readVarString(d) === address && decoding.readVarUint(d) === MESSAGE_CLOSE) done('answered');
      } catch {
        // Not ours to judge: the provider reports malformed frames.
      }
    };
    const timer = setTimeout(() => done('no answer'), timeoutMs);
    socket.on('message', onMessage);
    socket.on('disconnect', onDown);
  });
}

/**
 * Closes a provider's own socket; resolves once it is down, for the caller to connect it again
 * (unless the connection was destroyed meanwhile). Needed when the server has not answered a document's Close: Hocuspocus hands
 * the frames of a document that reach it before it has handled that Close to the connection being
 * closed (ClientConnection keeps routing them there), so a new provider's Auth and sync step 1
 * would be answered from the closed connection (the provider then reports synced) and its updates
 * never applied. A new socket starts with no connection for the document.
 */
export async function closeSocket(socket: HocuspocusProviderWebsocket): Promise<void> {
  if (socket.status === WebSocketStatus.Disconnected) return;
  const down = new Promise<void>((resolve) => {
    const onDown = () => {
      socket.off('disconnect', onDown);
      resolve();
    };
    socket.on('disconnect', onDown);
  });
  socket.disconnect();
  await down;
}
