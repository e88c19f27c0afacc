/**
 * The noisy neighbour of `npm run bench -- core`, in its own process: one raw WebSocket that opens
 * one wedding and sends small Yjs updates back to back (as fast as the socket takes them) until
 * told to stop, then reports how many it sent and how many the server acknowledged.
 *   node --import ./server/cli/typescript-loader.mjs bench/flooder.ts <ws url> <weddingId> <token>
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';

const [url, weddingId, token] = process.argv.slice(2) as [string, string, string];
const doc = `wedding:${weddingId}`;
const MSG = { Sync: 0, Auth: 2, SyncStatus: 8 } as const;

function frame(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, doc);
  write(e);
  return encoding.toUint8Array(e);
}

const ws = new WebSocket(url);
let sent = 0;
let acked = 0;
let flooding = true;
const ydoc = new Y.Doc();
const updates: Uint8Array[] = [];
ydoc.on('update', (u: Uint8Array) => updates.push(u));

ws.on('message', (data: Buffer) => {
  const d = decoding.createDecoder(new Uint8Array(data));
  decoding.readVarString(d);
  const type = decoding.readVarUint(d);
  if (type === MSG.Auth && decoding.readVarUint(d) === 2) process.send!({ type: 'ready' });
  if (type === MSG.SyncStatus) acked++;
});
ws.once('open', () => ws.send(frame((e) => { encoding.writeVarUint(e, MSG.Auth); encoding.writeVarUint(e, 0); encoding.writeVarString(e, token); })));
ws.once('close', (code) => process.send!({ type: 'closed', code, sent, acked }));

/**
 * Keeps about 1 MB queued in the socket, so the server always has updates to read; while the
 * queue is full it looks again every millisecond rather than spinning (the bench shares its cores).
 */
function flood(): void {
  if (!flooding || ws.readyState !== ws.OPEN) return;
  // At most 1000 per turn, so acknowledgements and the stop message are read in between (the
  // kernel's socket buffers take megabytes before bufferedAmount grows at all).
  for (let n = 0; n < 1000 && ws.bufferedAmount < 1 << 20; n++) {
    // A field of the wedding schema (updates are validated before they are applied), and the same
    // one as the capacity rows (see bench/core.ts on why not the guest count).
    ydoc.getMap('meta').set('title', String(sent));
    const update = updates.pop()!;
    ws.send(frame((e) => { encoding.writeVarUint(e, MSG.Sync); encoding.writeVarUint(e, 2); encoding.writeVarUint8Array(e, update); }));
    sent++;
  }
  if (ws.bufferedAmount < 1 << 20) setImmediate(flood);
  else setTimeout(flood, 1);
}

process.on('message', (m: { type: string }) => {
  if (m.type === 'start') flood();
  if (m.type === 'stop') {
    flooding = false;
    process.send!({ type: 'stopped', sent, acked, open: ws.readyState === ws.OPEN });
  }
});
