/**
 * Sends at a fixed `rate` per second for `seconds` (open loop: a slow answer does not delay the next
 * send), each request's latency counted from its scheduled time so queueing is not hidden. `send`
 * resolves true for a success; a rejection or false is an error. Resolves once every answer is in,
 * with the latencies (ms), the errors, when the first and the last request were due
 * (performance.now()) and the rate achieved.
 */
export async function openLoop(rate: number, seconds: number, send: () => Promise<boolean>): Promise<{ latencies: number[]; errors: number; t0: number; lastDue: number; achieved: number }> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let errors = 0;
  const inflight: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(send().then((ok) => {
      if (!ok) errors++;
      latencies.push(performance.now() - due);
    }, () => { errors++; }));
  }
  await Promise.all(inflight);
  return { latencies, errors, t0, lastDue: t0 + ((total - 1) * 1000) / rate, achieved: total / ((performance.now() - t0) / 1000) };
}
