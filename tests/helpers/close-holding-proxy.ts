import type { AddressInfo } from 'node:net';
import * as decoding from 'lib0/decoding';
import WebSocket, { WebSocketServer } from 'ws';
import { MSG, sendTogether } from './frames.ts';
import { registerTeardown } from './teardown.ts';

function isCloseOf(data: Buffer, documentName: string): boolean {
  try {
    const d = decoding.createDecoder(new Uint8Array(data));
    return decoding.readVarString(d) === documentName && decoding.readVarUint(d) === MSG.Close;
  } catch {
    return false;
  }
}

/**
 * A WebSocket proxy to a collaboration server (`target`: its ws://…/collab URL) that plays a server
 * slow to handle a client's Close: once a client sends the Close of `documentName`, that client's
 * frames are held for `holdMs` and then passed on together, in one write, so the server reads the
 * Close and whatever the client sent after it (a new provider's Auth and sync step 1) in one go.
 * Frames the other way pass at once. Closed at teardown.
 */
export async function closeHoldingProxy(target: string, documentName: string, holdMs: number): Promise<{ url: string; holds: () => number }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  let holds = 0;
  const sockets: WebSocket[] = [];
  wss.on('connection', (client) => {
    const upstream = new WebSocket(target);
    sockets.push(client, upstream);
    const early: Buffer[] = [];
    let held: Buffer[] | null = null;
    const flush = (frames: Buffer[]) => sendTogether(upstream, frames);
    upstream.on('open', () => flush(early.splice(0)));
    upstream.on('message', (data: Buffer) => { if (client.readyState === WebSocket.OPEN) client.send(data); });
    client.on('message', (data: Buffer) => {
      if (held) return void held.push(data);
      if (isCloseOf(data, documentName)) {
        holds++;
        const frames = [data];
        held = frames;
        setTimeout(() => {
          held = null;
          flush(frames);
        }, holdMs);
        return;
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data);
      else early.push(data);
    });
    const end = () => { client.terminate(); upstream.terminate(); };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  registerTeardown(async () => {
    for (const s of sockets) s.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/collab`, holds: () => holds };
}
