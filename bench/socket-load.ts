/**
 * One load-generator process of `npm run bench -- cluster --sockets N` (cluster-sockets.ts): opens
 * `socketsPerWedding` Hocuspocus sockets (one provider and Y.Doc each) to each of its weddings, then,
 * when told, has each wedding's first socket set the wedding's title at `rate` updates a second in
 * all and times each update's arrival at every other socket of that wedding (sender and receivers
 * are in this process, so one clock times both).
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { documentNameFor } from '../schema/index.ts';
import { createTokenService } from '../server/auth/tokens.ts';

const SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

interface Peer { ydoc: Y.Doc; provider: HocuspocusProvider; socket: HocuspocusProviderWebsocket }

export async function startSocketLoad(options: { url: string; weddings: string[]; socketsPerWedding: number }) {
  const tokens = createTokenService(SECRET);
  const groups: Peer[][] = [];
  const started = performance.now();
  // Connected in batches, so the server's accept queue and the loads stay bounded.
  const BATCH = 200;
  const pending: Promise<void>[] = [];
  for (const weddingId of options.weddings) {
    const token = await tokens.sign({ sub: 'bench', role: 'planner', weddings: [weddingId] }, 3600);
    const group: Peer[] = [];
    groups.push(group);
    for (let i = 0; i < options.socketsPerWedding; i++) {
      const socket = new HocuspocusProviderWebsocket({ url: options.url, WebSocketPolyfill: WebSocket as never });
      const ydoc = new Y.Doc();
      const provider = new HocuspocusProvider({ name: documentNameFor(weddingId), document: ydoc, token, websocketProvider: socket });
      provider.attach();
      group.push({ ydoc, provider, socket });
      pending.push(new Promise<void>((resolve) => { if (provider.synced) resolve(); else provider.on('synced', () => resolve()); }));
      if (pending.length >= BATCH) await Promise.all(pending.splice(0));
    }
  }
  await Promise.all(pending);
  const connectMs = performance.now() - started;

  /** Writes for `seconds` at `rate` updates/s over this process's weddings; resolves with every edit → peer latency (ms). */
  async function write(rate: number, seconds: number): Promise<{ latencies: number[]; sent: number; expected: number }> {
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    const off: (() => void)[] = [];
    for (const group of groups) {
      for (const peer of group.slice(1)) {
        const meta = peer.ydoc.getMap('meta');
        const seen = () => {
          const at = sentAt.get(meta.get('title') as string);
          if (at !== undefined) latencies.push(performance.now() - at);
        };
        meta.observe(seen);
        off.push(() => meta.unobserve(seen));
      }
    }
    const intervalMs = 1000 / rate;
    const t0 = performance.now();
    let sent = 0;
    while (performance.now() - t0 < seconds * 1000) {
      const due = Math.floor((performance.now() - t0) / intervalMs);
      for (; sent < due; sent++) {
        const group = groups[sent % groups.length]!;
        const title = `t${process.pid}-${sent}`;
        sentAt.set(title, performance.now());
        group[0]!.ydoc.getMap('meta').set('title', title);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const expected = sent * (options.socketsPerWedding - 1);
    const drainUntil = performance.now() + 5000;
    while (latencies.length < expected && performance.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const f of off) f();
    return { latencies, sent, expected };
  }

  return {
    connectMs,
    sockets: groups.reduce((n, g) => n + g.length, 0),
    write,
    close() { for (const g of groups) for (const p of g) { p.provider.destroy(); p.socket.destroy(); } },
  };
}
