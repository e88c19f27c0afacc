/**
 * `npm run bench -- pdf-render [--rounds 3]`: what a run-of-show PDF costs everyone else on the
 * server. A mixed-script PDF (CJK, Arabic, Hebrew, emoji faces) takes seconds of CPU when its fonts
 * are cold; the server renders it on a worker thread (server/schedule/pdf-renderer.ts) so that live
 * editing of other weddings goes on meanwhile.
 *
 * A probe stands for another wedding's work: a 1 ms timer, whose lateness (ms past when it was due)
 * is how long the event loop was held. Probes run back to back while each setup renders:
 * - `idle`: no render (the baseline);
 * - `worker, cold` / `worker, warm`: PdfRenderer with one worker (what the server does), its worker
 *   terminated first for a cold one;
 * - `event loop, cold` / `event loop, warm`: runOfShowPdf called on this thread (what the server
 *   did before; cold only in the first round, as fonts are then parsed for the process).
 * Each round runs every setup; the table gives each setup's probe lateness p50/p99/max over all
 * rounds, its render time, the ratio of its p99 to the idle p99 of the same run, and its longest
 * lateness as a share of its render, the largest of any round (1: the render held the loop from
 * start to end).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Y from 'yjs';
import { WeddingDoc } from '../schema/index.ts';
import { buildRunOfShow, type RunOfShow } from '../schema/document/run-of-show.ts';
import { PdfRenderer } from '../server/schedule/pdf-renderer.ts';
import { runOfShowPdf } from '../server/schedule/run-of-show-pdf.ts';
import { fmt, markdownTable, summarize } from './stats.ts';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

function arg(args: string[], flag: string, fallback: number): number {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** The wedding tests/schedule/run-of-show-pdf-worker.test.ts prints: every face the PDF embeds. */
function mixedScriptShow(): RunOfShow {
  const w = new WeddingDoc(new Y.Doc());
  w.setMeta({ title: '李伟 & 佐藤さくら', date: '2027-06-12', timezone: 'Asia/Tokyo', venue: 'ホテル椿山荘東京', status: 'planning' });
  w.upsertVendor({ id: 'photo', name: '김민준 사진', category: 'photographer' });
  w.upsertVendor({ id: 'flowers', name: 'שרה כהן', category: 'florist' });
  for (let i = 0; i < 20; i++) {
    w.upsertEvent({ id: `e${i}`, title: `Tea ceremony 茶道 ${i}`, start: '2027-06-12T02:00:00Z', end: '2027-06-12T03:00:00Z', location: 'قاعة الفرح · Ελένη', vendorIds: ['photo', 'flowers'], notes: 'Bring 🎂 and 💍' });
  }
  return buildRunOfShow(w);
}

/** Probe lateness (ms) while `work` runs, and how long it ran (ms). */
async function probeDuring(work: () => Promise<unknown>): Promise<{ lateness: number[]; renderMs: number }> {
  const lateness: number[] = [];
  let done = false;
  const started = performance.now();
  // Started on the next turn, so that a render on this thread begins before the first probe.
  const running = new Promise<void>((resolve) => setImmediate(resolve)).then(work).finally(() => { done = true; });
  while (!done) {
    const due = performance.now() + 1;
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
    lateness.push(Math.max(0, performance.now() - due));
  }
  await running;
  return { lateness, renderMs: performance.now() - started };
}

type Setup = 'idle' | 'worker, cold' | 'worker, warm' | 'event loop, cold' | 'event loop, warm';

export default async function pdfRenderBench(args: string[]): Promise<void> {
  const rounds = arg(args, '--rounds', 3);
  const show = mixedScriptShow();
  const renderer = new PdfRenderer({ workers: 1, queue: 1 });
  const samples = new Map<Setup, { lateness: number[]; renderMs: number[]; heldShare: number[] }>();
  const add = (setup: Setup, r: { lateness: number[]; renderMs: number }) => {
    const s = samples.get(setup) ?? { lateness: [], renderMs: [], heldShare: [] };
    s.lateness.push(...r.lateness);
    s.renderMs.push(r.renderMs);
    s.heldShare.push(Math.max(0, ...r.lateness) / r.renderMs);
    samples.set(setup, s);
  };
  let idleMs = 1000;
  for (let round = 0; round < rounds; round++) {
    await renderer.terminateWorkers();
    const cold = await probeDuring(() => renderer.render(show, 'bench'));
    add('worker, cold', cold);
    idleMs = cold.renderMs;
    add('worker, warm', await probeDuring(() => renderer.render(show, 'bench')));
    add(round === 0 ? 'event loop, cold' : 'event loop, warm', await probeDuring(() => runOfShowPdf(show)));
    add('idle', await probeDuring(() => new Promise((resolve) => setTimeout(resolve, Math.min(idleMs, 3000)))));
  }
  await renderer.close();

  const idleP99 = summarize(samples.get('idle')!.lateness).p99;
  const order: Setup[] = ['idle', 'worker, cold', 'worker, warm', 'event loop, cold', 'event loop, warm'];
  const rows = order.filter((s) => samples.has(s)).map((setup) => {
    const s = samples.get(setup)!;
    const l = summarize(s.lateness);
    const r = summarize(s.renderMs);
    return { setup, probes: l.n, p50: l.p50, p99: l.p99, max: l.max, renderP50: r.p50, p99VsIdle: l.p99 / Math.max(idleP99, 0.01), maxOfRender: Math.max(...s.heldShare) };
  });
  const table = markdownTable(
    ['setup', 'probes', 'lateness p50 ms', 'lateness p99 ms', 'lateness max ms', 'render p50 ms', 'p99 ÷ idle p99', 'max ÷ render'],
    rows.map((r) => [r.setup, r.probes, fmt(r.p50), fmt(r.p99), fmt(r.max, 0), r.setup === 'idle' ? '–' : fmt(r.renderP50, 0), r.setup === 'idle' ? '1' : fmt(r.p99VsIdle, 1), r.setup === 'idle' ? '–' : fmt(r.maxOfRender, 3)]),
  );
  console.log(`\nA 1 ms timer's lateness while a mixed-script run-of-show PDF renders (${rounds} rounds)\n`);
  console.log(table);
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `pdf-render-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ bench: 'pdf-render', rounds, when: new Date().toISOString(), node: process.version, cpus: os.cpus().length, load: os.loadavg(), rows, table }, null, 2));
  console.log(`\nwritten ${path.relative(process.cwd(), file)}`);
}
