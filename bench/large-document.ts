/**
 * `npm run bench -- large-doc`: what one 50,000-event wedding costs everyone else. Each step that
 * handles the whole document runs synchronously on the server's one event loop, so its duration
 * is the stall every other wedding sees. Measured in-process on the same code paths the server
 * uses (Yjs encode/apply, the schema's JSON export), plus the bystanders' worst edit-to-peer
 * latency on a real server while a client joins the large wedding (sync step 2).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Y from 'yjs';
import { connectWedding } from '../client/sdk/node.ts';
import { WeddingDoc } from '../schema/index.ts';
import { createTokenService } from '../server/auth/tokens.ts';
import { openDatabase } from '../server/storage/database.ts';
import { DocumentStore } from '../server/storage/document-store.ts';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { createWedSyncServer } from '../server/wedsync-server.ts';
import { NO_RATE_LIMITS } from './server-env.ts';
import { fmt, markdownTable } from './stats.ts';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

function time<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

export default async function largeDocument(args: string[]): Promise<void> {
  const events = args.includes('--quick') ? 10_000 : 50_000;
  console.error(`building a ${events}-event wedding…`);
  const doc = new Y.Doc();
  const w = new WeddingDoc(doc);
  doc.transact(() => {
    for (let e = 0; e < events; e++) w.upsertEvent({ id: `e${e}`, title: `Event ${e}`, start: '2026-06-13T10:00:00Z', end: '2026-06-13T11:00:00Z', notes: 'Arrive early; parking behind the barn.' });
  });
  const rows: [string, number, string][] = [];
  const full = time(() => Y.encodeStateAsUpdate(doc));
  rows.push(['encode whole state (compaction, snapshot, sync step 2 for a new client)', full.ms, `${(full.value.byteLength / 1024 / 1024).toFixed(1)} MiB`]);
  const load = time(() => { const d = new Y.Doc(); Y.applyUpdate(d, full.value); return d; });
  rows.push(['apply whole state (loading the wedding)', load.ms, '']);
  const sv = time(() => Y.encodeStateAsUpdate(doc, Y.encodeStateVector(load.value)));
  rows.push(['sync step 2 for a client that is up to date', sv.ms, `${sv.value.byteLength} B`]);
  const json = time(() => JSON.stringify(new WeddingDoc(doc).toJSON()));
  rows.push(['JSON export', json.ms, `${(json.value.length / 1024 / 1024).toFixed(1)} MiB`]);

  // On a real server: bystanders' worst latency while one client opens the large wedding.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-large-'));
  const db = openDatabase(dataDir, { synchronous: 'normal' });
  new DocumentStore(db).compact('wedding:large', full.value);
  db.close();
  const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', MAX_MESSAGE_BYTES: String(256 * 1024 * 1024), ...NO_RATE_LIMITS });
  const server = createWedSyncServer(config, { authSecret: SECRET, logger: createLogger(config) });
  const { wsUrl } = await server.listen();
  const token = await createTokenService(SECRET).sign({ sub: 'bench', role: 'admin', weddings: ['*'] }, 3600);
  const a = await connectWedding({ url: wsUrl, weddingId: 'bystander', token });
  const b = await connectWedding({ url: wsUrl, weddingId: 'bystander', token });
  await Promise.all([a.whenSynced(30_000), b.whenSynced(30_000)]);
  let worst = 0;
  let sentAt = 0;
  let i = 0;
  b.ydoc.getMap('bystander').observe(() => { worst = Math.max(worst, performance.now() - sentAt); });
  const ticker = setInterval(() => { sentAt = performance.now(); a.ydoc.getMap('bystander').set('i', i++); }, 5);
  const joinStart = performance.now();
  const big = await connectWedding({ url: wsUrl, weddingId: 'large', token });
  await big.whenSynced(120_000);
  const joinMs = performance.now() - joinStart;
  await new Promise((r) => setTimeout(r, 200));
  clearInterval(ticker);
  rows.push(['a client opens it on a live server: time to synced', joinMs, `bystander worst edit-to-peer ${fmt(worst, 0)} ms`]);
  await big.destroy(); await a.destroy(); await b.destroy();
  await server.close();
  fs.rmSync(dataDir, { recursive: true, force: true });

  const table = markdownTable([`${events}-event wedding`, 'event-loop stall (ms)', 'size / note'], rows.map(([what, ms, note]) => [what, fmt(ms, 0), note]));
  const meta = { when: new Date().toISOString(), node: process.version, cpus: os.cpus().length, load: os.loadavg(), events };
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `large-doc-${meta.when.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ meta, rows, table }, null, 2) + '\n');
  console.log(table);
  console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
}
