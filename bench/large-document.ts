/**
 * `npm run bench -- large-doc`: what one 50,000-event wedding costs everyone else. Each step that
 * handles the whole document runs synchronously on the server's one event loop, so its duration
 * is the stall every other wedding sees. Measured in-process on the same code paths the server
 * uses (Yjs encode/apply, the schema's JSON export), plus the bystanders' worst edit-to-peer
 * latency on a real server while a client joins the large wedding (sync step 2), while it is
 * compacted, snapshotted and exported (those three run on an encoding worker: server/encoding/).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { connectWedding } from '../client/sdk/node.ts';
import { WeddingDoc } from '../schema/index.ts';
import { createTokenService } from '../server/auth/tokens.ts';
import { openDatabase } from '../server/storage/database.ts';
import { DocumentStore } from '../server/storage/document-store.ts';
import { fmt, markdownTable, summarize } from './stats.ts';
import { TS_LOADER } from './server-env.ts';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const SERVER = fileURLToPath(new URL('./core-server.ts', import.meta.url));

/** Opens `documentName` with an empty state vector and resolves once the server's sync step 2 arrived. */
function rawJoin(url: string, documentName: string, token: string): Promise<void> {
  const frame = (write: (e: encoding.Encoder) => void) => {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, documentName);
    write(e);
    return encoding.toUint8Array(e);
  };
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: 512 * 1024 * 1024 });
    ws.once('error', reject);
    ws.once('open', () => ws.send(frame((e) => { encoding.writeVarUint(e, 2); encoding.writeVarUint(e, 0); encoding.writeVarString(e, token); })));
    ws.on('message', (data: Buffer) => {
      const d = decoding.createDecoder(new Uint8Array(data));
      decoding.readVarString(d);
      const type = decoding.readVarUint(d);
      const sub = decoding.readVarUint(d);
      if (type === 2 && sub === 2) ws.send(frame((e) => { encoding.writeVarUint(e, 0); encoding.writeVarUint(e, 0); encoding.writeVarUint8Array(e, Y.encodeStateVector(new Y.Doc())); }));
      if (type === 0 && sub === 1) { ws.close(); resolve(); }
      if (type === 2 && sub === 1) reject(new Error('join refused'));
    });
  });
}

/**
 * Opens `documentName` like rawJoin and keeps the socket: `edit` sends one update and resolves once
 * it is acknowledged, `close` closes the socket (the last one, so the server unloads and compacts).
 */
async function rawHolder(url: string, documentName: string, token: string): Promise<{ edit(update: Uint8Array): Promise<void>; close(): void }> {
  const frame = (write: (e: encoding.Encoder) => void) => {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, documentName);
    write(e);
    return encoding.toUint8Array(e);
  };
  const ws = new WebSocket(url, { maxPayload: 512 * 1024 * 1024 });
  let onAck: (() => void) | null = null;
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(frame((e) => { encoding.writeVarUint(e, 2); encoding.writeVarUint(e, 0); encoding.writeVarString(e, token); })));
    ws.on('message', (data: Buffer) => {
      const d = decoding.createDecoder(new Uint8Array(data));
      decoding.readVarString(d);
      const type = decoding.readVarUint(d);
      const sub = decoding.readVarUint(d);
      if (type === 2 && sub === 2) ws.send(frame((e) => { encoding.writeVarUint(e, 0); encoding.writeVarUint(e, 0); encoding.writeVarUint8Array(e, Y.encodeStateVector(new Y.Doc())); }));
      if (type === 0 && sub === 1) resolve();
      if (type === 8) onAck?.();
      if (type === 2 && sub === 1) reject(new Error('join refused'));
    });
  });
  return {
    edit: (update) => new Promise<void>((resolve) => {
      onAck = resolve;
      ws.send(frame((e) => { encoding.writeVarUint(e, 0); encoding.writeVarUint(e, 2); encoding.writeVarUint8Array(e, update); }));
    }),
    close: () => ws.close(),
  };
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

