import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntakePacing } from '../../server/bridge/intake-pacing.ts';

// The pacing on its own, with a clock the test moves: when deliveries wait, who goes in, and when.
const clock = (start = 1_000_000) => {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
};
const row = (receivedAt: number, attempts = 0) => ({ receivedAt, attempts });
/** Whether `p` has settled, and with what, after the pending callbacks. */
async function state<T>(p: Promise<T>): Promise<{ done: boolean; value?: T }> {
  let out: { done: boolean; value?: T } = { done: false };
  void p.then((value) => { out = { done: true, value }; });
  await new Promise((r) => setImmediate(r));
  return out;
}

describe('IntakePacing', () => {
  it('admits at once while application keeps up; a slice whose newest row waited past the budget makes deliveries wait', async () => {
    const c = clock();
    const pacing = new IntakePacing({ now: c.now, startLagMs: 1000, maxWaitMs: 60_000 });
    expect(await pacing.admit()).toBe(0);
    pacing.applied([row(c.now() - 900)]);
    expect(pacing.pacing).toBe(false);
    // The slice's own row lets one delivery in; the next waits.
    pacing.applied([row(c.now() - 1001)]);
    expect(pacing.pacing).toBe(true);
    expect(await pacing.admit()).toBe(0);
    const waiting = pacing.admit();
    expect(await state(waiting)).toEqual({ done: false });
    expect(pacing.waitingCount).toBe(1);
    pacing.close();
    expect(await state(waiting)).toEqual({ done: true, value: 0 });
  });

  it('lets one waiting delivery in per row finished, first come first served, and banks what is left (at most 64)', async () => {
    const c = clock();
    const pacing = new IntakePacing({ now: c.now, startLagMs: 1000, maxWaitMs: 60_000 });
    pacing.applied([]);
    pacing.applied([row(c.now() - 5000)]);
    expect(await pacing.admit()).toBe(0);
    const waits = [pacing.admit(), pacing.admit(), pacing.admit()];
    c.advance(40);
    pacing.applied([row(c.now() - 4000), row(c.now() - 3990)]);
    expect(await state(waits[0]!)).toEqual({ done: true, value: 40 });
    expect(await state(waits[1]!)).toEqual({ done: true, value: 40 });
    expect(await state(waits[2]!)).toEqual({ done: false });
    pacing.applied(Array.from({ length: 100 }, () => row(c.now() - 3000)));
    expect(await state(waits[2]!)).toEqual({ done: true, value: 40 });
    // 99 rows were left over: 64 banked, so 64 deliveries go straight in and the next waits.
    for (let i = 0; i < 64; i++) expect(await state(pacing.admit())).toEqual({ done: true, value: 0 });
    const after = pacing.admit();
    expect(await state(after)).toEqual({ done: false });
    pacing.close();
    expect(await state(after)).toEqual({ done: true, value: 0 });
  });

  it('stays behind while slow slices go on finishing, even past a quick one; ends once none has for the budget, or when nothing is due', async () => {
    const c = clock();
    const pacing = new IntakePacing({ now: c.now, startLagMs: 1000, maxWaitMs: 60_000 });
    pacing.applied([row(c.now() - 2000)]);
    expect(await pacing.admit()).toBe(0);
    const a = pacing.admit();
    // A quiet wedding's slice, applied at once, does not release the flood.
    pacing.applied([]);
    c.advance(600);
    expect(await state(a)).toEqual({ done: false });
    expect(pacing.pacing).toBe(true);
    // A slice still 300 ms behind (past a quarter of the budget) keeps it behind.
    pacing.applied([row(c.now() - 300)]);
    expect(await state(a)).toEqual({ done: true, value: 600 });
    c.advance(900);
    const b = pacing.admit();
    expect(await state(b)).toEqual({ done: false });
    // No slice past 250 ms for more than the budget: the next delivery finds it caught up, and so do those waiting.
    c.advance(200);
    expect(await pacing.admit()).toBe(0);
    expect(pacing.pacing).toBe(false);
    expect(await state(b)).toEqual({ done: true, value: 200 });
    pacing.applied([row(c.now() - 2000)]);
    pacing.applied([]);
    expect(await pacing.admit()).toBe(0);
    const d = pacing.admit();
    pacing.idle();
    expect(await state(d)).toEqual({ done: true, value: 0 });
    expect(await pacing.admit()).toBe(0);
  });

  it('reads the lag from the newest row on its first attempt: a retried row, or rows left behind one, do not make it behind', () => {
    const c = clock();
    const pacing = new IntakePacing({ now: c.now });
    pacing.applied([row(c.now() - 60_000, 3)]);
    expect(pacing.pacing).toBe(false);
    // Rows that waited an hour behind a retried one, then one that just arrived.
    pacing.applied([row(c.now() - 3_600_000, 2), row(c.now() - 3_500_000), row(c.now() - 20)]);
    expect(pacing.pacing).toBe(false);
    pacing.applied([row(c.now() - 60_000, 2), row(c.now() - 1500)]);
    expect(pacing.pacing).toBe(true);
    pacing.idle();
    // A slice of nothing but rows that waited behind a retry still reads as behind, until the worker is idle.
    pacing.applied([row(c.now() - 3_600_000), row(c.now() - 3_500_000)]);
    expect(pacing.pacing).toBe(true);
    pacing.idle();
    expect(pacing.pacing).toBe(false);
  });

  it('a stop lag given above the budget is taken as the budget', async () => {
    const c = clock();
    const pacing = new IntakePacing({ now: c.now, startLagMs: 1000, stopLagMs: 5000, maxWaitMs: 60_000 });
    pacing.applied([row(c.now() - 2000)]);
    expect(await pacing.admit()).toBe(0);
    c.advance(900);
    // 2 s behind is past the budget, so it keeps the instance behind although it is under the 5 s given.
    pacing.applied([row(c.now() - 2000)]);
    c.advance(900);
    expect(await state(pacing.admit())).toEqual({ done: true, value: 0 }); // that slice's row
    expect(await state(pacing.admit())).toEqual({ done: false });
    pacing.close();
  });

  it('a worker that goes quiet (its slices failing) releases the waiting deliveries after the budget; a delivery waits at most maxWaitMs', async () => {
    const pacing = new IntakePacing({ startLagMs: 60, maxWaitMs: 5000 });
    pacing.applied([row(Date.now() - 500)]);
    expect(await pacing.admit()).toBe(0);
    const started = Date.now();
    const waited = await pacing.admit();
    expect(pacing.pacing).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(waited).toBeGreaterThanOrEqual(40);

    const capped = new IntakePacing({ startLagMs: 60_000, maxWaitMs: 30 });
    capped.applied([row(Date.now() - 120_000)]);
    expect(await capped.admit()).toBe(0);
    expect(await capped.admit()).toBeGreaterThanOrEqual(25);
    expect(capped.waitingCount).toBe(0);
    capped.close();
  });

  it('a budget of 0 never paces; once closed it never paces again', async () => {
    const off = new IntakePacing({ startLagMs: 0 });
    off.applied([row(Date.now() - 3_600_000)]);
    expect(off.pacing).toBe(false);
    const c = clock();
    const closing = new IntakePacing({ now: c.now, maxWaitMs: 60_000 });
    closing.close();
    closing.applied([row(c.now() - 5000)]);
    expect(closing.pacing).toBe(false);
    expect(await state(closing.admit())).toEqual({ done: true, value: 0 });
  });

  it('while behind, deliveries go in exactly as a queue fed by the rows finished, with at most 64 banked (fast-check, against a model)', async () => {
    type Step = { op: 'admit' } | { op: 'applied'; n: number };
    const step = fc.oneof(fc.constant<Step>({ op: 'admit' }), fc.integer({ min: 0, max: 40 }).map((n): Step => ({ op: 'applied', n })));
    await fc.assert(fc.asyncProperty(fc.array(step, { maxLength: 200 }), async (steps) => {
      const c = clock();
      const pacing = new IntakePacing({ now: c.now, startLagMs: 1000, maxWaitMs: 3_600_000 });
      let admitted = 0;
      let finished = 1;
      pacing.applied([row(c.now() - 5000)]);
      // The model: deliveries waiting, and rows finished that nobody used yet (the first slice's one).
      let waiting = 0;
      let banked = 1;
      let expected = 0;
      for (const s of steps) {
        if (s.op === 'admit') {
          void pacing.admit().then(() => { admitted++; });
          if (banked > 0 && waiting === 0) { banked--; expected++; } else waiting++;
        } else {
          finished += s.n;
          pacing.applied(Array.from({ length: s.n }, () => row(c.now() - 5000)));
          const k = Math.min(s.n, waiting);
          waiting -= k;
          expected += k;
          banked = Math.min(64, banked + s.n - k);
        }
        await new Promise((r) => setImmediate(r));
        expect(admitted).toBe(expected);
        expect(pacing.waitingCount).toBe(waiting);
        expect(admitted).toBeLessThanOrEqual(finished);
      }
      pacing.close();
    }), { numRuns: 200 });
  });
});
