import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeddingDoc } from '../../schema/index.ts';
import type { WeddingConnection } from '../../client/sdk/node.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

/** A wedding whose PDF needs the CJK, Arabic, Hebrew and emoji faces (seconds to parse when cold). */
async function mixedScriptWedding(t: TestServer, weddingId: string): Promise<void> {
  await t.server.collab.withDocument(weddingId, (ydoc) => {
    const w = new WeddingDoc(ydoc);
    w.setMeta({ title: '李伟 & 佐藤さくら', date: '2027-06-12', timezone: 'Asia/Tokyo', venue: 'ホテル椿山荘東京', status: 'planning' });
    w.upsertVendor({ id: 'photo', name: '김민준 사진', category: 'photographer' });
    w.upsertVendor({ id: 'flowers', name: 'שרה כהן', category: 'florist' });
    for (let i = 0; i < 20; i++) {
      w.upsertEvent({ id: `e${i}`, title: `Tea ceremony 茶道 ${i}`, start: '2027-06-12T02:00:00Z', end: '2027-06-12T03:00:00Z', location: 'قاعة الفرح · Ελένη', vendorIds: ['photo', 'flowers'], notes: 'Bring 🎂 and 💍' });
    }
  });
}

/** GET the wedding's PDF as planner `sub` (each requester may have one PDF in flight). */
const fetchPdf = async (t: TestServer, weddingId: string, sub = 'planner-user') =>
  t.fetch(`/api/weddings/${weddingId}/run-of-show.pdf`, { token: await t.token('planner', [weddingId], { sub }) });

/** Milliseconds from an edit on `from` until `to` has it (through the server). */
async function editRoundTrip(from: WeddingConnection, to: WeddingConnection, title: string): Promise<number> {
  const started = performance.now();
  const seen = new Promise<void>((resolve) => {
    const check = () => { if (to.doc.getMeta().title === title) { to.ydoc.off('update', check); resolve(); } };
    to.ydoc.on('update', check);
  });
  from.doc.setMeta({ title });
  await seen;
  return performance.now() - started;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const summary = (ms: number[]) => `n=${ms.length} p50 ${percentile(ms, 0.5).toFixed(0)} p90 ${percentile(ms, 0.9).toFixed(0)} max ${Math.max(...ms).toFixed(0)} ms`;

describe('run-of-show PDFs render off the event loop, bounded', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { PDF_WORKERS: '1', PDF_QUEUE: '1' } });
    await mixedScriptWedding(t, 'wed_intl');
  });
  afterAll(async () => { await t?.close(); });

  it('keeps relaying live edits and answering /readyz while a cold mixed-script PDF renders: no poll waits for any large part of it', async () => {
    const token = await t.token('planner', ['wed_live']);
    const a = await t.connect('wed_live', token);
    const b = await t.connect('wed_live', token);
    await Promise.all([a.whenSynced(), b.whenSynced()]);

    await t.server.pdf.terminateWorkers(); // cold fonts: the next render parses them
    let rendered = false;
    const started = performance.now();
    const pdf = fetchPdf(t, 'wed_intl').finally(() => { rendered = true; });
    const edits: number[] = [];
    const probes: number[] = [];
    for (let i = 0; !rendered; i++) {
      edits.push(await editRoundTrip(a, b, `edit ${i}`));
      const probeStart = performance.now();
      const ready = await t.fetch('/readyz');
      probes.push(performance.now() - probeStart);
      expect(ready.status).toBe(200);
    }
    const renderMs = performance.now() - started;
    const res = await pdf;
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer()).subarray(0, 5)).toEqual(new TextEncoder().encode('%PDF-'));
    // What a render costs other weddings is measured by `npm run bench -- pdf-render` (probe lateness
    // p50/p99 against idle, and the longest stall as a share of the render, on a worker and on the
    // loop; docs/performance.md). Here, with wide margins for this shared machine, what rendering on
    // the event loop fails: in one block (the bench: 0.998 of the render) one or two polls fit, not
    // 8; in chunks (measured before the worker: 10 polls in a 4 s render, the longest 0.41 of it)
    // the 90th percentile is over a fifth, and the median near a tenth (so that check is a guard,
    // not the discriminator). Off the loop the median was a 26th under a CI run's load (ci69: 77 ms
    // in 2.0 s), and one poll in 155 once waited 0.36 of the render, so not the longest.
    expect(edits.length, `cold render ${renderMs.toFixed(0)} ms`).toBeGreaterThanOrEqual(8);
    for (const times of [edits, probes]) {
      expect(percentile(times, 0.5), `${summary(times)}; render ${renderMs.toFixed(0)} ms`).toBeLessThan(renderMs / 10);
      expect(percentile(times, 0.9), `${summary(times)}; render ${renderMs.toFixed(0)} ms`).toBeLessThan(renderMs / 5);
    }
  });

  it('answers 503 busy with Retry-After once one PDF renders and one waits, and renders the accepted ones', async () => {
    await t.server.pdf.terminateWorkers(); // cold fonts keep the first render running while the rest arrive
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => fetchPdf(t, 'wed_intl', `planner-${i}`)));
    const statuses = answers.map((r) => r.status);
    const refused = answers.filter((r) => r.status === 503);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const r of refused) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await r.json()).toEqual({ error: { code: 'busy', message: expect.stringContaining('retry after') } });
    }
    expect(t.server.pdf.busy).toBe(0);
  });

  it('answers 503 busy to a second PDF from the same person while the first renders, and renders it afterwards', async () => {
    await t.server.pdf.terminateWorkers();
    const first = fetchPdf(t, 'wed_intl', 'eager');
    await waitFor(() => t.server.pdf.busy === 1, 'the first PDF to be rendering');
    const second = await fetchPdf(t, 'wed_intl', 'eager');
    expect(second.status).toBe(503);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await second.json()).toEqual({ error: { code: 'busy', message: expect.stringContaining('previous PDF') } });
    // Someone else is not held back by it: their PDF waits in the queue and renders.
    const other = fetchPdf(t, 'wed_intl', 'patient');
    expect((await first).status).toBe(200);
    expect((await other).status).toBe(200);
    expect((await fetchPdf(t, 'wed_intl', 'eager')).status).toBe(200);
  });
});

describe('a run-of-show PDF past its time limit', () => {
  it('is abandoned with 503 render_timed_out, and the server carries on', async () => {
    const t = await startTestServer({ env: { PDF_TIMEOUT_MS: '100' } });
    await mixedScriptWedding(t, 'wed_intl');
    const res = await fetchPdf(t, 'wed_intl'); // a cold worker parses fonts for far longer than 100 ms
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { code: 'render_timed_out', message: expect.any(String) } });
    expect(t.server.pdf.busy).toBe(0);
    expect((await t.fetch('/readyz')).status).toBe(200);
    await t.close();
  });
});
