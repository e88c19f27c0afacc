import { describe, expect, it } from 'vitest';
import { DebtBucket } from '../../server/collab/flow-control.ts';

describe('DebtBucket', () => {
  it('lets a burst of its capacity through, then asks for the time the debt takes to pay back', () => {
    const b = new DebtBucket(100, 10, 0); // 100/s, burst 10
    for (let i = 0; i < 10; i++) expect(b.charge(1, 0)).toBe(0);
    expect(b.charge(1, 0)).toBeCloseTo(10); // 1 over at 100/s: 10 ms
    expect(b.charge(5, 0)).toBeCloseTo(60);
  });

  it('refills at its rate up to its capacity, never beyond', () => {
    const b = new DebtBucket(100, 10, 0);
    b.charge(20, 0); // 10 in debt
    expect(b.charge(0, 100)).toBe(0); // 100 ms later: 10 refilled, back at zero
    expect(b.idle(1000)).toBe(true);
    for (let i = 0; i < 10; i++) expect(b.charge(1, 1000)).toBe(0);
    expect(b.charge(1, 1000)).toBeGreaterThan(0);
  });

  it('never throttles with a rate of 0 (the limit turned off)', () => {
    const b = new DebtBucket(0, 1, 0);
    for (let i = 0; i < 1000; i++) expect(b.charge(1_000_000, 0)).toBe(0);
  });
});
