import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntakePacing } from '../../server/bridge/intake-pacing.ts';

// The pacing on its own, with a clock the test moves: when deliveries wait, who goes in, and when.
const clock = (start = 1_000_000) => {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
};
const row = (receivedAt: number, attempts = 0) => ({ receivedAt, attempts });
/** Whether `p` has settled, and with what, after the pending microtasks. */
async function state<T>(p: Promise<T>): Promise<{ done: boolean; value?: T }> {
  let out: { done: boolean; value?: T } = { done: false };
  void p.then((value) => { out = { done: true, value }; });
  await new Promise((r) => setImmediate(r));
  return out;
}

describe('IntakePacing', () => {
  it('admits at once while application keeps up, and makes deliveries wait once a slice starts more than the budget behind', async () => {
    const c = clock();
    const pacing = new IntakePacing({ now: c.now, startLagMs: 1000, maxWaitMs: 60_000 });
    expect(await pacing.admit()).toBe(0);
    pacing.applying([row(c.now() - 900)]);
    expect(pacing.pacing).toBe(false);
    pacing.applying([row(c.now() - 1001)]);
    expect(pacing.pacing).toBe(true);
    const waiting = pacing.admit();
    expect(await state(waiting)).toEqual({ done: false });
    expect(pacing.waitingCount).toBe(1);
    pacing.close();
  });

  it('lets one waiting delivery in per row applied, first come first served, and banks what is left (at most 64)', async () => {
    const c = clock();
    const pacing = new IntakePacing({ now: c.now, startLagMs: 1000, maxWaitMs: 60_000 });
    pacing.applying([row(c.now() - 5000)]);
    const waits = [pacing.admit(), pacing.admit(), pacing.admit()];
    c.advance(40);
    pacing.applied(2);
    expect(await state(waits[0]!)).toEqual({ done: true, value: 40 });
    expect(await state(waits[1]!)).toEqual({ done: true, value: 40 });
    expect(await state(waits[2]!)).toEqual({ done: false });
    pacing.applied(100);
    expect(await state(waits[2]!)).toEqual({ done: true, value: 40 });
    // 99 rows were left over: 64 banked, so 64 deliveries go straight in and the next waits.
    for (let i = 0; i < 64; i++) expect(await state(pacing.admit())).toEqual({ done: true, value: 0 });
    const after = pacing.admit();
    expect(await state(after)).toEqual({ done: false });
    pacing.close();
    expect(await state(after)).toEqual({ done: true, value: 0 });
  });

  it('stops when a slice starts under a quarter of the budget, or when nothing is due; every waiting delivery goes in', async () => {
    const c = clock();
    const pacing = new IntakePacing({ now: c.now, startLagMs: 1000, maxWaitMs: 60_000 });
    pacing.applying([row(c.now() - 2000)]);
    const a = pacing.admit();
    // 300 ms behind: under the budget, not under a quarter of it: still pacing.
    pacing.applying([row(c.now() - 300)]);
    expect(await state(a)).toEqual({ done: false });
    pacing.applying([row(c.now() - 200)]);
    expect(pacing.pacing).toBe(false);
    expect(await state(a)).toEqual({ done: true, value: 0 });
    pacing.applying([row(c.now() - 2000)]);
    const b = pacing.admit();
    pacing.idle();
    expect(await state(b)).toEqual({ done: true, value: 0 });
    expect(await pacing.admit()).toBe(0);
  });

  it('does not count rows retried with backoff (late by design): the first row on its first attempt sets the lag', () => {
    const c = clock();
    const pacing = new IntakePacing({ now: c.now });
    pacing.applying([row(c.now() - 60_000, 3)]);
    expect(pacing.pacing).toBe(false);
    pacing.applying([row(c.now() - 60_000, 3), row(c.now() - 1500)]);
    expect(pacing.pacing).toBe(true);
    pacing.applying([row(c.now() - 60_000, 2), row(c.now() - 10)]);
    expect(pacing.pacing).toBe(false);
  });

  it('a delivery waits at most maxWaitMs, then goes in anyway; a budget of 0 never paces', async () => {
    const pacing = new IntakePacing({ now: Date.now, startLagMs: 1000, maxWaitMs: 30 });
    pacing.applying([row(Date.now() - 5000)]);
    const started = Date.now();
    const waited = await pacing.admit();
    expect(waited).toBeGreaterThanOrEqual(25);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(pacing.waitingCount).toBe(0);
    const off = new IntakePacing({ now: Date.now, startLagMs: 0 });
    off.applying([row(Date.now() - 3_600_000)]);
    expect(off.pacing).toBe(false);
  });

  it('while behind, deliveries go in exactly as a queue fed by the rows applied, with at most 64 banked (fast-check, against a model)', async () => {
    type Step = { op: 'admit' } | { op: 'applied'; n: number } | { op: 'still behind' };
    const step = fc.oneof(
      fc.constant<Step>({ op: 'admit' }),
      fc.integer({ min: 0, max: 40 }).map((n): Step => ({ op: 'applied', n })),
      fc.constant<Step>({ op: 'still behind' }),
    );
    await fc.assert(fc.asyncProperty(fc.array(step, { maxLength: 200 }), async (steps) => {
      const c = clock();
      const pacing = new IntakePacing({ now: c.now, startLagMs: 1000, maxWaitMs: 3_600_000 });
      pacing.applying([row(c.now() - 5000)]);
      let admitted = 0;
      let applied = 0;
      // The model: deliveries waiting, and rows applied that nobody used yet.
      let waiting = 0;
      let banked = 0;
      let expected = 0;
      for (const s of steps) {
        if (s.op === 'admit') {
          void pacing.admit().then(() => { admitted++; });
          if (banked > 0 && waiting === 0) { banked--; expected++; } else waiting++;
        } else if (s.op === 'applied') {
          applied += s.n;
          pacing.applied(s.n);
          const k = Math.min(s.n, waiting);
          waiting -= k;
          expected += k;
          banked = Math.min(64, banked + s.n - k);
        } else pacing.applying([row(c.now() - 5000)]);
        await new Promise((r) => setImmediate(r));
        expect(admitted).toBe(expected);
        expect(pacing.waitingCount).toBe(waiting);
        expect(admitted).toBeLessThanOrEqual(applied);
      }
      pacing.close();
    }), { numRuns: 200 });
  });
});
