/**
 * `npm run bench -- compaction-trim [--rows N] [--rounds N]`: how long compaction of one flooded
 * wedding holds the event loop, trimming its log in one transaction (DocumentStore.compact, what
 * the server did before) against the state in one short transaction and then the folded rows in
 * chunks of COMPACTION_TRIM_ROWS (storeState + trimFolded, what DurablePersistence does now).
 *
 * Each round fills a fresh database (the server's pragmas: WAL, synchronous=normal, secure_delete,
 * no auto-checkpoint as with the WAL worker) with `rows` small updates to one wedding, as a flooder
 * writing its title leaves them, plus other weddings' rows around them, then compacts it both
 * ways, alternating which goes first. Every transaction is synchronous on the event loop, so its
 * duration is the stall every other wedding sees. Each is timed in CPU time (process.cpuUsage: what
 * the transaction costs; nothing else runs in this process) and in wall time (which on a shared,
 * loaded machine also holds the time slices other processes took meanwhile).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import { WeddingDoc } from '../schema/index.ts';
import { loadConfig } from '../server/config.ts';
import { openDatabase, type Db } from '../server/storage/database.ts';
import { DocumentStore } from '../server/storage/document-store.ts';
import { percentile as percentileOfSorted } from './stats.ts';

const RESULTS = path.join(import.meta.dirname, 'results');
const NAME = 'wedding:flooded';

function arg(args: string[], flag: string, fallback: number): number {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** A fresh database holding `rows` title updates of the flooded wedding, and the live document they make. */
function filled(rows: number): { db: Db; store: DocumentStore; doc: Y.Doc; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-trim-'));
  const db = openDatabase(dir, { synchronous: 'normal' });
  db.pragma('wal_autocheckpoint = 0');
  const store = new DocumentStore(db);
  const doc = new Y.Doc();
  const wedding = new WeddingDoc(doc);
  const bystander = new Y.Doc();
  const other = new WeddingDoc(bystander);
  doc.on('update', (u: Uint8Array) => store.append(NAME, u));
  bystander.on('update', (u: Uint8Array) => store.append('wedding:bystander', u));
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      wedding.setMeta({ title: `Flood ${i}` });
      if (i % 10 === 0) other.setMeta({ title: `Bystander ${i}` });
    }
  })();
  // As the server's WAL worker does: the next writer then reuses the WAL file from its start.
  db.pragma('wal_checkpoint(PASSIVE)');
  return { db, store, doc, dir };
}

const percentile = (xs: number[], p: number) => percentileOfSorted([...xs].sort((a, b) => a - b), p);

interface Took { wall: number; cpu: number }

function timed(fn: () => unknown): Took {
  const start = performance.now();
  const cpu = process.cpuUsage();
  fn();
  const used = process.cpuUsage(cpu);
  return { wall: performance.now() - start, cpu: (used.user + used.system) / 1000 };
}

export default async function run(args: string[]): Promise<void> {
  const rows = arg(args, '--rows', 10_000);
  const rounds = arg(args, '--rounds', 5);
  const chunk = loadConfig({}).COMPACTION_TRIM_ROWS;
  const once: Took[] = [];
  const state: Took[] = [];
  const chunkAll: Took[] = [];
  const longestChunked: Took[] = [];
  const chunkedTotal: Took[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const way of r % 2 === 0 ? ['once', 'chunked'] : ['chunked', 'once']) {
      const { db, store, doc, dir } = filled(rows);
      const encoded = Y.encodeStateAsUpdate(doc);
      if (way === 'once') {
        once.push(timed(() => store.compact(NAME, encoded)));
      } else {
        const s = timed(() => store.storeState(NAME, encoded));
        const chunks: Took[] = [];
        let deleted = chunk;
        while (deleted === chunk) chunks.push(timed(() => { deleted = store.trimFolded(NAME, chunk); }));
        state.push(s);
        chunkAll.push(...chunks);
        const all = [s, ...chunks];
        longestChunked.push({ wall: Math.max(...all.map((t) => t.wall)), cpu: Math.max(...all.map((t) => t.cpu)) });
        chunkedTotal.push({ wall: all.reduce((a, t) => a + t.wall, 0), cpu: all.reduce((a, t) => a + t.cpu, 0) });
      }
      if (store.logLength(NAME) !== 0 || store.hasFoldedRows(NAME)) throw new Error('the log was not trimmed');
      db.close();
      doc.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const med = (xs: Took[], k: keyof Took) => percentile(xs.map((x) => x[k]), 50);
  const pct = (xs: Took[], k: keyof Took, p: number) => percentile(xs.map((x) => x[k]), p);
  const f = (x: number) => x.toFixed(2);
  const result = { rows, rounds, chunkRows: chunk, oneTransaction: once, chunked: { state, chunks: chunkAll, longest: longestChunked, total: chunkedTotal } };
  const row = (what: string, k: keyof Took) => `| longest transaction, ${what} (ms, median of rounds) | ${f(med(once, k))} | ${f(med(longestChunked, k))} | ${(med(longestChunked, k) / med(once, k)).toFixed(3)}× |`;
  const table = [
    `| ${rows} rows, ${rounds} rounds | one transaction | chunked (${chunk} rows) | ratio |`,
    '|---|---|---|---|',
    row('CPU', 'cpu'),
    row('wall', 'wall'),
    `| state transaction, CPU / wall (ms, median) | – | ${f(med(state, 'cpu'))} / ${f(med(state, 'wall'))} | |`,
    `| chunk CPU p50 / p99 / max (ms) | – | ${f(pct(chunkAll, 'cpu', 50))} / ${f(pct(chunkAll, 'cpu', 99))} / ${f(pct(chunkAll, 'cpu', 100))} | |`,
    `| chunk wall p50 / p99 / max (ms) | – | ${f(pct(chunkAll, 'wall', 50))} / ${f(pct(chunkAll, 'wall', 99))} / ${f(pct(chunkAll, 'wall', 100))} | |`,
    `| total CPU (ms, median) | ${f(med(once, 'cpu'))} | ${f(med(chunkedTotal, 'cpu'))} | ${(med(chunkedTotal, 'cpu') / med(once, 'cpu')).toFixed(2)}× |`,
  ].join('\n');
  const meta = { when: new Date().toISOString(), node: process.version, cpus: os.cpus().length, load: os.loadavg() };
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `compaction-trim-${meta.when.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ meta, result, table }, null, 2) + '\n');
  console.log(table);
  console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
}