export default async function largeDocument(args: string[]): Promise<void> {
  const events = args.includes('--quick') ? 10_000 : 50_000;
  console.error(`building a ${events}-event wedding…`);
  const doc = new Y.Doc();
  // Written as WeddingDoc.upsertEvent writes an event (its default `order` scans every event, so
  // 50,000 calls would take minutes); the first one goes through it so the shape stays the schema's.
  new WeddingDoc(doc).upsertEvent({ id: 'e0', title: 'Event 0', start: '2026-06-13T10:00:00Z', end: '2026-06-13T11:00:00Z', notes: 'Arrive early; parking behind the barn.' });
  const template = (doc.getMap('timeline').get('e0') as Y.Map<unknown>).toJSON() as Record<string, unknown>;
  doc.transact(() => {
    const timeline = doc.getMap('timeline');
    for (let e = 1; e < events; e++) {
      const m = new Y.Map<unknown>();
      timeline.set(`e${e}`, m);
      for (const [k, v] of Object.entries({ ...template, title: `Event ${e}`, order: e } as Record<string, unknown>)) {
        if (k === 'notes') { const t = new Y.Text(); m.set(k, t); t.insert(0, v as string); }
        else if (k === 'vendorIds') m.set(k, Y.Array.from(v as string[]));
        else if (k === 'links') m.set(k, new Y.Map(Object.entries(v as Record<string, unknown>)));
        else m.set(k, v);
      }
    }
  });
  if (new WeddingDoc(doc).listEvents().length !== events) throw new Error('the large wedding was not built');
  const rows: [string, number, string][] = [];
  const full = time(() => Y.encodeStateAsUpdate(doc));
  rows.push(['encode whole state (compaction, snapshot, sync step 2 for a new client)', full.ms, `${(full.value.byteLength / 1024 / 1024).toFixed(1)} MiB`]);
  const load = time(() => { const d = new Y.Doc(); Y.applyUpdate(d, full.value); return d; });
  rows.push(['apply whole state (loading the wedding)', load.ms, '']);
  const sv = time(() => Y.encodeStateAsUpdate(doc, Y.encodeStateVector(load.value)));
  rows.push(['sync step 2 for a client that is up to date', sv.ms, `${sv.value.byteLength} B`]);
  const json = time(() => JSON.stringify(new WeddingDoc(doc).toJSON()));
  rows.push(['JSON export', json.ms, `${(json.value.length / 1024 / 1024).toFixed(1)} MiB`]);

  // On a real server (its own process): bystanders' worst edit-to-peer latency on another wedding
  // while one raw client opens the large wedding (load, then sync step 2 of the whole state) and
  // while it is exported over HTTP. The raw client never decodes the state, so the bench process
  // itself is not stalled.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-large-'));
  const db = openDatabase(dataDir, { synchronous: 'normal' });
  new DocumentStore(db).compact('wedding:large', full.value);
  db.close();
  const child = fork(SERVER, ['wedsync', dataDir], { execArgv: ['--import', TS_LOADER], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  const wsUrl = `ws://127.0.0.1:${port}/collab`;
  const token = await createTokenService(SECRET).sign({ sub: 'bench', role: 'admin', weddings: ['*'] }, 3600);
  const a = await connectWedding({ url: wsUrl, weddingId: 'bystander', token });
  const b = await connectWedding({ url: wsUrl, weddingId: 'bystander', token });
  await Promise.all([a.whenSynced(30_000), b.whenSynced(30_000)]);
  let samples: number[] = [];
  const sent = new Map<number, number>();
  let i = 0;
  b.ydoc.getMap('guests').observe(() => {
    const seen = b.ydoc.getMap('guests').get('count') as number;
    for (const [j, t0] of sent) if (j <= seen) { samples.push(performance.now() - t0); sent.delete(j); }
  });
  const ticker = setInterval(() => { sent.set(i, performance.now()); a.ydoc.getMap('guests').set('count', i++); }, 5);
  const during = async (what: string, fn: () => Promise<unknown>) => {
    await new Promise((r) => setTimeout(r, 300));
    samples = [];
    const t0 = performance.now();
    await fn();
    const ms = performance.now() - t0;
    // Long enough for what follows a step (unloading the wedding, freeing its memory) to end before
    // the next step is measured.
    await new Promise((r) => setTimeout(r, 2000));
    const b = summarize(samples);
    rows.push([what, ms, `bystanders' edit-to-peer (every 5 ms): p99 ${fmt(b.p99, 1)} ms, max ${fmt(b.max, 0)} ms, n ${b.n}`]);
  };
  await during('live server: nothing else happening (baseline for the rows below)', () => new Promise((r) => setTimeout(r, 3000)));
  await during('live server: a client opens it (load + whole-state sync step 2), until received', () => rawJoin(wsUrl, 'wedding:large', token));
  await during('live server: a client opens it again (loaded), until received', () => rawJoin(wsUrl, 'wedding:large', token));
  // Compaction: one small edit, then the last socket closes, so the server unloads the wedding and
  // folds its log into the stored state. Timed until the log is empty (read from the bench process).
  const holder = await rawHolder(wsUrl, 'wedding:large', token);
  const reader = new DocumentStore(openDatabase(dataDir, { synchronous: 'normal' }));
  await during('live server: one edit, then the wedding unloads and is compacted, until the log is empty', async () => {
    const edit = new Y.Doc();
    edit.getMap('meta').set('title', 'Compacted');
    await holder.edit(Y.encodeStateAsUpdate(edit));
    holder.close();
    while (reader.logLength('wedding:large') > 0) await new Promise((r) => setTimeout(r, 20));
  });
  await during('live server: POST snapshot (unloaded wedding), until answered', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/admin/weddings/large/snapshots`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ label: 'bench' }),
    });
    if (res.status !== 201) throw new Error(`snapshot answered ${res.status}`);
  });
  await during('live server: GET export (unloaded wedding)', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/admin/weddings/large/export`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
  });
  clearInterval(ticker);
  await a.destroy(); await b.destroy();
  child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });

  const table = markdownTable([`${events}-event wedding`, 'event-loop stall (ms)', 'size / note'], rows.map(([what, ms, note]) => [what, fmt(ms, 0), note]));
  const meta = { when: new Date().toISOString(), node: process.version, cpus: os.cpus().length, load: os.loadavg(), events };
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `large-doc-${meta.when.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ meta, rows, table }, null, 2) + '\n');
  console.log(table);
  console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
}
