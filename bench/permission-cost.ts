import * as Y from 'yjs';
import { connectWedding, type WeddingConnection } from '../client/sdk/node.ts';
import { WeddingDoc } from '../schema/index.ts';
import type { TokenService } from '../server/auth/tokens.ts';
import { checkUpdate } from '../server/collab/update-check.ts';
import { filterByPermission } from '../server/collab/update-permissions.ts';

/**
 * What the per-path write check costs (issue 11 item 4): sustained updates/s of a vendor writing
 * its own allowed path (its crew notes on an event it is assigned to) against a planner writing
 * the very same path, on the same server in the same run. Only the vendor's updates go through the
 * permission filter (server/collab/update-permissions.ts); everything else is equal. Runs
 * alternate planner and vendor so that drift of a shared machine hits both alike.
 */
export interface PermissionCost {
  plannerPerSecond: number;
  vendorPerSecond: number;
  /** Planner writes, a vendor receives through its part `wedding:<id>/vendor:photo` (each update filtered for it). */
  vendorReaderPerSecond: number;
  /** vendorReaderPerSecond / plannerPerSecond. */
  readerRatio: number;
  /** vendor / planner: 1.00 is free; the aim is >= 0.85 (<= 15 % cost). */
  ratio: number;
  runs: number;
  updates: number;
  /**
   * The same in-process, free of the network and of a shared machine's noise: server CPU per
   * incoming update (µs) for the checks and the apply, without and with the permission filter.
   */
  cpu: { plannerMicros: number; vendorMicros: number; ratio: number };
}

/** µs per update the server spends checking and applying `updates` (median of `runs`). */
function cpuPerUpdate(updates: number, runs: number): { plannerMicros: number; vendorMicros: number; ratio: number } {
  const limits = { maxEvents: 2000, maxTextLength: 20_000, maxDocumentBytes: 16 * 1024 * 1024 };
  const make = () => {
    const doc = new Y.Doc();
    const w = new WeddingDoc(doc);
    w.upsertVendor({ id: 'photo', name: 'Photo Co', category: 'photographer' });
    w.upsertEvent({ id: 'e1', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T15:00:00+01:00', vendorIds: ['photo'] });
    ((doc.getMap('timeline').get('e1') as Y.Map<Y.Map<unknown>>).get('crew')!).set('photo', new Y.Map());
    return doc;
  };
  const source = make();
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(source));
  const stream: Uint8Array[] = [];
  client.on('update', (u: Uint8Array) => stream.push(u));
  const entry = ((client.getMap('timeline').get('e1') as Y.Map<Y.Map<Y.Map<unknown>>>).get('crew')!).get('photo')!;
  for (let i = 0; i < updates; i++) entry.set('notes', String(i));
  const time = (vendor: boolean) => {
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(source));
    const writer = { role: 'vendor' as const, sub: 'bench-vendor', vendorId: 'photo' };
    const t0 = performance.now();
    for (const u of stream) {
      const permitted = vendor ? filterByPermission(server, u, writer) : null;
      if (permitted) throw new Error('the vendor may write its own crew entry');
      if (!checkUpdate(server, u, limits).ok) throw new Error('refused');
      Y.applyUpdate(server, u);
    }
    return ((performance.now() - t0) * 1000) / stream.length;
  };
  const planner: number[] = [];
  const vendor: number[] = [];
  for (let r = 0; r < runs; r++) {
    planner.push(time(false));
    vendor.push(time(true));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const plannerMicros = median(planner);
  const vendorMicros = median(vendor);
  return { plannerMicros, vendorMicros, ratio: plannerMicros / vendorMicros };
}

const tick = () => new Promise((r) => setImmediate(r));

async function connect(url: string, weddingId: string, token: string): Promise<WeddingConnection> {
  const c = await connectWedding({ url, weddingId, token });
  await c.whenSynced(30_000);
  return c;
}

async function seed(url: string, weddingId: string, token: string): Promise<void> {
  const planner = await connect(url, weddingId, token);
  planner.doc.upsertVendor({ id: 'photo', name: 'Photo Co', category: 'photographer' });
  planner.doc.upsertEvent({ id: 'e1', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T15:00:00+01:00', vendorIds: ['photo'] });
  const crew = (planner.ydoc.getMap('timeline').get('e1') as Y.Map<Y.Map<unknown>>).get('crew')!;
  crew.set('photo', new Y.Map());
  await planner.whenAcknowledged(30_000);
  await planner.destroy();
}

/** Updates/s one writer sustains on `crew.photo.notes`, as seen by a second client. */
async function writerThroughput(url: string, weddingId: string, writerToken: string, readerToken: string, updates: number): Promise<number> {
  const a = await connect(url, weddingId, writerToken);
  const b = await connect(url, weddingId, readerToken);
  const entry = (doc: Y.Doc) => ((doc.getMap('timeline').get('e1') as Y.Map<Y.Map<Y.Map<unknown>>>).get('crew')!).get('photo')!;
  const last = String(updates - 1);
  const seen = new Promise<number>((resolve) => {
    entry(b.ydoc).observe(() => { if (entry(b.ydoc).get('notes') === last) resolve(performance.now()); });
  });
  const target = entry(a.ydoc);
  const start = performance.now();
  for (let i = 0; i < updates; i++) {
    target.set('notes', String(i));
    if (i % 100 === 99) await tick();
  }
  const seenAt = await seen;
  await a.whenAcknowledged(120_000);
  if (!new WeddingDoc(b.ydoc).getEvent('e1')) throw new Error('the event is gone');
  await a.destroy();
  await b.destroy();
  return updates / ((seenAt - start) / 1000);
}

export async function permissionCost(url: string, tokens: TokenService, options: { updates: number; runs: number }): Promise<PermissionCost> {
  const planner = await tokens.sign({ sub: 'bench-planner', role: 'planner', weddings: ['bench-perm-planner', 'bench-perm-vendor'] }, 3600);
  const vendor = await tokens.sign({ sub: 'bench-vendor', role: 'vendor', weddings: ['bench-perm-vendor'], vendorId: 'photo' }, 3600);
  await seed(url, 'bench-perm-planner', planner);
  await seed(url, 'bench-perm-vendor', planner);
  const plannerRuns: number[] = [];
  const vendorRuns: number[] = [];
  const readerRuns: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    plannerRuns.push(await writerThroughput(url, 'bench-perm-planner', planner, planner, options.updates));
    vendorRuns.push(await writerThroughput(url, 'bench-perm-vendor', vendor, planner, options.updates));
    readerRuns.push(await writerThroughput(url, 'bench-perm-vendor', planner, vendor, options.updates));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const plannerPerSecond = median(plannerRuns);
  const vendorPerSecond = median(vendorRuns);
  const vendorReaderPerSecond = median(readerRuns);
  const cpu = cpuPerUpdate(options.updates, options.runs);
  return { plannerPerSecond, vendorPerSecond, vendorReaderPerSecond, readerRatio: vendorReaderPerSecond / plannerPerSecond, ratio: vendorPerSecond / plannerPerSecond, runs: options.runs, updates: options.updates, cpu };
}
