/**
 * The cost of `PRAGMA secure_delete = ON` (server/storage/database.ts) on the update-log path:
 * appends of small Yjs-sized updates, each committed on its own (the worst case: under load the
 * group commit puts many in one transaction), with a compaction every 200 appends that writes a
 * 64 KiB state and deletes the log rows (the deletion is where secure_delete zeroes pages).
 * Run: node --import ./server/cli/typescript-loader.mjs bench/secure-delete.ts
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../server/storage/database.ts';
import { DocumentStore } from '../server/storage/document-store.ts';

const APPENDS = Number(process.env.APPENDS ?? 20_000);

function run(secure: boolean): { appendUs: number; compactMs: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-bench-sd-'));
  try {
    const db = openDatabase(dir, { synchronous: 'normal' });
    db.pragma(`secure_delete = ${secure ? 'ON' : 'OFF'}`);
    const store = new DocumentStore(db);
    const update = crypto.randomBytes(180);
    const state = crypto.randomBytes(64 * 1024);
    let appendNs = 0n;
    let compactNs = 0n;
    let compactions = 0;
    for (let i = 1; i <= APPENDS; i++) {
      const t0 = process.hrtime.bigint();
      db.transaction(() => store.append('wedding:bench', update))();
      appendNs += process.hrtime.bigint() - t0;
      if (i % 200 === 0) {
        const t1 = process.hrtime.bigint();
        store.compact('wedding:bench', state);
        compactNs += process.hrtime.bigint() - t1;
        compactions++;
      }
    }
    db.close();
    return { appendUs: Number(appendNs / BigInt(APPENDS)) / 1000, compactMs: Number(compactNs / BigInt(compactions)) / 1e6 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Alternate the two settings, three rounds each, so a noisy neighbour hits both alike.
const rounds: Record<'off' | 'on', { appendUs: number; compactMs: number }[]> = { off: [], on: [] };
for (let r = 0; r < 3; r++) {
  rounds.off.push(run(false));
  rounds.on.push(run(true));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const k of ['off', 'on'] as const) {
  console.log(`secure_delete ${k.padEnd(3)}: append ${median(rounds[k].map((x) => x.appendUs)).toFixed(1)} µs/commit, compaction ${median(rounds[k].map((x) => x.compactMs)).toFixed(2)} ms (median of 3 runs, ${APPENDS} appends)`);
}
